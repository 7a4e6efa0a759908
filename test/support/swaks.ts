// swaks, the SMTP test client, sending one message to a relay on loopback: what the server said.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/** Why swaks cannot run here, or null when it can. */
export function swaksUnavailable(): string | null {
  try {
    accessSync('/usr/bin/swaks', constants.X_OK);
    return null;
  } catch {
    return 'swaks is not installed (Debian: apt-get install swaks)';
  }
}

export interface SendOptions {
  port: number;
  from: string;
  to?: string;
  /** SMTP AUTH PLAIN with this login. */
  auth?: { user: string; password: string };
}

/**
 * The server's verdict on the message: its first refusal at any stage (swaks marks it `<**`, and
 * stops there), else its reply to the end of DATA.
 */
export async function sendMail({ port, from, to = 'someone@gmail.example', auth }: SendOptions): Promise<string> {
  const args = ['--server', '127.0.0.1', '--port', String(port), '--from', from, '--to', to, '--helo', 'client.example', '--timeout', '20'];
  if (auth) args.push('--auth', 'PLAIN', '--auth-user', auth.user, '--auth-password', auth.password);
  const child = spawn('swaks', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  await new Promise((resolve) => child.once('exit', resolve));
  const lines = output.split('\n');
  const refusal = lines.find((line) => /^\s*<\*\*\s+[45]\d\d/.test(line));
  if (refusal) return refusal.replace(/^\s*<\*\*\s+/, '');
  const dot = lines.findIndex((line) => /^ ->\s+\.$/.test(line));
  const reply = lines.slice(dot + 1).find((line) => /^\s*<-\s+\d{3}/.test(line));
  if (dot < 0 || !reply) throw new Error(`no verdict in swaks output:\n${output}`);
  return reply.replace(/^\s*<-\s+/, '');
}

/** What the server answered to MAIL FROM, to each RCPT TO, and to the end of DATA when any recipient was accepted. */
export interface Dialogue {
  mailFrom: string | undefined;
  recipients: Map<string, string>;
  endOfData: string | undefined;
  transcript: string;
}

/** One message to several recipients: the server's reply to each RCPT TO, and to the message. */
export async function sendToRecipients({ port, from, to }: { port: number; from: string; to: string[] }): Promise<Dialogue> {
  const args = ['--server', '127.0.0.1', '--port', String(port), '--from', from, '--to', to.join(','), '--helo', 'client.example', '--timeout', '20'];
  const child = spawn('swaks', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let transcript = '';
  child.stdout.on('data', (chunk) => (transcript += chunk));
  child.stderr.on('data', (chunk) => (transcript += chunk));
  await new Promise((resolve) => child.once('exit', resolve));
  const lines = transcript.split('\n');
  const replyAfter = (index: number) =>
    lines
      .slice(index + 1)
      .find((next) => /^\s*<(?:-|\*\*)\s+\d{3}/.test(next))
      ?.replace(/^\s*<(?:-|\*\*)\s+/, '');
  const recipients = new Map<string, string>();
  let mailFrom: string | undefined;
  let dataReply: string | undefined;
  lines.forEach((line, index) => {
    const rcpt = /^\s*->\s+RCPT TO:<([^>]*)>/.exec(line);
    if (rcpt) {
      const reply = replyAfter(index);
      if (reply) recipients.set(rcpt[1]!, reply);
    }
    if (/^\s*->\s+MAIL FROM:/.test(line)) mailFrom = replyAfter(index);
    if (/^\s*->\s+\.$/.test(line)) dataReply = replyAfter(index);
  });
  return { mailFrom, recipients, endOfData: dataReply, transcript };
}
