// A real webhook receiver on 127.0.0.1 for alert delivery tests: records every request with its
// Standard Webhooks headers and whether the signature verifies, and answers as the test says.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../../src/alerts/signing';

export interface ReceivedWebhook {
  webhookId: string;
  idempotencyKey: string | undefined;
  timestamp: string;
  signatureValid: boolean;
  body: any;
  rawBody: string;
  /** What the receiver answered: a status, or 'held' for a request it never answered. */
  answered: number | 'held';
}

/** Answer with a status (and headers), or hold the request open (never answer) until the receiver closes. */
export type ReceiverBehaviour = (request: { index: number; webhookId: string }) => number | { status: number; headers: Record<string, string> } | 'hold';

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Requests answered 2xx, in arrival order. */
  accepted(): ReceivedWebhook[];
  behave(behaviour: ReceiverBehaviour): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string, behaviour: ReceiverBehaviour = () => 200): Promise<WebhookReceiver> {
  let current = behaviour;
  const received: ReceivedWebhook[] = [];
  const held = new Set<ServerResponse>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const header = (name: string) => String(request.headers[name] ?? '');
      const webhookId = header('webhook-id');
      const behaviour = current({ index: received.length, webhookId });
      const answer = typeof behaviour === 'object' ? behaviour.status : behaviour;
      const extraHeaders = typeof behaviour === 'object' ? behaviour.headers : {};
      const entry: ReceivedWebhook = {
        webhookId,
        idempotencyKey: request.headers['idempotency-key'] as string | undefined,
        timestamp: header('webhook-timestamp'),
        signatureValid: verifySignature(secret, { id: webhookId, timestamp: header('webhook-timestamp'), signature: header('webhook-signature') }, rawBody, Math.floor(Date.now() / 1000)),
        body: safeJson(rawBody),
        rawBody,
        answered: answer === 'hold' ? 'held' : answer,
      };
      received.push(entry);
      if (answer === 'hold') {
        held.add(response);
        return;
      }
      response.writeHead(answer, { 'content-type': 'text/plain', ...extraHeaders });
      response.end(answer < 300 ? 'ok' : `receiver says ${answer} ${'x'.repeat(10_000)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    accepted: () => received.filter((r) => typeof r.answered === 'number' && r.answered < 300),
    behave: (next) => (current = next),
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of held) response.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
