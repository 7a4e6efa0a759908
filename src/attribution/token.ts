// Opaque sender tokens: the sender id encrypted (AES-256-CTR) and signed (HMAC-SHA256), base64url,
// so a recipient learns nothing from it and a forged or altered token is rejected.
//
// Shape: `wt1.<base64url(nonce[12] || ciphertext)>.<base64url(hmac[16])>`. A short sender id gives a
// token of about 55 characters, inside the 64-character limit of a VERP local part (RFC 5321 §4.5.3.1.1).
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

const PREFIX = 'wt1.';
const NONCE_BYTES = 12;
const MAC_BYTES = 16;

export type TokenRejection = 'malformed' | 'unsupported-version' | 'bad-signature' | 'no-secret';

export type TokenVerification = { ok: true; sender: string } | { ok: false; reason: TokenRejection };

interface Keys {
  encryption: Buffer;
  mac: Buffer;
}

const keyCache = new Map<string, Keys>();

function keysFor(secret: string): Keys {
  let keys = keyCache.get(secret);
  if (!keys) {
    const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'relay-warden-token', info, 32));
    keys = { encryption: derive('encryption'), mac: derive('mac') };
    if (keyCache.size > 16) keyCache.clear();
    keyCache.set(secret, keys);
  }
  return keys;
}

function counterIv(nonce: Buffer): Buffer {
  return Buffer.concat([nonce, Buffer.alloc(4)]);
}

function mac(keys: Keys, body: string): Buffer {
  return createHmac('sha256', keys.mac).update(PREFIX + body).digest().subarray(0, MAC_BYTES);
}

export function looksLikeToken(value: string): boolean {
  return value.trim().startsWith(PREFIX);
}

/**
 * Signs a sender id into an opaque token. `nonce` (12 bytes) should be random per message so that
 * two messages of one sender do not share a token; without it the nonce is derived from the sender
 * (deterministic: the same sender always gets the same token).
 */
export function signToken(sender: string, secret: string, nonce?: Buffer): string {
  if (sender === '') throw new RangeError('sender must not be empty');
  const keys = keysFor(secret);
  const iv = nonce ?? createHmac('sha256', keys.mac).update('nonce:' + sender).digest().subarray(0, NONCE_BYTES);
  if (iv.length !== NONCE_BYTES) throw new RangeError(`nonce must be ${NONCE_BYTES} bytes`);
  const cipher = createCipheriv('aes-256-ctr', keys.encryption, counterIv(iv));
  const ciphertext = Buffer.concat([cipher.update(sender, 'utf8'), cipher.final()]);
  const body = Buffer.concat([iv, ciphertext]).toString('base64url');
  return `${PREFIX}${body}.${mac(keys, body).toString('base64url')}`;
}

/** Verifies a token in constant time and returns the sender it carries, or why it was rejected. */
export function verifyToken(token: string, secret: string | undefined): TokenVerification {
  if (!secret) return { ok: false, reason: 'no-secret' };
  const value = token.trim();
  if (!value.startsWith('wt')) return { ok: false, reason: 'malformed' };
  if (!value.startsWith(PREFIX)) return { ok: false, reason: 'unsupported-version' };
  const parts = value.slice(PREFIX.length).split('.');
  if (parts.length !== 2) return { ok: false, reason: 'malformed' };
  const [body, signature] = parts as [string, string];
  if (!/^[A-Za-z0-9_-]+$/.test(body) || !/^[A-Za-z0-9_-]+$/.test(signature)) return { ok: false, reason: 'malformed' };
  const keys = keysFor(secret);
  const given = Buffer.from(signature, 'base64url');
  // base64url's last character carries spare bits a decoder ignores: only the canonical spelling
  // is the token we issued, so any other spelling counts as altered.
  if (given.toString('base64url') !== signature) return { ok: false, reason: 'bad-signature' };
  const expected = mac(keys, body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  const raw = Buffer.from(body, 'base64url');
  if (raw.length <= NONCE_BYTES) return { ok: false, reason: 'malformed' };
  const decipher = createDecipheriv('aes-256-ctr', keys.encryption, counterIv(raw.subarray(0, NONCE_BYTES)));
  const sender = Buffer.concat([decipher.update(raw.subarray(NONCE_BYTES)), decipher.final()]).toString('utf8');
  return { ok: true, sender };
}
