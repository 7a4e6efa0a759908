// A loopback SMTP receiver (RFC 5321's minimum: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT)
// that records, per message, the address the client connected from: which of the relay's
// outgoing IPs (smtp_bind_address) a message left by.
import { createServer, type Server, type Socket } from 'node:net';

export interface ReceivedMessage {
  /** The client's source address: the sending transport's smtp_bind_address. */
  remoteAddress: string;
  mailFrom: string;
  rcptTo: string[];
  at: Date;
}

export interface RunningSmtpReceiver {
  host: '127.0.0.1';
  port: number;
  messages: ReceivedMessage[];
  close(): Promise<void>;
}

export async function startSmtpReceiver(): Promise<RunningSmtpReceiver> {
  const messages: ReceivedMessage[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const remoteAddress = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    let buffered = '';
    let inData = false;
    let envelope: { mailFrom: string; rcptTo: string[] } | undefined;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    reply('220 receiver.warden.test ESMTP');
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      for (;;) {
        if (inData) {
          const end = buffered.indexOf('\r\n.\r\n');
          // The terminating dot may also be the very first line of an empty body.
          const emptyEnd = buffered.startsWith('.\r\n') ? 0 : -1;
          if (end < 0 && emptyEnd < 0) return;
          buffered = emptyEnd === 0 ? buffered.slice(3) : buffered.slice(end + 5);
          inData = false;
          if (envelope) messages.push({ remoteAddress, ...envelope, at: new Date() });
          envelope = undefined;
          reply('250 2.0.0 accepted');
          continue;
        }
        const lineEnd = buffered.indexOf('\r\n');
        if (lineEnd < 0) return;
        const line = buffered.slice(0, lineEnd);
        buffered = buffered.slice(lineEnd + 2);
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO' || verb === 'HELO') reply('250 receiver.warden.test');
        else if (verb === 'MAIL') {
          envelope = { mailFrom: /<([^>]*)>/.exec(line)?.[1] ?? '', rcptTo: [] };
          reply('250 2.1.0 ok');
        } else if (verb === 'RCPT') {
          envelope?.rcptTo.push(/<([^>]*)>/.exec(line)?.[1] ?? '');
          reply('250 2.1.5 ok');
        } else if (verb === 'DATA') {
          inData = true;
          reply('354 end with .');
        } else if (verb === 'RSET') {
          envelope = undefined;
          reply('250 2.0.0 ok');
        } else if (verb === 'NOOP') reply('250 2.0.0 ok');
        else if (verb === 'QUIT') {
          reply('221 2.0.0 bye');
          socket.end();
          return;
        } else reply('502 5.5.2 not implemented');
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    host: '127.0.0.1',
    port,
    messages,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
