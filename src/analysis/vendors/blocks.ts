// Shared reading of "address, then its error text" blocks, the shape most MTAs' wording takes.
import type { RecipientRecord } from '../dsn';
import { cleanAddress, replyCodeIn, smtpCommandIn, statusIn } from '../dsn';

export const ADDRESS_GLOBAL = /<?([A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z0-9-]{2,}|[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@\[[0-9.]+\])>?/g;

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
  const text = diagnostic.replace(/\s+/g, ' ').trim();
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
    ADDRESS_GLOBAL.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = ADDRESS_GLOBAL.exec(line)) !== null) {
      const address = cleanAddress(match[1] ?? '');
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
