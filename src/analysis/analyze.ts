// Entry point: one raw message (or an mbox of them) → facts, or a typed AnalysisError; never throws.
//
// Synchronous by design. The report parts are read by ./mime (a small reader of headers, multipart
// trees and transfer/charset decoding) rather than mailparser's simpleParser: simpleParser is
// asynchronous, decodes and renders every part (HTML, attachments) we never look at, and merges
// message/delivery-status into the body text; the reports need only their headers and report parts.
// Measured on the reference corpus, simpleParser alone reads about 350 emails/s on a 2-core machine,
// a sixth of the 2,400 emails/s this analyzer must reach in one process.
import { WardenError } from '../errors';
import type { Fact, FactKind } from './fact';
import type { Header, MimePart } from './mime';
import type { RecipientRecord } from './dsn';
import type { BounceText, VendorNotification } from './vendors/types';
import { decodeHeaderText, headerValue, normaliseLineEnds, parseHeaders, parseMime, partText, splitHeaderBlock, walkParts } from './mime';
import { addressIn, cleanAddress } from './addresses';
import { bestStatus, failedCommandInTranscript, parseDeliveryStatus } from './dsn';
import { classifyReason, forgetWording, isHardReason, reasonFromText } from './reasons';
import { splitMbox } from './mbox';
import { withoutEnds } from './text-scan';
import { addressesIn, isBounceEnvelope, splitReturnedMessage, stripHtml, toIsoDate } from './report-text';
import { readComplaint } from './complaints';
import { readAddressBlocks } from './vendors/blocks';
import { VENDOR_READERS } from './vendors';

export type AnalysisErrorCode = 'E_ANALYSIS_EMPTY' | 'E_ANALYSIS_NOT_MAIL' | 'E_ANALYSIS_INTERNAL';

/** A message the analyzer cannot read: empty, not mail, or one it failed on. */
export class AnalysisError extends WardenError {
  constructor(
    override readonly code: AnalysisErrorCode,
    message: string,
  ) {
    super(code, message, 422);
  }
}

export interface AnalyzedMessage {
  facts: Fact[];
  /** Headers of the original (returned or reported) message, for attribution; [] when absent. */
  originalHeaders: Header[];
  /** Headers of the report itself. */
  reportHeaders: Header[];
  /** Text and HTML of the original message when the report carries it whole (campaign fingerprints). */
  originalBody?: { text: string; html: string };
}

export type AnalysisResult = ({ ok: true } & AnalyzedMessage) | { ok: false; error: AnalysisError };

const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/** Analyzes one message. Never throws: failures come back as `{ ok: false, error }`. */
export function analyzeMessage(raw: Buffer | string): AnalysisResult {
  try {
    const text = typeof raw === 'string' ? raw : raw.toString('latin1');
    if (text.trim() === '') return { ok: false, error: new AnalysisError('E_ANALYSIS_EMPTY', 'empty message') };
    const bounded = text.length > MAX_MESSAGE_BYTES ? text.slice(0, MAX_MESSAGE_BYTES) : text;
    forgetWording();
    // A message saved from a mail client may start with blank lines or spaces before its first
    // header; a line that is not a field (an mbox "From " line) is skipped by the header reader.
    const root = parseMime(withoutEnds(normaliseLineEnds(bounded), ' \t\n', ''));
    if (root.headers.length === 0) return { ok: false, error: new AnalysisError('E_ANALYSIS_NOT_MAIL', 'no mail header found') };
    return { ok: true, ...analyzeRoot(root, 0) };
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    return { ok: false, error: new AnalysisError('E_ANALYSIS_INTERNAL', `analysis failed: ${message}`) };
  }
}

/**
 * Splits an mbox (or a single message) and analyzes each message. `beforeMessage` is called as each
 * message starts, for a caller that holds every message, not the whole file, to a time budget.
 */
export function analyzeMbox(raw: Buffer | string, beforeMessage?: () => void): AnalysisResult[] {
  let messages: string[];
  try {
    messages = splitMbox(raw);
  } catch (cause) {
    const message = cause instanceof Error ? cause.message : String(cause);
    return [{ ok: false, error: new AnalysisError('E_ANALYSIS_INTERNAL', `mbox split failed: ${message}`) }];
  }
  return messages.map((message) => {
    beforeMessage?.();
    return analyzeMessage(message);
  });
}

interface Collected {
  /** Messages attached whole (message/rfc822), which may themselves be reports. */
  attached: MimePart[];
  feedback: MimePart[];
  deliveryStatus: MimePart[];
  original?: Header[];
  texts: string[];
  /** HTML parts, decoded only when read (see htmlOf): a report with a plain part never needs them. */
  htmlParts: MimePart[];
}

function collect(root: MimePart): Collected {
  const found: Collected = { attached: [], feedback: [], deliveryStatus: [], texts: [], htmlParts: [] };
  walkParts(root, (part, inside) => {
    const type = part.contentType;
    if (inside) return;
    if (type === 'message/feedback-report') found.feedback.push(part);
    else if (type === 'message/delivery-status' || type === 'message/global-delivery-status') found.deliveryStatus.push(part);
    else if (type === 'message/rfc822' || type === 'message/global') {
      if (part.children[0]) found.attached.push(part.children[0]);
      if (!found.original && part.children[0]) found.original = part.children[0].headers;
    } else if (type === 'text/rfc822-headers' || type === 'message/rfc822-headers' || type === 'message/global-headers') {
      found.original ??= parseHeaders(splitHeaderBlock(partText(part).replace(/^\s+/, '')).head);
    } else if (type === 'text/plain') {
      found.texts.push(partText(part));
    } else if (type === 'text/html') found.htmlParts.push(part);
  });
  return found;
}

function htmlOf(found: Collected): string {
  return found.htmlParts.map(partText).join('\n');
}

/** The text (HTML stripped when there is no plain part) and raw HTML of an attached original message. */
function bodyOf(message: MimePart | undefined): { text: string; html: string } | undefined {
  if (!message) return undefined;
  const found = collect(message);
  const html = htmlOf(found);
  const text = found.texts.join('\n');
  return { text: text.trim() === '' && html ? stripHtml(html) : text, html };
}

function firstAddress(value: string | undefined): string {
  return addressIn(value ? decodeHeaderText(value) : undefined);
}


function originalFields(headers: Header[] | undefined): Pick<Fact, 'originalMessageId' | 'from' | 'to' | 'subject'> {
  if (!headers || headers.length === 0) return {};
  const fields: Pick<Fact, 'originalMessageId' | 'from' | 'to' | 'subject'> = {};
  const messageId = headerValue(headers, 'message-id');
  if (messageId) fields.originalMessageId = messageId.trim().replace(/^<|>$/g, '');
  const from = firstAddress(headerValue(headers, 'from'));
  if (from) fields.from = from;
  const to = firstAddress(headerValue(headers, 'to'));
  if (to) fields.to = to;
  const subject = headerValue(headers, 'subject');
  if (subject !== undefined) fields.subject = decodeHeaderText(subject);
  return fields;
}

function kindFor(action: string | undefined, reasonDelivered: boolean): FactKind {
  if (reasonDelivered) return 'delivered';
  if (action === 'delayed') return 'delay';
  return 'bounce';
}

function factFromRecord(record: RecipientRecord, context: string | (() => string), extra: Partial<Fact>): Fact {
  const diagnostic = record.diagnosticCode;
  const reason = classifyReason(
    { status: record.status, replyCode: record.replyCode, diagnosticCode: diagnostic, action: record.action, smtpCommand: record.smtpCommand, bounceCategory: record.bounceCategory, reportingMta: extra.reportingMta, remoteMta: record.remoteMta, commandUnrecorded: record.commandUnrecorded },
    context,
  );
  const kind = kindFor(record.action, reason === 'delivered');
  const fact: Fact = {
    kind,
    recipient: record.recipient,
    reason,
    hardBounce: kind === 'bounce' && isHardReason(reason, record.status ?? (record.replyCode ? `${record.replyCode[0]}.0.0` : undefined)),
    format: record.format,
    ...extra,
  };
  if (record.status) fact.status = record.status;
  if (record.replyCode) fact.replyCode = record.replyCode;
  if (diagnostic) fact.diagnosticCode = diagnostic;
  if (record.remoteMta) fact.remoteMta = record.remoteMta;
  if (record.action) fact.action = record.action;
  if (record.smtpCommand) fact.smtpCommand = record.smtpCommand;
  return fact;
}

const MAX_FORWARD_DEPTH = 3;

const ADDRESS_HEADERS = new Set(['from', 'to', 'reply-to', 'return-path', 'sender']);
const ID_HEADERS = new Set(['message-id', 'in-reply-to', 'references']);

/** Addresses a notice names that are not failed recipients: its own envelope and the original's sender. */
function notRecipients(reportHeaders: Header[], originalHeaders: Header[], originalFrom: string | undefined): Set<string> {
  const exclude = new Set<string>();
  for (const header of reportHeaders) if (ADDRESS_HEADERS.has(header.name)) for (const a of addressesIn(header.value)) exclude.add(a);
  if (originalFrom) exclude.add(originalFrom);
  // Message-IDs look like addresses; the ones the report and the original carry are not recipients.
  // (addressesIn never includes the angle brackets around them.)
  for (const headers of [reportHeaders, originalHeaders]) {
    for (const header of headers) if (ID_HEADERS.has(header.name)) for (const a of addressesIn(header.value)) exclude.add(a);
  }
  return exclude;
}

/** The facts of a vendor's own notification (Amazon SES's events): complaints, bounces or deliveries. */
function notificationFacts(family: string, notification: VendorNotification, original: Partial<Fact>, arrivalFromReport: () => string | undefined): Fact[] {
  const notified: Partial<Fact> = { ...original };
  if (notification.originalMessageId) notified.originalMessageId = notification.originalMessageId;
  if (notification.from) notified.from = cleanAddress(notification.from);
  if (notification.subject) notified.subject = notification.subject;
  const arrival = arrivalFromReport();
  if (arrival) notified.arrivalDate = arrival;
  if (notification.kind !== 'complaint') return notification.records.map((record) => factFromRecord(record, '', notified));
  return notification.records.map((record): Fact => {
    const fact: Fact = { kind: 'complaint', recipient: record.recipient, reason: 'feedback', hardBounce: false, format: family, feedbackType: notification.feedbackType ?? 'abuse', ...notified };
    if (notification.ip) fact.ip = notification.ip;
    return fact;
  });
}

/** What every reading of one report shares: its headers, parts and text, and the original message it returns. */
interface Report {
  root: MimePart;
  reportHeaders: Header[];
  found: ReturnType<typeof collect>;
  subject: string;
  reportFrom: string;
  bodyText: string;
  split: ReturnType<typeof splitReturnedMessage>;
  originalHeaders: Header[];
  original: ReturnType<typeof originalFields>;
  /** The report's own Date, read only when a fact needs it (most DSNs give an Arrival-Date). */
  arrivalFromReport: () => string | undefined;
}

function readReport(root: MimePart): Report {
  const reportHeaders = root.headers;
  const found = collect(root);
  let bodyText = found.texts.join('\n');
  if (bodyText.trim() === '' && found.htmlParts.length > 0) bodyText = stripHtml(htmlOf(found));
  const split = splitReturnedMessage(bodyText);
  const originalHeaders = found.original ?? split.original ?? [];
  let reportDate: { iso: string | undefined } | undefined;
  return {
    root,
    reportHeaders,
    found,
    subject: decodeHeaderText(headerValue(reportHeaders, 'subject') ?? ''),
    reportFrom: firstAddress(headerValue(reportHeaders, 'from')),
    bodyText,
    split,
    originalHeaders,
    original: originalFields(originalHeaders),
    arrivalFromReport: () => (reportDate ??= { iso: toIsoDate(headerValue(reportHeaders, 'date')) }).iso,
  };
}

function analyzeRoot(root: MimePart, depth: number): AnalyzedMessage {
  const report = readReport(root);
  const { reportHeaders, originalHeaders, bodyText, found } = report;
  const bounce: BounceText = { headers: reportHeaders, subject: report.subject, from: report.reportFrom, text: report.split.error, body: bodyText };
  for (const reader of VENDOR_READERS) {
    const notification = reader.readNotification?.(bounce);
    if (notification) return { facts: notificationFacts(reader.family, notification, report.original, report.arrivalFromReport), originalHeaders, reportHeaders };
  }
  const complaint = readComplaint({ feedbackPart: found.feedback[0], bodyText, reportHeaders, originalHeaders, original: report.original, subject: report.subject, reportFrom: report.reportFrom, arrivalFromReport: report.arrivalFromReport });
  if (complaint) return { facts: complaint, originalHeaders, reportHeaders, originalBody: bodyOf(found.attached[0]) };

  const dsn = deliveryStatusOf(report);
  let records = dsn.records;
  const looksLikeBounce = records.length > 0 || isBounceEnvelope(bounce) || root.contentType === 'multipart/report' || VENDOR_READERS.some((reader) => reader.isBounce?.(bounce));
  const fromDaemon = /mailer-daemon|postmaster/i.test(headerValue(reportHeaders, 'from') ?? '');
  if (records.length === 0 && found.deliveryStatus.length === 0 && !fromDaemon && VENDOR_READERS.some((reader) => reader.isAutoReply?.(bounce))) {
    const fact: Fact = { kind: 'autoreply', recipient: report.reportFrom, reason: 'vacation', hardBounce: false, format: 'autoreply', ...originalFields(reportHeaders) };
    fact.subject = report.subject;
    return { facts: [fact], originalHeaders: [], reportHeaders };
  }
  // Vendor wording: fills what the DSN lacks, or is the only source for non-standard bounces.
  if (looksLikeBounce) records = withVendorRecords(report, bounce, records);
  // A report forwarded as an attachment (a relay bouncing a bounce, a helpdesk forward): read the
  // attached message as a report of its own.
  if (records.length === 0 && depth < MAX_FORWARD_DEPTH) {
    for (const attached of found.attached) {
      const inner = analyzeRoot(attached, depth + 1);
      if (inner.facts.some((fact) => fact.kind !== 'autoreply')) return inner;
    }
  }
  if (records.length === 0 && looksLikeBounce && report.original.to) records = [{ recipient: report.original.to, format: 'text' }];
  completeRecords(report, bounce, records);
  // The wider error text is consulted only for a recipient whose own diagnostic names no reason.
  let context: string | undefined;
  const contextOf = () => (context ??= report.split.error.slice(0, 8000).replace(/\s+/g, ' ').slice(0, 4000));
  const extra: Partial<Fact> = { ...report.original };
  if (dsn.reportingMta) extra.reportingMta = dsn.reportingMta;
  const arrivalDate = toIsoDate(dsn.arrival) ?? report.arrivalFromReport();
  if (arrivalDate) extra.arrivalDate = arrivalDate;
  const facts = dedupe(records).map((record) => factFromRecord(record, contextOf, extra));
  return { facts, originalHeaders, reportHeaders };
}

/** The RFC 3464 records of the report's delivery-status parts, or of its text when it carries the fields inline. */
function deliveryStatusOf({ found, bodyText }: Report): { records: RecipientRecord[]; reportingMta: string | undefined; arrival: string | undefined } {
  let records: RecipientRecord[] = [];
  let reportingMta: string | undefined;
  let arrival: string | undefined;
  for (const part of found.deliveryStatus) {
    const dsn = parseDeliveryStatus(partText(part));
    reportingMta ??= dsn.reportingMta;
    arrival ??= dsn.arrivalDate;
    records.push(...dsn.records);
  }
  if (records.length === 0 && /^(?:Final|Original)-Recipient:/im.test(bodyText)) {
    const dsn = parseDeliveryStatus(bodyText.slice(Math.max(0, bodyText.search(/^(?:Reporting-MTA|Final-Recipient|Original-Recipient):/im))), 'dsn');
    reportingMta ??= dsn.reportingMta;
    arrival ??= dsn.arrivalDate;
    records = dsn.records;
  }
  return { records, reportingMta, arrival };
}

/** The vendor's or the text's records: the records when the DSN had none, else what they add to the DSN's. */
function withVendorRecords(report: Report, bounce: BounceText, records: RecipientRecord[]): RecipientRecord[] {
  const { reportHeaders, split } = report;
  const reader = VENDOR_READERS.find((candidate) => candidate.read && candidate.matches?.(bounce));
  let vendorRecords = reader ? reader.read!(bounce) : [];
  const vendorAuthoritative = vendorRecords.length > 0 && reader?.authoritative === true;
  if (vendorRecords.length === 0) vendorRecords = readAddressBlocks(split.error, notRecipients(reportHeaders, report.originalHeaders, report.original.from), records.length > 0 ? 'dsn' : 'text');
  // Exim and Google name the failed recipients in a header of their own.
  for (const part of (headerValue(reportHeaders, 'x-failed-recipients') ?? '').split(',')) {
    const recipient = addressIn(part);
    if (recipient && records.length === 0 && !vendorRecords.some((record) => record.recipient === recipient)) {
      vendorRecords.push({ recipient, format: 'text' });
    }
  }
  if (records.length === 0) return vendorRecords;
  for (const record of records) {
    const twin = vendorRecords.find((candidate) => candidate.recipient === record.recipient) ?? (vendorRecords.length === 1 && records.length === 1 ? vendorRecords[0] : undefined);
    if (!twin) continue;
    if (!record.diagnosticCode || (vendorAuthoritative && twin.diagnosticCode) || (twin.diagnosticCode && !reasonFromText(record.diagnosticCode) && reasonFromText(twin.diagnosticCode))) {
      record.diagnosticCode = twin.diagnosticCode ?? record.diagnosticCode;
    }
    record.replyCode ??= twin.replyCode;
    record.smtpCommand ??= twin.smtpCommand;
    record.commandUnrecorded ??= twin.commandUnrecorded;
    // OpenSMTPD (and others) put only a generic X.0.0 in the DSN and the remote reply in the text.
    record.status = bestStatus(record.status, twin.status) ?? twin.status;
  }
  return records;
}

/** Fills what the records still lack: the failed SMTP command, and each vendor's refinements. */
function completeRecords({ split }: Report, bounce: BounceText, records: RecipientRecord[]): void {
  for (const record of records) record.smtpCommand ??= failedCommandInTranscript(split.error, record.recipient);
  for (const reader of VENDOR_READERS) if (reader.refine) for (const record of records) reader.refine(record, bounce);
}

function dedupe(records: RecipientRecord[]): RecipientRecord[] {
  const byRecipient = new Map<string, RecipientRecord>();
  for (const record of records) {
    const key = record.recipient;
    const previous = byRecipient.get(key);
    if (!previous || (!previous.diagnosticCode && record.diagnosticCode)) byRecipient.set(key, record);
  }
  return [...byRecipient.values()];
}
