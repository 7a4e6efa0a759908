// Campaign fingerprints of a complained-of message: what its copies to other recipients, sent
// through other accounts, still share. Pure: the original message's subject and body in, values out.
import { urlFingerprints } from './url-domains';
import { bodySimhash, wordsIn } from './simhash';

export interface ContentFingerprints {
  /** Registered domains of the body's URLs (shortened links as host/path). */
  urlDomains: string[];
  /** The subject without reply prefixes, numbers and ids; null when too short to be distinctive. */
  subject: string | null;
  /** SimHash of the normalised body text; null without a body (headers-only reports) or too short. */
  bodySimhash: string | null;
  /** The relay's own content fingerprint, from the original's X-Warden-Fingerprint header. */
  relayFingerprint: string | null;
}

/** The header the relay writes its content fingerprint in (and reports with the send event). */
export const relayFingerprintHeader = 'x-warden-fingerprint';
/** What a relay fingerprint may look like: short, and safe in a header, a URL and a log line. */
export const relayFingerprintShape = /^[A-Za-z0-9._:+/=-]{1,128}$/;

const replyPrefix = /^\s*(?:(?:re|fwd?|aw|wg|tr|sv|vs|rif|antw)\s*(?:\[\d+\])?\s*:\s*)+/iu;

/**
 * "Re: Your order #4411 from Alice" and "Your order #9920 from Alice" are one subject. At least
 * three words and 15 letters: "hello" or "invoice" are shared by unrelated mail.
 */
export function normaliseSubject(subject: string | undefined | null): string | null {
  if (!subject) return null;
  const words = wordsIn(
    subject
      .normalize('NFKC')
      .toLowerCase()
      .replace(replyPrefix, '')
      .replace(/[^\s<>"'@]+@[^\s<>"'@]+/gu, ' '),
    1,
  );
  const text = words.join(' ');
  return words.length >= 3 && text.replace(/ /g, '').length >= 15 ? text.slice(0, 200) : null;
}

export function contentFingerprints(original: { subject?: string | null; text?: string; html?: string; relayFingerprint?: string }): ContentFingerprints {
  const text = original.text ?? '';
  const relayFingerprint = original.relayFingerprint?.trim() ?? '';
  return {
    relayFingerprint: relayFingerprintShape.test(relayFingerprint) ? relayFingerprint : null,
    urlDomains: urlFingerprints(`${text}\n${original.html ?? ''}`),
    subject: normaliseSubject(original.subject),
    bodySimhash: text.trim() ? bodySimhash(text) : null,
  };
}
