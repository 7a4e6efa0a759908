// One-click unsubscribe (RFC 8058): a token naming a recipient (by its hash) and a scope, signed
// with HMAC-SHA256 so that a receiver POSTing it back can suppress exactly that and nothing else.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { suppressionScopes, type SuppressionScope } from '../config/suppression';
import type { EntryScope } from './entries';
import { recipientHashShape } from './address';

export interface OneClickClaims extends EntryScope {
  recipientHash: string;
}

/** What the token key is derived from suppression.key for (AddressKeyer.derive). */
export const oneClickKeyPurpose = 'one-click unsubscribe v1';

/** The first byte of a token's payload: a later format gets another. */
const formatVersion = 1;
const macBytes = 32;

/**
 * `<payload>.<mac>`, both base64url: the payload is the format version, the 32 bytes of the
 * recipient hash, the scope's index and the scope id in UTF-8 (about 120 characters for a sender id).
 */
export function mintToken(key: Buffer, claims: OneClickClaims): string {
  const scopeIndex = suppressionScopes.indexOf(claims.scope);
  if (!recipientHashShape.test(claims.recipientHash) || scopeIndex < 0) throw new Error('not a recipient hash and scope');
  const payload = Buffer.concat([Buffer.from([formatVersion]), Buffer.from(claims.recipientHash, 'hex'), Buffer.from([scopeIndex]), Buffer.from(claims.scopeId, 'utf8')]).toString('base64url');
  return `${payload}.${macOf(key, payload).toString('base64url')}`;
}

/** The claims of a token this key signed; null for anything else (forged, altered, cut short). */
export function readToken(key: Buffer, token: string): OneClickClaims | null {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 2048 || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return null;
  const payload = token.slice(0, dot);
  const mac = Buffer.from(token.slice(dot + 1), 'base64url');
  if (mac.length !== macBytes || !timingSafeEqual(mac, macOf(key, payload))) return null;
  const bytes = Buffer.from(payload, 'base64url');
  if (bytes.length < 34 || bytes[0] !== formatVersion) return null;
  const scope: SuppressionScope | undefined = suppressionScopes[bytes[33]!];
  if (!scope) return null;
  const scopeId = bytes.subarray(34).toString('utf8');
  if ((scope === 'relay') !== (scopeId === '')) return null;
  return { recipientHash: bytes.subarray(1, 33).toString('hex'), scope, scopeId };
}

const macOf = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload, 'ascii').digest();

/** The two header fields a message carries for one-click unsubscribe (RFC 8058 §3.1, RFC 2369 §3.2). */
export interface UnsubscribeHeaders {
  listUnsubscribe: string;
  listUnsubscribePost: 'List-Unsubscribe=One-Click';
}

export const oneClickPath = '/unsubscribe';

export function unsubscribeHeaders(baseUrl: string, token: string): UnsubscribeHeaders {
  return { listUnsubscribe: `<${baseUrl}${oneClickPath}/${token}>`, listUnsubscribePost: 'List-Unsubscribe=One-Click' };
}

/** Mints the header values for one recipient of a sender, or null when there is nothing to name (no address, no sender for a sender scope). */
export type UnsubscribeLinkMaker = (recipient: string, sender: string | undefined, senderDomain: string | undefined) => UnsubscribeHeaders | null;

/** The scope id a link for `scope` names: the sender id, the sender domain, '' for the relay; undefined when the one it needs is not known. */
export function linkScopeId(scope: SuppressionScope, sender: string | undefined, senderDomain: string | undefined): string | undefined {
  return scope === 'sender' ? sender : scope === 'domain' ? senderDomain : '';
}

export function unsubscribeLinkMaker(baseUrl: string, scope: SuppressionScope, key: Buffer, hashOf: (address: string) => string | null): UnsubscribeLinkMaker {
  return (recipient, sender, senderDomain) => {
    const recipientHash = hashOf(recipient);
    const scopeId = linkScopeId(scope, sender, senderDomain);
    if (!recipientHash || scopeId === undefined) return null;
    return unsubscribeHeaders(baseUrl, mintToken(key, { recipientHash, scope, scopeId }));
  };
}
