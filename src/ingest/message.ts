// One fetched message → what to store: the facts (attributed) or a quarantine reason, the content
// hash that recognises it anywhere, and the compressed raw bytes. Pure apart from hashing and gzip.
import { createHash } from 'node:crypto';
import { gzipSync, constants as zlib } from 'node:zlib';
import { domainOf } from '../analysis/addresses';
import { analyzeMessage } from '../analysis/analyze';
import { contentFingerprints, relayFingerprintHeader, type ContentFingerprints } from '../analysis/fingerprints';
import type { Fact } from '../analysis/fact';
import { headerValue, parseContentType, type Header } from '../analysis/mime';
import { attributeDetailed } from '../attribution/attribute';
import type { AttributionConfig } from '../config/attribution';
import type { FactInput } from '../enforcement/fact-records';

export type FolderHolds = 'complaints' | 'bounces' | 'auto';

export type QuarantineCode =
  | 'E_ANALYSIS_EMPTY'
  | 'E_ANALYSIS_NOT_MAIL'
  | 'E_ANALYSIS_INTERNAL'
  /** The analysis of this one message ran past the pool's time budget and was stopped. */
  | 'E_ANALYSIS_BUDGET'
  | 'E_INGEST_NOT_TEXT'
  | 'E_INGEST_OVERSIZED'
  | 'E_INGEST_TRUNCATED'
  | 'E_INGEST_NO_FACTS';

export interface RawMessage {
  /** Where it was found: identifies the message at that place (account, folder, UIDVALIDITY, UID). */
  source: string;
  folder: string;
  uidValidity: bigint | null;
  uid: number | null;
  /** Unique per place; built by `messageKeyOf`. */
  messageKey: string;
  /** The bytes read; only the first maxMessageBytes when `size` is larger. */
  raw: Buffer;
  /** The message's full size as the server reported it. */
  size: number;
  receivedAt?: Date;
}

export interface PreparedMessage {
  message: RawMessage;
  contentHash: string;
  rawGzip: Buffer;
  headersOnly: boolean;
  /** Facts ready for storage; empty when quarantined. */
  facts: FactInput[];
  quarantine: { code: QuarantineCode; reason: string } | null;
}

export function messageKeyOf(source: string, folder: string, uidValidity: bigint | null, uid: number | string): string {
  return `${source}\u001f${folder}\u001f${uidValidity ?? ''}\u001f${uid}`;
}

/** The header block of a message (for oversized ones, all we keep), at most 64 KiB. */
export function headerBlockOf(raw: Buffer): Buffer {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const ends = [crlf === -1 ? -1 : crlf + 4, lf === -1 ? -1 : lf + 2].filter((at) => at > 0);
  const end = ends.length > 0 ? Math.min(...ends) : raw.length;
  return raw.subarray(0, Math.min(end, 64 * 1024));
}

/** NUL bytes or mostly control characters in the first 4 KiB: not a mail message. */
function looksBinary(raw: Buffer): boolean {
  const sample = raw.subarray(0, 4096);
  let control = 0;
  for (let at = 0; at < sample.length; at++) {
    const byte = sample[at]!;
    if (byte === 0) return true;
    // ESC is left out: ISO-2022-JP mail switches character sets with it.
    if (byte < 9 || (byte > 13 && byte < 32 && byte !== 27) || byte === 127) control++;
  }
  // Random bytes carry about 10% such control bytes, text mail next to none.
  return control > sample.length / 33;
}

/** A multipart message whose closing boundary never comes was cut short (RFC 2046 §5.1.1). */
function isTruncatedMultipart(raw: Buffer, headers: Header[]): boolean {
  const contentType = parseContentType(headerValue(headers, 'content-type'));
  const boundary = contentType.params.boundary;
  if (!contentType.type.startsWith('multipart/') || !boundary) return false;
  return !raw.includes(`--${boundary}--`, 0, 'latin1');
}

function dateOf(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/**
 * The identity of a message's content, wherever it is found. Line ends are normalised and trailing
 * blank lines dropped first: the same message reads with CRLF over IMAP, LF from a Maildir or an
 * mbox, and an mbox writer may add a blank line after it.
 */
export function contentHashOf(message: Pick<RawMessage, 'raw' | 'size'>): string {
  const { raw } = message;
  // Works on the bytes (as latin1 text, one byte a character): trailing white space is what JS's
  // \s matches in latin1, and CRLF or a lone CR becomes LF. A string round trip and two regular
  // expressions cost several times the hash itself.
  let end = raw.length;
  while (end > 0 && isTrailingSpace(raw[end - 1]!)) end--;
  const hash = createHash('sha256');
  const firstCr = raw.indexOf(13);
  if (firstCr === -1 || firstCr >= end) {
    hash.update(raw.subarray(0, end));
  } else {
    const normalised = Buffer.allocUnsafe(end);
    let length = 0;
    let start = 0;
    // Line by line with native searches and copies. The byte before `end` is not white space, so
    // a CR found here is never the last byte kept.
    for (let cr = firstCr; cr !== -1 && cr < end; cr = raw.indexOf(13, start)) {
      length += raw.copy(normalised, length, start, cr);
      normalised[length++] = 10;
      start = raw[cr + 1] === 10 ? cr + 2 : cr + 1;
    }
    length += raw.copy(normalised, length, start, end);
    hash.update(normalised.subarray(0, length));
  }
  // Two oversized messages sharing their first maxMessageBytes still differ in size, usually.
  if (raw.length < message.size) hash.update(`\u0000${message.size}`);
  return hash.digest('hex');
}

/** Tab, LF, VT, FF, CR, space and no-break space: the latin1 characters JS's \s matches. */
const isTrailingSpace = (byte: number) => (byte >= 9 && byte <= 13) || byte === 32 || byte === 160;

export interface PrepareOptions {
  maxMessageBytes: number;
  holds: FolderHolds;
  attribution: AttributionConfig;
  now: Date;
}

/** A prepared message before compression: `keptRaw` is what `rawGzip` will hold compressed. */
export type UncompressedMessage = Omit<PreparedMessage, 'rawGzip'> & { keptRaw: Buffer };

/** Analyzes one message and decides: facts to store, or a quarantine reason. Never throws. */
export function prepareMessage(message: RawMessage, options: PrepareOptions): PreparedMessage {
  const { keptRaw, ...prepared } = prepareUncompressed(message, options);
  return { ...prepared, rawGzip: gzipSync(keptRaw, gzipOptions) };
}

/** Compression is cheap but not free (about a quarter of the preparation at level 1). */
export const gzipOptions = { level: zlib.Z_BEST_SPEED };

/** `prepareMessage` without the compression, for callers that compress elsewhere (in the thread pool). */
export function prepareUncompressed(message: RawMessage, options: PrepareOptions): UncompressedMessage {
  const contentHash = contentHashOf(message);
  const oversized = message.size > options.maxMessageBytes || message.raw.length > options.maxMessageBytes;
  const kept = oversized ? headerBlockOf(message.raw) : message.raw;
  const base = { message, contentHash, keptRaw: kept, headersOnly: oversized, facts: [] };
  if (oversized) {
    return { ...base, quarantine: { code: 'E_INGEST_OVERSIZED', reason: `message of ${message.size} bytes is over maxMessageBytes (${options.maxMessageBytes}); headers kept` } };
  }
  if (looksBinary(message.raw)) return { ...base, quarantine: { code: 'E_INGEST_NOT_TEXT', reason: 'binary content (NUL or control bytes): not a mail message' } };
  const analysis = analyzeMessage(message.raw);
  if (!analysis.ok) return { ...base, quarantine: { code: analysis.error.code, reason: analysis.error.message } };
  if (analysis.facts.length === 0) {
    if (isTruncatedMultipart(message.raw, analysis.reportHeaders)) {
      return { ...base, quarantine: { code: 'E_INGEST_TRUNCATED', reason: 'multipart message without its closing boundary: cut short' } };
    }
    return { ...base, quarantine: { code: 'E_INGEST_NO_FACTS', reason: 'no bounce, complaint or auto-reply found in the message' } };
  }
  const reportDate = dateOf(headerValue(analysis.reportHeaders, 'date'));
  // One set of fingerprints per complained-of message, whatever number of complaints it carries.
  let fingerprints: ContentFingerprints | undefined;
  const fingerprintsFor = (fact: Fact) =>
    fact.kind === 'complaint'
      ? (fingerprints ??= contentFingerprints({ subject: fact.subject, ...analysis.originalBody, relayFingerprint: headerValue(analysis.originalHeaders, relayFingerprintHeader) }))
      : undefined;
  const facts = analysis.facts.map((fact, index) =>
    factInputOf(fact, index, {
      contentHash,
      source: message.folder ? `${message.source}/${message.folder}` : message.source,
      attribution: attributeDetailed({ fact, originalHeaders: analysis.originalHeaders, reportHeaders: analysis.reportHeaders }, options.attribution),
      occurredAt: dateOf(fact.arrivalDate) ?? reportDate ?? message.receivedAt ?? options.now,
      holds: options.holds,
      fingerprints: fingerprintsFor(fact),
    }),
  );
  return { ...base, facts, quarantine: null };
}

/**
 * What makes two facts the same report. A delivery status notice that names the original message
 * and the recipient is that (message, recipient, kind, status): a DSN delivered twice, or copies cut
 * short at different points, differ in their bytes but are one bounce and count once. Complaints
 * keep their content key: feedback loops redact the complainant (Microsoft's JMRP), so two people
 * complaining about one bulk message would look like one. Without both names only the content can
 * tell (the same message read again, from any folder or UIDVALIDITY), so an unrelated report is
 * never merged. Hashed: a Message-ID is the sender's text, of any length.
 */
export function factDedupKey(fact: Pick<Fact, 'kind' | 'originalMessageId' | 'recipient' | 'status' | 'reason' | 'feedbackType'>, index: number, contentHash: string): string {
  const originalMessageId = fact.originalMessageId?.trim();
  const recipient = fact.recipient?.trim().toLowerCase();
  if (!originalMessageId || !recipient || (fact.kind !== 'bounce' && fact.kind !== 'delay')) return `msg:${contentHash}:${index}`;
  const identity = JSON.stringify([fact.kind, fact.status ?? fact.reason ?? null, fact.feedbackType ?? null, recipient, originalMessageId]);
  return `report:${createHash('sha256').update(identity).digest('hex')}`;
}

function factInputOf(
  fact: Fact,
  index: number,
  context: { contentHash: string; source: string; attribution: ReturnType<typeof attributeDetailed>; occurredAt: Date; holds: FolderHolds; fingerprints?: ContentFingerprints },
): FactInput {
  const sender = context.attribution.attribution?.sender ?? null;
  const details: Record<string, unknown> = { format: fact.format, holds: context.holds };
  if (context.attribution.attribution) details.attributedBy = context.attribution.attribution.method;
  if (context.attribution.rejections.length > 0) details.attributionRejected = context.attribution.rejections;
  for (const key of ['replyCode', 'remoteMta', 'reportingMta', 'action', 'smtpCommand', 'from', 'to'] as const) {
    if (fact[key]) details[key] = fact[key];
  }
  return {
    dedupKey: factDedupKey(fact, index, context.contentHash),
    kind: fact.kind,
    reason: fact.reason,
    hardBounce: fact.hardBounce,
    feedbackType: fact.feedbackType ?? null,
    recipient: fact.recipient || null,
    sender,
    senderDomain: domainOf(fact.from) ?? null,
    ip: fact.ip ?? null,
    originalMessageId: fact.originalMessageId ?? null,
    status: fact.status ?? null,
    diagnosticCode: fact.diagnosticCode ?? null,
    subject: fact.subject ?? null,
    source: context.source,
    occurredAt: context.occurredAt,
    details,
    ...(context.fingerprints ? { fingerprints: context.fingerprints } : {}),
  };
}
