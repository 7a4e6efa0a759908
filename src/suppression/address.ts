// Addresses as the suppression list knows them: normalised (trimmed, lower-cased, the domain in
// ASCII) and keyed with HMAC-SHA256, so the list holds no address and answers only a holder of the key.
import { createHmac } from 'node:crypto';
import { domainToASCII, domainToUnicode } from 'node:url';

/** Letters, digits and hyphens in dot-separated labels, none starting or ending with a hyphen or `xn--`. */
const plainDomain = /^(?:(?!xn--)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Longest address: a 64-octet local part, "@" and a 255-octet domain (RFC 5321 §4.5.3.1), rounded as RFC 3696 errata do. */
export const maxAddressLength = 320;

/**
 * The form of an address its hash is taken of, or null when the text is not one. The local part is
 * lower-cased too: RFC 5321 lets a server tell `Lee` from `lee`, but no large provider does, and a
 * complaint about `Lee@` must stop mail to `lee@`. The domain goes to ASCII by the WHATWG URL
 * rules (UTS #46), so `bücher.example` and `xn--bcher-kva.example` are one recipient.
 */
export function normaliseAddress(text: string): string | null {
  let address = text.trim();
  if (address.startsWith('<') && address.endsWith('>')) address = address.slice(1, -1).trim();
  if (address.length === 0 || address.length > maxAddressLength) return null;
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1) return null;
  const local = address.slice(0, at).normalize('NFC').toLowerCase();
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(local)) return null;
  const domain = address.slice(at + 1).replace(/\.$/, '').toLowerCase();
  // Most domains are plain ASCII labels already, which domainToASCII would return as they are.
  const ascii = plainDomain.test(domain) ? domain : domainToASCII(domain);
  if (!ascii || !ascii.includes('.')) return null;
  return `${local}@${ascii}`;
}

/** The ways an address may be written in stored text: as given, normalised, and with its domain in Unicode. */
export function writtenForms(address: string): string[] {
  const forms = new Set<string>();
  const given = address.trim().replace(/^<|>$/g, '').toLowerCase();
  if (given) forms.add(given);
  const normalised = normaliseAddress(address);
  if (normalised) {
    forms.add(normalised);
    const at = normalised.lastIndexOf('@');
    forms.add(`${normalised.slice(0, at)}@${domainToUnicode(normalised.slice(at + 1))}`);
  }
  return [...forms];
}

/** Hashes addresses under the configured key. */
export class AddressKeyer {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(secret, 'utf8');
  }

  /** Hex HMAC-SHA256 of the normalised address; null when the text is not an address. */
  hash(address: string): string | null {
    const normalised = normaliseAddress(address);
    return normalised === null ? null : this.hashNormalised(normalised);
  }

  hashNormalised(normalised: string): string {
    return createHmac('sha256', this.key).update(normalised, 'utf8').digest('hex');
  }

  /** A key of its own for another use (one-click tokens), so a value made for one is never valid for the other. */
  derive(purpose: string): Buffer {
    return createHmac('sha256', this.key).update(`relay-warden ${purpose}`, 'utf8').digest();
  }
}

/** A recipient hash: 64 lower-case hex digits. */
export const recipientHashShape = /^[0-9a-f]{64}$/;
