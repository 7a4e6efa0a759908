// Cross-site request forgery checks for requests that carry the dashboard's session cookie: a
// state-changing request must come from our own origin and carry the session's CSRF token.
import type { Context } from 'hono';

export const csrfHeader = 'x-csrf-token';
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

export const changesState = (method: string) => !safeMethods.has(method.toUpperCase());

/** The host (host:port) the client addressed: behind a reverse proxy, the one it forwarded. */
export function requestHost(c: Context): string {
  return c.req.header('x-forwarded-host')?.split(',')[0]?.trim() || c.req.header('host') || new URL(c.req.url).host;
}

export function servedOverHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === 'https:' || c.req.header('x-forwarded-proto')?.split(',')[0]?.trim() === 'https';
}

/**
 * Why a state-changing request is not from our own pages, or null when it is. Browsers send
 * Origin on every cross-origin and every non-GET fetch; Referer is the fallback for old ones. A
 * request with neither is refused: a session cookie only ever comes from a browser.
 */
export function foreignOriginReason(c: Context): string | null {
  const claimed = c.req.header('origin') ?? c.req.header('referer');
  if (!claimed || claimed === 'null') return 'the request has no Origin or Referer header';
  let host: string;
  try {
    host = new URL(claimed).host;
  } catch {
    return `Origin ${claimed} is not a URL`;
  }
  return host === requestHost(c) ? null : `Origin ${claimed} is not this server (${requestHost(c)})`;
}
