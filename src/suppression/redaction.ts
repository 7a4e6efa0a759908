// Replacing an address in text and raw bytes that name it (a stored fact's fields, a kept report),
// so a suppressed or forgotten address leaves no plain trace at rest.

const suppressedPrefix = 'suppressed:';
/** What a suppressed address becomes in stored text: its hash, so ops can still find the facts by typing it. */
export const suppressedMarker = (recipientHash: string) => `${suppressedPrefix}${recipientHash}`;
/** Whether stored text is already a suppressed address's marker (not an address to redact). */
export const isSuppressedMarker = (text: string) => text.startsWith(suppressedPrefix);
/** What a forgotten address (and its marker) becomes: nothing that leads back to it. */
export const forgottenMarker = '[forgotten]';

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');

/**
 * A pattern matching any of the forms as a whole address: not the tail of a longer local part
 * (`bar@x` is not `r@x`) nor the head of a longer domain (`r@x.net` is not in `r@x.network`).
 */
function patternOf(forms: string[]): RegExp | null {
  const alternatives = forms.filter((form) => form.length > 0).sort((a, b) => b.length - a.length).map(escape);
  if (alternatives.length === 0) return null;
  return new RegExp(`(?<![A-Za-z0-9.!#$%&'*+/=?^_\`{|}~-])(?:${alternatives.join('|')})(?![A-Za-z0-9-]|\\.[A-Za-z0-9])`, 'gi');
}

/** The text with every form replaced (case-insensitively), or the same string when none is in it. */
export function redactText(text: string, forms: string[], replacement: string): string {
  const pattern = patternOf(forms);
  return pattern ? text.replace(pattern, replacement) : text;
}

/**
 * The bytes with every form replaced. Worked on as latin1 (one character a byte), with each form
 * as its UTF-8 bytes: a message's other bytes, whatever their charset, are left exactly as they were.
 */
export function redactBytes(bytes: Buffer, forms: string[], replacement: string): Buffer {
  const pattern = patternOf(forms.map((form) => Buffer.from(form, 'utf8').toString('latin1')));
  if (!pattern) return bytes;
  const text = bytes.toString('latin1');
  const redacted = text.replace(pattern, replacement);
  return redacted === text ? bytes : Buffer.from(redacted, 'latin1');
}
