// The scripted receiving side of the MTA corpus: a minimal ESMTP server on port 25 (inside the
// generator's private network namespace) that answers as the scenario of each recipient says, and
// stores every message addressed to the sender domain (the MTAs' own bounces) as the final MTA would.
import { createServer, type Server, type Socket } from 'node:net';
import type { Scenario } from './scenarios';

export const BOUNCE_DOMAIN = 'sender.warden.test';
/**
 * Where the bounce domain resolves: an address no scenario uses, so an MTA that backs off a route
 * after refusals (OpenSMTPD penalises and disables it for a while) still returns its bounces at once
 * instead of letting them expire in its queue.
 */
export const BOUNCE_ADDRESS = '127.0.2.1';

export interface CollectedBounce {
  /** The envelope recipient: the test message's sender, which names the message (sender+<tag>@). */
  rcptTo: string;
  receivedAt: number;
  /** The message as stored by a final delivery agent: Return-Path first (RFC 5321 §4.4). */
  raw: Buffer;
}

export interface ScriptedReceiver {
  bounces: CollectedBounce[];
  close(): Promise<void>;
}

export interface ReceiverOptions {
  scenarios: readonly Scenario[];
  /** Scenario answering at the greeting or MAIL FROM, keyed by the loopback address its domain resolves to. */
  byAddress: ReadonlyMap<string, Scenario>;
  /** Scenario of a recipient address (the generator encodes it in the local part). */
  scenarioOf(recipient: string): Scenario | undefined;
  host?: string;
}

function fill(lines: readonly string[], values: Record<string, string>): string {
  return lines.map((line) => line.replace(/\{(\w+)\}/g, (_, key: string) => values[key] ?? `{${key}}`)).join('\r\n') + '\r\n';
}

const isTemporary = (scenario: Scenario) => scenario.reply[0]!.startsWith('4');

function serve(socket: Socket, options: ReceiverOptions, bounces: CollectedBounce[]): void {
  const clientIp = socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
  const local = socket.localAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
  const bound = options.byAddress.get(local);
  const hostname = bound?.mx ?? 'mx.loopback.test';
  let mailFrom = '';
  const values = (rcpt = '') => ({ ip: clientIp, rcpt, host: hostname, sender: mailFrom });
  const say = (text: string) => socket.write(text);
  if (bound?.phase === 'connect') {
    say(fill(bound.reply, values()));
    socket.end();
    return;
  }
  say(`220 ${hostname} ESMTP ready\r\n`);
  let buffer = '';
  let recipients: string[] = [];
  let dataScenario: Scenario | undefined;
  let inData = false;
  let data: string[] = [];
  socket.setEncoding('latin1');
  socket.on('error', () => undefined);
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf('\r\n')) !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 2);
      if (inData) {
        if (line !== '.') {
          data.push(line.startsWith('..') ? line.slice(1) : line);
          continue;
        }
        inData = false;
        if (dataScenario) say(fill(dataScenario.reply, values(recipients[0])));
        else {
          const raw = Buffer.from([`Return-Path: <${mailFrom}>`, ...data, ''].join('\r\n'), 'latin1');
          for (const rcptTo of recipients) bounces.push({ rcptTo, receivedAt: Date.now(), raw });
          say('250 2.0.0 Ok: stored\r\n');
        }
        data = [];
        recipients = [];
        dataScenario = undefined;
        continue;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO') say(`250-${hostname}\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n`);
      else if (verb === 'HELO') say(`250 ${hostname}\r\n`);
      else if (verb === 'MAIL') {
        mailFrom = /<([^>]*)>/.exec(line)?.[1] ?? '';
        recipients = [];
        if (bound?.phase === 'mail') say(fill(bound.reply, values()));
        else say('250 2.1.0 Ok\r\n');
      } else if (verb === 'RCPT') {
        const rcpt = /<([^>]*)>/.exec(line)?.[1] ?? '';
        const scenario = options.scenarioOf(rcpt);
        if (scenario?.phase === 'rcpt') {
          say(fill(scenario.reply, values(rcpt)));
          continue;
        }
        if (scenario?.phase === 'data') dataScenario = scenario;
        recipients.push(rcpt);
        say('250 2.1.5 Ok\r\n');
      } else if (verb === 'DATA') {
        if (recipients.length === 0) say('503 5.5.1 Error: need RCPT command\r\n');
        else {
          inData = true;
          say('354 End data with <CR><LF>.<CR><LF>\r\n');
        }
      } else if (verb === 'RSET') {
        recipients = [];
        dataScenario = undefined;
        say('250 2.0.0 Ok\r\n');
      } else if (verb === 'NOOP') say('250 2.0.0 Ok\r\n');
      else if (verb === 'QUIT') {
        say('221 2.0.0 Bye\r\n');
        socket.end();
      } else say('502 5.5.2 Error: command not recognized\r\n');
      // A temporary refusal at MAIL is given once per connection; the client retries later.
      if (verb === 'MAIL' && bound?.phase === 'mail' && isTemporary(bound)) socket.end();
    }
  });
}

export function startScriptedReceiver(options: ReceiverOptions): Promise<ScriptedReceiver> {
  const bounces: CollectedBounce[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, options, bounces);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // Every 127.0.0.0/8 address is this namespace's loopback: one listener answers them all.
    server.listen(25, options.host ?? '0.0.0.0', () =>
      resolve({
        bounces,
        close: () =>
          new Promise<void>((done) => {
            for (const socket of sockets) socket.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}
