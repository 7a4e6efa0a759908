// Hands a test message to a sending MTA over SMTP, as a relay's client would.
import { connect } from 'node:net';

export interface OutgoingMessage {
  from: string;
  to: string[];
  raw: string;
}

export function submitMessage(host: string, port: number, message: OutgoingMessage): Promise<void> {
  const commands = [
    'EHLO client.warden.test',
    `MAIL FROM:<${message.from}>`,
    ...message.to.map((rcpt) => `RCPT TO:<${rcpt}>`),
    'DATA',
    message.raw.replace(/\r?\n/g, '\r\n').replace(/^\./gm, '..') + '\r\n.',
    'QUIT',
  ];
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let buffer = '';
    let step = -1; // -1: waiting for the greeting
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      // A reply is complete when its last line has a space after the code.
      const lines = buffer.split('\r\n');
      const last = lines[lines.length - 2];
      if (!last || !/^\d{3} /.test(last)) return;
      buffer = '';
      if (!/^[23]/.test(last)) {
        socket.destroy();
        reject(new Error(`${host}:${port} refused ${commands[step] ?? 'the connection'}: ${last}`));
        return;
      }
      step += 1;
      if (step < commands.length) socket.write(commands[step] + '\r\n');
      else {
        socket.end();
        resolve();
      }
    });
  });
}
