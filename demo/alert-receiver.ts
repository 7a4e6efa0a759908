// A stand-in for on-call's webhook endpoint: verifies each alert's Standard Webhooks signature
// with the code README gives receivers (deliberately not Relay Warden's own, so the demo proves the
// documented recipe works), answers 401 to a bad one, and hands each alert to the console.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedAlert {
  webhookId: string;
  signatureValid: boolean;
  kind: string;
  severity: string;
  title: string;
  state: string;
  receivedAt: Date;
}

export function verifyWardenWebhook(secret: string, headers: Headers, rawBody: string, now = Date.now()): boolean {
  const id = headers.get('webhook-id') ?? '';
  const timestamp = headers.get('webhook-timestamp') ?? '';
  const signatures = (headers.get('webhook-signature') ?? '').split(' ');
  if (!/^\d+$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > 300) return false;
  const key = secret.startsWith('whsec_') ? Buffer.from(secret.slice(6), 'base64') : Buffer.from(secret);
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${rawBody}`).digest();
  return signatures.some((signature) => {
    const [version, value] = signature.split(',');
    const given = Buffer.from(value ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export interface AlertReceiver {
  url: string;
  received: ReceivedAlert[];
  close(): Promise<void>;
}

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

export async function startAlertReceiver(secret: string, onAlert: (alert: ReceivedAlert) => void): Promise<AlertReceiver> {
  const received: ReceivedAlert[] = [];
  const server: Server = createServer(async (request, response) => {
    const rawBody = await readBody(request);
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string') headers.set(name, value);
    const signatureValid = verifyWardenWebhook(secret, headers, rawBody);
    let body: { kind?: string; alert?: { severity?: string; title?: string; state?: string } } = {};
    try {
      body = JSON.parse(rawBody);
    } catch {
      // Recorded with empty fields: a body that is not JSON is worth seeing too.
    }
    const alert: ReceivedAlert = {
      webhookId: headers.get('webhook-id') ?? '',
      signatureValid,
      kind: body.kind ?? '?',
      severity: body.alert?.severity ?? '?',
      title: body.alert?.title ?? rawBody.slice(0, 120),
      state: body.alert?.state ?? '?',
      receivedAt: new Date(),
    };
    received.push(alert);
    onAlert(alert);
    // A receiver refuses what it cannot verify; Relay Warden then retries and records the 401.
    response.writeHead(signatureValid ? 200 : 401, { 'content-type': 'text/plain' }).end(signatureValid ? 'ok' : 'bad signature');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/warden`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
