// Shared reading of "address, then its error text" blocks, the shape most MTAs' wording takes.
import type { RecipientRecord } from '../dsn';
import { cleanAddress } from '../addresses';
import { replyCodeIn, smtpCommandIn, statusIn } from '../dsn';

export const ADDRESS_GLOBAL = /<?([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]{2,}|[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@\[[0-9.]+\])>?/g;

const ADDRESS_AT = new RegExp(ADDRESS_GLOBAL.source, 'y');
const LOCAL_PART_CHARS = new Set(Array.from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+/=?^_`{|}~.-", (char) => char.charCodeAt(0)));

/**
 * The addresses (ADDRESS_GLOBAL's group) its exec loop finds in a line. Run as is, that pattern is
 * tried at every character and re-reads a long token without an "@" (a URL, an id) once per
 * character. A match can only start where the run of local-part characters before an "@" starts
 * (or at a "<" just before it), and from any later character of that run it would match the same
 * "@" the same way: so it is tried there alone, once per "@".
 */
export function addressesInLine(line: string): string[] {
  const found: string[] = [];
  let from = 0;
  let at = line.indexOf('@');
  while (at !== -1) {
    let start = at;
    while (start > from && LOCAL_PART_CHARS.has(line.charCodeAt(start - 1))) start -= 1;
    if (start < at) {
      ADDRESS_AT.lastIndex = start > from && line.charCodeAt(start - 1) === 60 ? start - 1 : start;
      const match = ADDRESS_AT.exec(line);
      if (match) {
        found.push(match[1] ?? '');
        from = ADDRESS_AT.lastIndex;
        at = line.indexOf('@', from);
        continue;
      }
    }
    at = line.indexOf('@', at + 1);
  }
  return found;
}

const REPLY_CODE = /(?:^|\s)[245]\d\d[\s-]|[245]\.\d{1,3}\.\d{1,3}/;
const ADDRESS_LINE = /^\s*<?[^\s@<>]+@[^\s@<>]+>?:?\s*$/;

// Mailboxes a notice names for help or as its own sender, never as the failed recipient.
const SYSTEM_LOCAL_PARTS = /^(?:mailer-daemon|postmaster|double-bounce|root|nobody|noreply|no-reply|bounce|bounces|abuse|support|helpdesk|hostmaster)$/i;

export function isSystemAddress(address: string): boolean {
  const local = address.slice(0, address.lastIndexOf('@'));
  return SYSTEM_LOCAL_PARTS.test(local);
}

/** A record for a recipient with the diagnostic text found for it. */
export function recordFor(recipient: string, diagnostic: string, format: string, status?: string): RecipientRecord {
  // Each white-space run becomes one space; a run that already is one space is left alone, so
  // the replace only rebuilds the text where it changes it.
  const text = diagnostic.replace(/\s\s+|[^\S ]/g, ' ').trim();
  return {
    recipient: cleanAddress(recipient),
    format,
    diagnosticCode: text || undefined,
    status: status ?? statusIn(text),
    replyCode: replyCodeIn(text),
    smtpCommand: smtpCommandIn(text),
  };
}

/** A line that opens another recipient's block ("<b@x>: ...", "554 <b@x>... ", "  b@x"). */
function startsWithOtherAddress(line: string, address: string, exclude: ReadonlySet<string>): boolean {
  const match = /^\s*(?:[245]\d\d[ -])?<?([^\s<>@]+@[^\s<>:,;]+)/.exec(line);
  if (!match) return false;
  const other = cleanAddress(match[1] ?? '');
  return other !== address && !exclude.has(other) && !isSystemAddress(other);
}

/**
 * Reads every address in `text` that is not one of `exclude`, with the lines that follow it up to
 * an empty line as its diagnostic. Order of first appearance is kept; each address once.
 */
export function readAddressBlocks(text: string, exclude: ReadonlySet<string>, format: string): RecipientRecord[] {
  const lines = text.split('\n');
  const seen = new Map<string, RecipientRecord>();
  // A Message-ID quoted anywhere in the notice is not a mailbox wherever else it appears.
  const messageIds = new Set<string>();
  for (const match of text.matchAll(/message-id:\s*<?([^\s<>]+@[^\s<>]+)>?/gi)) messageIds.add(cleanAddress(match[1] ?? ''));
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (!line.includes('@')) continue;
    if (/^\s*(?:from|to|reply-to|return-path|sender|received|message-id|in-reply-to|references|reporting-mta|x-[\w-]+):/i.test(line)) continue;
    for (const found of addressesInLine(line)) {
      const address = cleanAddress(found);
      if (!address || exclude.has(address) || messageIds.has(address) || isSystemAddress(address) || seen.has(address)) continue;
      // A path ("/home/u/.forward@...") or a Message-ID quoted in the text is not a mailbox.
      if (address.startsWith('/') || /message-id|in-reply-to|references/i.test(line)) continue;
      const block: string[] = [line];
      // Sendmail's per-recipient line ("550 <a@b>... User unknown") is complete in itself.
      if (/^\s*[45]\d\d[ -]<?[^\s<>]+@[^\s<>]+>?\.\.\. \S/.test(line)) {
        seen.set(address, recordFor(address, line, format));
        continue;
      }
      let blankSeen = false;
      for (let j = i + 1; j < lines.length && j < i + 10; j += 1) {
        const next = lines[j]!;
        if (next.trim() === '') {
          // The error often sits one paragraph below the address ("... to <a@b>.\n\nhost said: 550 ...").
          if (blankSeen || REPLY_CODE.test(block.join(' '))) break;
          blankSeen = true;
          continue;
        }
        if (blankSeen && next.includes('@') && ADDRESS_LINE.test(next) && !REPLY_CODE.test(next)) break;
        if (startsWithOtherAddress(next, address, exclude)) break;
        block.push(next);
      }
      seen.set(address, recordFor(address, block.join(' '), format));
    }
  }
  return [...seen.values()];
}
