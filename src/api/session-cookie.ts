// Stateless dashboard sessions: a cookie holding its claims and an HMAC over them, and the CSRF
// token bound to it. Pure: the key, the clock and the credentials are passed in.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface SessionClaims {
  /** Who logged in: `dashboard` (the password) or the name of the ops token used. */
  sub: string;
  via: 'password' | 'token';
  /** Random per login, so two sessions of one user have different CSRF tokens. */
  sid: string;
  /** Expiry, milliseconds since the epoch. */
  exp: number;
}

const version = 'v1';
const mac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest('base64url');

export function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * The key one session is signed with, derived from the server secret and the credential it was
 * opened with: changing the dashboard password or removing a token ends its sessions at once.
 */
export function sessionKey(secret: Buffer, credential: string): Buffer {
  return createHmac('sha256', secret).update(`warden-session\u0000${credential}`).digest();
}

export function newSessionClaims(sub: string, via: SessionClaims['via'], now: Date, hours: number): SessionClaims {
  return { sub, via, sid: randomBytes(16).toString('base64url'), exp: now.getTime() + Math.round(hours * 3_600_000) };
}

export function encodeSession(claims: SessionClaims, key: Buffer): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${version}.${payload}.${mac(key, `${version}.${payload}`)}`;
}

/**
 * The claims of a cookie value, or null when it is malformed, forged, signed for a credential that
 * no longer exists (`keyOf` answers undefined) or expired.
 */
export function decodeSession(value: string, keyOf: (claims: SessionClaims) => Buffer | undefined, now: Date): SessionClaims | null {
  const [prefix, payload, signature, extra] = value.split('.');
  if (prefix !== version || !payload || !signature || extra !== undefined) return null;
  let claims: SessionClaims;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof claims?.sub !== 'string' || (claims.via !== 'password' && claims.via !== 'token') || typeof claims.sid !== 'string' || typeof claims.exp !== 'number') {
    return null;
  }
  // The claims are read before the signature is checked only to pick the key; nothing else is trusted yet.
  const key = keyOf(claims);
  if (!key || !sameText(signature, mac(key, `${version}.${payload}`))) return null;
  if (claims.exp <= now.getTime()) return null;
  return claims;
}

/** The CSRF token of a session: derived from it, so it needs no storage and dies with it. */
export function csrfTokenOf(claims: SessionClaims, key: Buffer): string {
  return mac(key, `csrf\u0000${claims.sid}`);
}
