// A raw TCP client of the Postfix policy protocol: sends what Postfix sends, reads `action=` answers.
import { connect, type Socket } from 'node:net';

export type PolicyRequestAttributes = Record<string, string | number>;

/** A request as Postfix 3.x writes it (SMTPD_POLICY_README), with the given attributes on top. */
export function postfixRequest(attributes: PolicyRequestAttributes): string {
  const base: PolicyRequestAttributes = {
    request: 'smtpd_access_policy',
    protocol_state: 'END-OF-MESSAGE',
    protocol_name: 'ESMTP',
    client_address: '192.0.2.44',
    client_name: 'client.example',
    reverse_client_name: 'client.example',
    client_port: 50321,
    helo_name: 'client.example',
    server_address: '192.0.2.10',
    server_port: 587,
    sender: '',
    recipient: '',
    recipient_count: 1,
    queue_id: '',
    instance: '',
    size: 1024,
    etrn_domain: '',
    stress: '',
    sasl_method: '',
    sasl_username: '',
    sasl_sender: '',
    ccert_subject: '',
    ccert_issuer: '',
    ccert_fingerprint: '',
    encryption_protocol: '',
    encryption_cipher: '',
    encryption_keysize: 0,
    policy_context: '',
    compatibility_level: '3.6',
    mail_version: '3.7.11',
  };
  return `${Object.entries({ ...base, ...attributes }).map(([name, value]) => `${name}=${value}`).join('\n')}\n\n`;
}

export class PolicyClient {
  private buffered = '';
  private readonly waiting: ((answer: string) => void)[] = [];
  private readonly answers: string[] = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffered += chunk;
      for (let end = this.buffered.indexOf('\n\n'); end >= 0; end = this.buffered.indexOf('\n\n')) {
        const answer = this.buffered.slice(0, end).replace(/^action=/, '');
        this.buffered = this.buffered.slice(end + 2);
        const resolve = this.waiting.shift();
        if (resolve) resolve(answer);
        else this.answers.push(answer);
      }
    });
    // A reset (a connection refused at accept, or cut) shows as the close below.
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  /** localAddress: the source address, e.g. 127.0.0.2 to connect as another loopback client. */
  static open(port: number, host = '127.0.0.1', localAddress?: string): Promise<PolicyClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host, noDelay: true, localAddress }, () => resolve(new PolicyClient(socket)));
      socket.once('error', reject);
    });
  }

  /** The next answer (the text after `action=`). */
  next(): Promise<string> {
    const ready = this.answers.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  send(raw: string): void {
    this.socket.write(raw);
  }

  async ask(attributes: PolicyRequestAttributes): Promise<string> {
    this.send(postfixRequest(attributes));
    return this.next();
  }

  close(): void {
    this.socket.end();
  }
}
