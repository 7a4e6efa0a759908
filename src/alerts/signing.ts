// Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
// "<webhook-id>.<webhook-timestamp>.<body>", sent as `webhook-signature: v1,<base64>`.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** `whsec_<base64>` is decoded as Standard Webhooks defines it; any other secret is used as UTF-8 bytes. */
export function secretKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

export function sign(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', secretKey(secret)).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${digest}`;
}

export function signatureHeaders(secret: string | undefined, messageId: string, timestampSeconds: number, body: string): Record<string, string> {
  const headers: Record<string, string> = {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'idempotency-key': messageId,
  };
  if (secret) headers['webhook-signature'] = sign(secret, messageId, timestampSeconds, body);
  return headers;
}

/**
 * What a receiver does (and our tests do): recompute, compare in constant time, and refuse a
 * timestamp more than `toleranceSeconds` away from now (replay protection).
 */
export function verifySignature(
  secret: string,
  headers: { id: string; timestamp: string; signature: string },
  body: string,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const timestamp = Number(headers.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(sign(secret, headers.id, timestamp, body).slice(3), 'base64');
  // The header may carry several space-separated signatures (during secret rotation).
  return headers.signature.split(' ').some((candidate) => {
    const [version, value] = candidate.split(',');
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
