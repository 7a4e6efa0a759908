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
