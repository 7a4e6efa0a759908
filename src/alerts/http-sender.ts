// One HTTP attempt to a destination: no redirects followed, a timeout, a capped response read.
// Logs and stored errors name the destination, never its URL (Slack and Teams URLs are secrets).
import type { WebhookDestination } from '../config/webhooks';
import { retryAfterMs } from './backoff';
import { signatureHeaders } from './signing';

export interface HttpAttempt {
  ok: boolean;
  httpStatus: number | null;
  latencyMs: number;
  error: string | null;
  responseSnippet: string | null;
  /** How long the receiver asked us to wait (Retry-After on a refusal), in milliseconds. */
  retryAfterMs: number | null;
}

export interface SendOptions {
  destination: Pick<WebhookDestination, 'url' | 'secret' | 'timeoutMs'>;
  messageId: string;
  body: string;
  responseBodyLimitBytes: number;
  /** Seconds since the epoch, for webhook-timestamp: the wire time of this attempt. */
  timestampSeconds: number;
}

export async function sendWebhook({ destination, messageId, body, responseBodyLimitBytes, timestampSeconds }: SendOptions): Promise<HttpAttempt> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(destination.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'relay-warden',
        ...signatureHeaders(destination.secret, messageId, timestampSeconds, body),
      },
      body,
      // A redirect could send the signed alert to a host the config never named.
      redirect: 'manual',
      signal: AbortSignal.timeout(destination.timeoutMs),
    });
    const responseSnippet = await readCapped(response, responseBodyLimitBytes);
    const ok = response.status >= 200 && response.status < 300;
    const error = ok
      ? null
      : response.status >= 300 && response.status < 400
        ? `HTTP ${response.status}: redirect not followed`
        : `HTTP ${response.status}`;
    const responseDate = Date.parse(response.headers.get('date') ?? '');
    const retryAfter = ok ? null : retryAfterMs(response.headers.get('retry-after'), Number.isNaN(responseDate) ? Date.now() : responseDate);
    return { ok, httpStatus: response.status, latencyMs: latency(), error, responseSnippet, retryAfterMs: retryAfter };
  } catch (error) {
    return { ok: false, httpStatus: null, latencyMs: latency(), error: describeFetchError(error, destination.timeoutMs), responseSnippet: null, retryAfterMs: null };
  }
}

/** Reads at most `limit` bytes and drops the rest of the stream: a receiver cannot fill our memory. */
async function readCapped(response: Response, limit: number): Promise<string | null> {
  if (!response.body) return null;
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut short still leaves the status, which is what decides the attempt.
  } finally {
    await reader.cancel().catch(() => {});
  }
  if (size === 0) return null;
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  // undici puts the socket error (ECONNREFUSED 127.0.0.1:8080) in cause; its message has no path.
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(error);
}
