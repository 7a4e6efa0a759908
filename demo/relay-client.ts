// What the demo's pretend relay uses to talk to Relay Warden: the send-events API with the relay
// token, and the Postfix policy protocol over one persistent connection, as an smtpd process does.
import { connect, type Socket } from 'node:net';
import type { SentMessage } from './mail/original';

export interface SendEvent {
  messageId: string;
  recipient: string;
  sender: string;
  senderDomain: string;
  recipientDomain: string;
  ip: string;
  at: string;
  outcome: 'delivered' | 'bounced';
  saslUsername: string;
  /** The content fingerprint, as written into the message (X-Warden-Fingerprint). */
  fingerprint: string;
}

/** The send event the relay reports for a message it sent. */
export function sendEventOf(message: SentMessage, recipientDomain: string, outcome: SendEvent['outcome']): SendEvent {
  return {
    messageId: message.messageId,
    recipient: message.recipient,
    sender: message.sender,
    senderDomain: message.senderDomain,
    recipientDomain,
    ip: message.ip,
    at: message.sentAt.toISOString(),
    outcome,
    saslUsername: message.sender,
    fingerprint: message.fingerprint,
  };
}

export class RelayApiError extends Error {
  readonly code = 'E_DEMO_API';
}

export async function postSendEvents(baseUrl: string, relayToken: string, events: SendEvent[]): Promise<{ stored: number; rejected: unknown[] }> {
  const response = await fetch(`${baseUrl}/api/v1/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${relayToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  const body = (await response.json().catch(() => null)) as { stored: number; rejected: unknown[]; error?: { message: string } } | null;
  if (!response.ok || !body) {
    throw new RelayApiError(`POST /api/v1/events answered ${response.status}: ${body?.error?.message ?? 'no JSON body'}`);
  }
  if (body.rejected.length > 0) throw new RelayApiError(`POST /api/v1/events rejected rows: ${JSON.stringify(body.rejected.slice(0, 3))}`);
  return body;
}

/** `DUNNO`, `REJECT ...`, `DEFER_IF_PERMIT ...`: the text after `action=`. */
export type PolicyAnswer = string;

/** What the relay tells the policy server about one message. */
export interface PolicyQuestion {
  sender: string;
  envelopeSender: string;
  recipient: string;
  serverAddress: string;
  queueId: string;
}

export class PolicyConnection {
  private socket: Socket | undefined;
  private buffered = '';
  private pending: ((answer: PolicyAnswer) => void) | undefined;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /**
   * Asks about one message at END-OF-MESSAGE (where the policy server counts it), one request at
   * a time like an smtpd. A connection that fails is answered DUNNO, as Postfix's
   * smtpd_policy_service_default_action would, and reopened on the next message.
   */
  async ask(message: PolicyQuestion): Promise<PolicyAnswer> {
    try {
      const socket = await this.open();
      const answer = new Promise<PolicyAnswer>((resolve) => (this.pending = resolve));
      socket.write(
        [
          'request=smtpd_access_policy',
          'protocol_state=END-OF-MESSAGE',
          'protocol_name=ESMTP',
          `sasl_username=${message.sender}`,
          `sender=${message.envelopeSender}`,
          `recipient=${message.recipient}`,
          'recipient_count=1',
          `server_address=${message.serverAddress}`,
          `queue_id=${message.queueId}`,
          '',
          '',
        ].join('\n'),
      );
      return await answer;
    } catch {
      this.socket?.destroy();
      this.socket = undefined;
      return 'DUNNO';
    }
  }

  close(): void {
    this.socket?.end();
    this.socket = undefined;
  }

  private open(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port, noDelay: true }, () => resolve(socket));
      socket.setEncoding('utf8');
      socket.once('error', reject);
      socket.on('close', () => {
        if (this.socket === socket) this.socket = undefined;
        this.pending?.('DUNNO');
        this.pending = undefined;
      });
      socket.on('data', (chunk: string) => {
        this.buffered += chunk;
        const end = this.buffered.indexOf('\n\n');
        if (end < 0) return;
        const answer = this.buffered.slice(0, end).replace(/^action=/, '');
        this.buffered = this.buffered.slice(end + 2);
        const resolveAnswer = this.pending;
        this.pending = undefined;
        resolveAnswer?.(answer);
      });
      this.socket = socket;
    });
  }
}
