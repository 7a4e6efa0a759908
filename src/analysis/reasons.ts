// The closed reason taxonomy and the one place that maps status codes and diagnostic text to a reason.

import { statusIn } from './dsn';
import { FirstMatch } from './first-match';
import { readWordingTables, wordingRules, type WordingPhrase } from './wording';

export const REASONS = [
  'authfailure', 'badreputation', 'blocked', 'contenterror', 'delivered', 'exceedlimit', 'expired',
  'failedstarttls', 'feedback', 'filtered', 'hasmoved', 'hostunknown', 'mailboxfull', 'mailererror',
  'mesgtoobig', 'networkerror', 'norelaying', 'notaccept', 'notcompliantrfc', 'onhold',
  'policyviolation', 'rejected', 'requireptr', 'securityerror', 'spamdetected', 'speeding',
  'suppressed', 'suspend', 'syntaxerror', 'systemerror', 'systemfull', 'toomanyconn', 'undefined',
  'userunknown', 'vacation', 'virusdetected',
] as const;

export type Reason = (typeof REASONS)[number];

/**
 * Reasons where the receiver judged our IP, our content or our sending behaviour rather than the
 * recipient's address: they are evidence about the IP's reputation and must not raise a sender's
 * hard-bounce rate (Amazon SES, for one, leaves bounces caused by a blocked IP out of its bounce rate).
 */
const RECEIVER_JUDGED: ReadonlySet<Reason> = new Set<Reason>([
  'blocked', 'badreputation', 'spamdetected', 'policyviolation', 'toomanyconn', 'speeding',
  'requireptr', 'authfailure', 'virusdetected', 'contenterror', 'notcompliantrfc', 'securityerror',
  'failedstarttls', 'norelaying',
]);

export function isReceiverJudgement(reason: Reason): boolean {
  return RECEIVER_JUDGED.has(reason);
}

/** True when the bounce counts against the sender's list hygiene (bad or gone address). */
export function countsAgainstSender(reason: Reason): boolean {
  return reason === 'userunknown' || reason === 'hostunknown' || reason === 'hasmoved' || reason === 'notaccept';
}

/**
 * Hard bounce: the address will never work. As in the reference labels, only a bad mailbox, a bad
 * domain, a moved mailbox, and a permanent "accepts no mail" (null MX) are hard; a full mailbox or a
 * policy block is soft however permanent its code.
 */
export function isHardReason(reason: Reason, status: string | undefined): boolean {
  if (reason === 'userunknown' || reason === 'hostunknown' || reason === 'hasmoved') return true;
  if (reason === 'notaccept') return !status || status.startsWith('5');
  return false;
}

/** Enhanced status codes (RFC 3463, IANA registry) with one clear meaning. */
const STATUS_REASONS: Record<string, Reason> = {
  '2.1.5': 'delivered',
  '2.6.0': 'delivered',
  '4.1.6': 'hasmoved', '4.1.7': 'rejected', '4.1.8': 'rejected', '4.1.9': 'systemerror',
  '4.2.1': 'blocked', '4.2.2': 'mailboxfull', '4.2.3': 'exceedlimit', '4.2.4': 'filtered',
  '4.3.1': 'systemfull', '4.3.2': 'notaccept', '4.3.3': 'systemerror', '4.3.5': 'systemerror',
  '4.4.1': 'expired', '4.4.2': 'networkerror', '4.4.3': 'systemerror', '4.4.4': 'networkerror',
  '4.4.5': 'systemfull', '4.4.6': 'networkerror', '4.4.7': 'expired', '4.4.8': 'networkerror',
  '4.5.3': 'systemerror', '4.5.5': 'systemerror', '4.6.0': 'contenterror', '4.6.2': 'contenterror',
  '4.6.5': 'contenterror', '4.7.1': 'blocked', '4.7.2': 'blocked', '4.7.5': 'securityerror',
  '4.7.6': 'securityerror', '4.7.7': 'securityerror', '4.7.12': 'securityerror', '4.7.15': 'securityerror',
  '4.7.16': 'mesgtoobig', '4.7.24': 'authfailure', '4.7.25': 'requireptr', '4.7.26': 'authfailure',
  '5.1.0': 'userunknown', '5.1.1': 'userunknown', '5.1.2': 'hostunknown', '5.1.3': 'userunknown',
  '5.1.4': 'filtered', '5.1.6': 'hasmoved', '5.1.7': 'rejected', '5.1.8': 'rejected',
  '5.1.9': 'systemerror', '5.1.10': 'notaccept', '5.2.0': 'filtered', '5.2.1': 'filtered',
  '5.2.2': 'mailboxfull', '5.2.3': 'exceedlimit', '5.2.4': 'filtered', '5.3.0': 'systemerror',
  '5.3.1': 'systemfull', '5.3.2': 'notaccept', '5.3.3': 'systemerror', '5.3.4': 'mesgtoobig',
  '5.3.5': 'systemerror', '5.4.0': 'networkerror', '5.4.3': 'systemerror', '5.4.4': 'hostunknown',
  '5.4.6': 'networkerror', '5.4.7': 'expired',
  '5.5.2': 'syntaxerror', '5.5.3': 'toomanyconn', '5.5.4': 'systemerror', '5.5.5': 'systemerror',
  '5.5.6': 'syntaxerror', '5.6.0': 'contenterror', '5.6.1': 'contenterror', '5.6.2': 'contenterror',
  '5.6.3': 'contenterror', '5.6.5': 'contenterror', '5.6.6': 'contenterror', '5.6.7': 'contenterror',
  '5.6.8': 'contenterror', '5.6.9': 'contenterror', '5.7.0': 'securityerror', '5.7.1': 'securityerror',
  '5.7.2': 'securityerror', '5.7.3': 'securityerror', '5.7.4': 'securityerror', '5.7.5': 'securityerror',
  '5.7.6': 'securityerror', '5.7.7': 'securityerror', '5.7.8': 'securityerror', '5.7.9': 'securityerror',
  '5.7.10': 'securityerror', '5.7.11': 'securityerror', '5.7.13': 'suspend', '5.7.14': 'securityerror',
  '5.7.15': 'securityerror', '5.7.16': 'mesgtoobig', '5.7.17': 'hasmoved', '5.7.18': 'hasmoved',
  '5.7.19': 'securityerror', '5.7.20': 'authfailure', '5.7.21': 'authfailure', '5.7.22': 'authfailure',
  '5.7.23': 'authfailure', '5.7.24': 'authfailure', '5.7.25': 'requireptr', '5.7.26': 'authfailure',
  '5.7.27': 'notaccept',
  // Exchange Online's own: 5.7.606-649 "Access denied, banned sending IP", 5.7.708 "traffic not
  // accepted from this IP" (learn.microsoft.com, NDR 5.7.606-649 and 5.7.708).
  '5.7.606': 'blocked', '5.7.708': 'blocked', '5.7.28': 'spamdetected', '5.7.29': 'authfailure', '5.7.30': 'failedstarttls',
};

/**
 * What a status code says when its exact code is not in STATUS_REASONS: the subject of RFC 3463
 * (§3.1–3.8), the same for persistent (4) and permanent (5) classes; hard or soft comes from the
 * reason and the class, not from here. X.0.x ("other or undefined status") names no subject, so it
 * has no entry: only such a code, with wording that names nothing, leaves a bounce `onhold`.
 * Wording that names a reason wins over these, as does the report's wider text.
 */
export const STATUS_SUBJECT_REASONS: Readonly<Record<string, Reason>> = {
  '1': 'userunknown', // addressing status: the destination address is wrong (X.1.0 "other address status")
  '2': 'filtered', // mailbox status: the mailbox exists but would not take this message (as X.2.0)
  '3': 'systemerror', // mail system status: the receiving system itself failed
  '4': 'networkerror', // network and routing status
  '5': 'syntaxerror', // mail delivery protocol status
  '6': 'contenterror', // message content or media status
  '7': 'securityerror', // security or policy status
};

/** Codes so specific that the wording around them rarely says something else. */
const DECISIVE_STATUS = new Set([
  '5.1.1', '5.1.2', '5.1.6', '5.2.2', '4.2.2', '5.2.3', '5.3.4', '5.6.1', '5.7.25', '4.7.25',
  '5.7.23', '5.7.26', '4.7.26', '5.1.10', '5.7.13', '5.1.8', '5.1.7', '5.7.20', '5.7.21', '5.7.22',
  '5.7.606', '5.7.708',
]);

/**
 * Diagnostic wording, most specific first: the phrases of the wording tables (./wording/<reason>.txt,
 * format in ./wording.ts), each with where it was seen. A new wording is one line there.
 */
export const WORDING_PHRASES: readonly WordingPhrase[] = readWordingTables(REASONS);
export const TEXT_RULES: ReadonlyArray<readonly [Reason, RegExp]> = wordingRules(WORDING_PHRASES);

const WORDING = new FirstMatch(TEXT_RULES);

// Providers that put a code of their own in the reply, documented on their postmaster pages: the
// code names the cause more exactly than the (often generic) wording around it.

/** Orange / La Poste ("OFR_506", "LPN007_416", "OFR004_405 [405]"): the last three digits. */
const ORANGE_CODES: Record<string, Reason> = {
  '101': 'blocked', '102': 'blocked', '103': 'blocked', '104': 'toomanyconn', '305': 'securityerror',
  '401': 'authfailure', '402': 'securityerror', '403': 'rejected', '405': 'rejected', '415': 'rejected',
  '416': 'userunknown', '417': 'mailboxfull', '420': 'suspend', '421': 'rejected', '426': 'suspend',
  '505': 'systemerror', '506': 'spamdetected', '510': 'blocked', '514': 'mesgtoobig', '517': 'authfailure',
  '630': 'policyviolation', '999': 'blocked',
};
/** Spectrum / Charter ("AUP#In-1310", "AUP#O-1000"): ranges of four-digit codes. */
const SPECTRUM_CODES: ReadonlyArray<readonly [number, number, Reason]> = [
  [1000, 1000, 'blocked'], [1010, 1080, 'rejected'], [1090, 1090, 'systemerror'], [1100, 1150, 'requireptr'],
  [1160, 1190, 'policyviolation'], [1200, 1250, 'blocked'], [1260, 1260, 'networkerror'], [1300, 1340, 'toomanyconn'],
  [1350, 1490, 'speeding'], [1500, 1520, 'rejected'], [1530, 1530, 'mesgtoobig'], [1540, 1550, 'speeding'],
  [1560, 1560, 'policyviolation'], [1580, 1580, 'speeding'],
];

/**
 * Exchange Server and Exchange Online name the resolver or transport step that failed
 * ("550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient"): the name is
 * more exact than the status code beside it (5.2.3 here is a size limit, not a quota).
 */
const EXCHANGE_CODES: Record<string, Reason> = {
  'queue.expired': 'expired',
  'smtpsend.dns.nonexistentdomain': 'hostunknown', 'smtpsend.dns.mxloopback': 'networkerror',
  'resolver.rst.recipsizelimit': 'mesgtoobig', 'resolver.rst.recipientsizelimit': 'mesgtoobig',
  'resolver.rst.notauthorized': 'rejected', 'resolver.rst.authrequired': 'securityerror',
  'resolver.adr.ambiguous': 'systemerror', 'resolver.adr.badprimary': 'systemerror',
  'resolver.adr.invalidinsmtp': 'systemerror', 'resolver.fwd.notfound': 'systemerror',
  'resolver.adr.reciplimit': 'toomanyconn', 'resolver.adr.recipientlimit': 'toomanyconn',
  'resolver.adr.recipnotfound': 'userunknown', 'resolver.adr.recipientnotfound': 'userunknown',
  'resolver.adr.exrecipnotfound': 'userunknown', 'resolver.adr.exrecipientnotfound': 'userunknown',
};

function reasonFromProviderCode(diagnostic: string | undefined): Reason | undefined {
  if (!diagnostic) return undefined;
  const exchange = /\b(?:RESOLVER\.(?:ADR|RST|FWD)|QUEUE|SMTPSEND\.DNS)\.[A-Za-z]+\b/i.exec(diagnostic);
  if (exchange) {
    const reason = EXCHANGE_CODES[exchange[0].toLowerCase()];
    if (reason) return reason;
  }
  const orange = /\b(?:LPN|LPNAAA|OFR|OUK)(?:_\d{3}|\d{3}[-_]\d{3})\b/i.exec(diagnostic);
  if (orange) return ORANGE_CODES[orange[0].slice(-3)];
  const spectrum = /AUP#[A-Za-z-]*(\d{4})/.exec(diagnostic);
  if (spectrum) {
    const code = Number(spectrum[1]);
    return SPECTRUM_CODES.find(([from, to]) => code >= from && code <= to)?.[2];
  }
  return undefined;
}

export interface ClassifyInput {
  status?: string;
  replyCode?: string;
  diagnosticCode?: string;
  action?: string;
  smtpCommand?: string;
  bounceCategory?: string;
  reportingMta?: string;
  /** The receiving server the reply came from (DSN Remote-MTA), for providers with habits of their own. */
  remoteMta?: string;
  /** The report's format never names the command a reply answered (see RecipientRecord). */
  commandUnrecorded?: boolean;
}

/**
 * PowerMTA's bounce categories (X-PowerMTA-BounceCategory, from its bounce-category patterns): the
 * sending MTA has already classified the reply; the ones with one clear reason.
 */
const BOUNCE_CATEGORIES: Record<string, Reason> = {
  'bad-mailbox': 'userunknown', 'bad-domain': 'hostunknown', 'inactive-mailbox': 'suspend',
  'quota-issues': 'mailboxfull', 'message-expired': 'expired', 'no-answer-from-host': 'networkerror',
  'spam-related': 'spamdetected', 'virus-related': 'virusdetected', 'relaying-issues': 'norelaying',
};

function statusReason(status: string | undefined): Reason | undefined {
  if (!status) return undefined;
  return STATUS_REASONS[status];
}

/**
 * The reason a status code's RFC 3463 subject names. 2.x.x and 4/5.0.x name none, nor does a
 * subject's "other or undefined" detail X.S.0, which RFC 3463 gives when "the exact condition is
 * unknown" (those with a meaning of their own, such as 5.1.0, are in STATUS_REASONS).
 */
export function statusSubjectReason(status: string | undefined): Reason | undefined {
  const code = /^([45])\.(\d{1,3})\.(\d{1,3})$/.exec(status ?? '');
  return code && code[3] !== '0' ? STATUS_SUBJECT_REASONS[code[2]!] : undefined;
}

/** Finds the reason named by a diagnostic's wording, or undefined. */
// The same diagnostic is read several times per report (its DSN field, its text twin, the
// context): a memo of the pure function saves most of the pattern matching. The analyzer empties
// it for each message, so figures measured over a repeated corpus stay honest.
const textMemo = new Map<string, Reason | null>();
const TEXT_MEMO_LIMIT = 256;

export function forgetWording(): void {
  textMemo.clear();
}

export function reasonFromText(text: string | undefined): Reason | undefined {
  if (!text) return undefined;
  const known = textMemo.get(text);
  if (known !== undefined) return known ?? undefined;
  const found = matchWording(text);
  if (textMemo.size >= TEXT_MEMO_LIMIT) textMemo.clear();
  textMemo.set(text, found ?? null);
  return found;
}

function matchWording(text: string): Reason | undefined {
  // Addresses say nothing about the reason ("filtered@..." is a name), and the code prefixes of a
  // multi-line reply ("550-5.7.1 ... 550 5.7.1 ...") split the wording they interrupt.
  // The look-behind starts a try only where a token starts: the same matches (a token holding an
  // address matches from its first character), without retrying at every character of a long token.
  const lower = text
    .toLowerCase()
    .replace(/(?<![^\s<>()"',;:[\]])[^\s<>()"',;:[\]]+@[^\s<>()"',;:[\]]+/g, 'address')
    .replace(/(?:^|\s)[245]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3}\s+)?/g, ' ');
  return WORDING.find(lower);
}

/**
 * Exim's expiry bounce appends ": retry timeout exceeded" to the last reply it got; the reply names
 * the cause and the note only that Exim stopped trying (the reference analyzer reads Exim's
 * "mailbox is full: retry timeout exceeded" as mailboxfull).
 */
function lastReplyOf(diagnostic: string | undefined): string | undefined {
  const quoted = /^([\s\S]*\S):\s*retry timeout exceeded\s*$/i.exec(diagnostic ?? '');
  return quoted?.[1];
}

/** Reasons whose wording is vague enough that a specific status code should win over it. */
const VAGUE_TEXT = new Set<Reason>([
  'systemerror', 'networkerror', 'securityerror', 'expired', 'syntaxerror', 'mesgtoobig', 'spamdetected',
  'notcompliantrfc', 'contenterror', 'policyviolation',
]);

/**
 * Status codes under which "no such user" wording is the recipient directory speaking: the X.1.x
 * address statuses (RFC 3463 §3.2), and X.5.0, which Outlook.com and Hotmail answer to an unknown
 * mailbox ("550 5.5.0 Requested action not taken: mailbox unavailable").
 */
const ADDRESS_STATUS = /^[45]\.1\.\d{1,3}$|^5\.5\.0$/;

/**
 * Wording only a mailbox directory or a local delivery agent uses: a lookup that found no such
 * user, whatever command it answered (Exchange's "recipient name is not recognized", IMail's
 * "invalid final delivery userid" and "Unknown user: <address>", Domino's directory, Yahoo's
 * "dd This user doesn't have", mail.local's "unknown user", and Trend Micro InterScan's "Unable to
 * deliver message to <address> (and other recipients in the same domain)", its verdict after
 * checking the recipients against the domain's directory).
 */
const DIRECTORY_WORDING = /^unknown user: \S+@|recipient name is not recognized|invalid final delivery userid|not listed in (?:the )?(?:domino directory|public name)|domino ディレクトリ|\bdd this user doesn't have|mail\.local: unknown user|no valid recipients for this mm|unable to deliver message to <?\S+@\S+?>? \(and other recipients in the same domain\)/i;

const DOCOMO_RECEIVING = /(?:^|\.)docomo\.ne\.jp\.?$/i;

const SES_RECEIVING = /(?:^|\.)inbound-smtp\.[a-z0-9-]+\.amazonaws\.com$/i;

/** Reasons a rejection at MAIL FROM cannot mean: the recipient was not yet named. */
const RECIPIENT_REASONS = new Set<Reason>(['hostunknown', 'userunknown', 'filtered', 'onhold', 'undefined', 'systemerror', 'mailboxfull', 'suspend', 'hasmoved']);

/**
 * The reason for one failed, delayed or delivered recipient. `context` is the report's wider error
 * text, consulted only when the recipient's own diagnostic and status say nothing; it may be given
 * as a function that builds it, called only then.
 */
export function classifyReason(input: ClassifyInput, context?: string | (() => string)): Reason {
  const action = input.action?.toLowerCase() ?? '';
  const status = input.status;
  if (action === 'delivered' || action === 'relayed' || action === 'expanded' || status?.startsWith('2.')) return 'delivered';
  const byCategory = input.bounceCategory ? BOUNCE_CATEGORIES[input.bounceCategory] : undefined;
  if (byCategory) return byCategory;
  const byProviderCode = reasonFromProviderCode(input.diagnosticCode);
  if (byProviderCode) return byProviderCode;
  const byStatus = statusReason(status);
  const beforeEnvelope = input.smtpCommand === 'CONN' || input.smtpCommand === 'HELO' || input.smtpCommand === 'EHLO';
  // Exim's note after a quoted reply says only that retrying stopped; a refusal before the envelope
  // that names no cause is still about the client (below), not a plain expiry.
  const lastReply = lastReplyOf(input.diagnosticCode);
  let reason = reasonFromText(lastReply) ?? (lastReply !== undefined && beforeEnvelope ? undefined : reasonFromText(input.diagnosticCode));
  if (reason && byStatus && status && DECISIVE_STATUS.has(status) && VAGUE_TEXT.has(reason)) reason = byStatus;
  // A moved-mailbox status (X.1.6, RFC 3463) says more than "not our user" wording around it.
  if (reason === 'userunknown' && byStatus === 'hasmoved') reason = 'hasmoved';
  if (reason === 'userunknown') {
    // "No such user" is the recipient directory speaking only when the reply answered RCPT (the
    // recipient was looked up) or carries an address status (X.1.x). Said once the message was
    // sent (after DATA), or under a mailbox or policy status (X.2.x, X.7.x), it is the recipient's
    // filter refusing this message, whatever its words: the address may well exist.
    // A reply quoting the refused address ("550 <a@b.example>: User unknown") answers that
    // recipient's RCPT; the same words with the address slot empty ("550 : User unknown") answer
    // the whole message after DATA, as au's (KDDI) recipient-side filter replies.
    const diagnostic = input.diagnosticCode ?? '';
    const quotesRecipient = /(?:^|\s)[45]\d\d:? <[^\s<>]+@[^\s<>]+>: user unknown/i.test(diagnostic);
    // A notice whose format never names the command is no evidence the reply came after DATA.
    const placed = input.smtpCommand === 'RCPT' || input.smtpCommand === 'MAIL' || (quotesRecipient && input.smtpCommand !== 'DATA') || (input.commandUnrecorded === true && input.smtpCommand === undefined);
    const addressStatus = ADDRESS_STATUS.test(status ?? statusIn(diagnostic) ?? '');
    if (!placed && !addressStatus && !DIRECTORY_WORDING.test(diagnostic)) reason = 'filtered';
  }
  // Amazon SES receiving keeps no mailbox directory: a bounce it reports (from
  // inbound-smtp.<region>.amazonaws.com) is a receipt rule's Bounce action chosen by the domain's
  // owner, so its preset "550 5.1.1 Mailbox does not exist" is a filter, not a directory lookup.
  if (reason === 'userunknown' && SES_RECEIVING.test(input.reportingMta ?? '')) reason = 'filtered';
  // NTT docomo's receiving servers (mfsmax.docomo.ne.jp) answer "550 Unknown user" after DATA when
  // the recipient's reception settings refuse the sender's address or domain; at RCPT the same
  // words are a directory miss. Under a generic status the refusal after DATA is of our sender.
  if ((reason === 'userunknown' || reason === 'filtered') && input.smtpCommand === 'DATA' && DOCOMO_RECEIVING.test(input.remoteMta ?? '') && (!status || /^5\.0\.0$/.test(status))) reason = 'rejected';
  reason ??= byStatus;
  // Refused before any envelope was given (at connect, greeting or HELO): the refusal is about the
  // connecting client, i.e. our IP, whether the queue gave up or is still retrying. When the reply
  // itself names nothing, the notice's text around it is the queue's boilerplate, not the cause.
  if (!reason && beforeEnvelope) reason = 'blocked';
  reason ??= reasonFromText(typeof context === 'function' ? context() : context);
  // A delay report (RFC 3464 "delayed") under a network or routing status (X.4.x) says the queue is
  // still retrying; only the wording could say more.
  if (!reason && action === 'delayed' && /^4\.[04]\./.test(status ?? '4.0.0')) return 'expired';
  reason ??= statusSubjectReason(status);
  if (reason && input.smtpCommand === 'MAIL' && RECIPIENT_REASONS.has(reason)) reason = 'rejected';
  // "Access denied" in answer to MAIL FROM refuses the sender address, not our IP; on its own,
  // under a security status (X.7.x), it names no cause at all.
  if ((reason === 'blocked' || reason === 'securityerror') && byStatus !== 'blocked' && input.smtpCommand === 'MAIL' && /access denied/i.test(input.diagnosticCode ?? '')) reason = 'rejected';
  // Before the envelope, "rejected" (our sender) cannot be meant: the client is.
  if (beforeEnvelope && (reason === 'onhold' || reason === 'undefined' || reason === 'rejected')) reason = 'blocked';
  if (reason) return reason;
  if (input.smtpCommand === 'MAIL') return 'rejected';
  if (action === 'delayed') return 'expired';
  const reply = input.replyCode ?? '';
  if (reply === '452' || reply === '552') return 'mailboxfull';
  // Something was said but nothing we can name: on hold (a person should look); nothing said at
  // all: undefined.
  if (reply || status || input.diagnosticCode?.trim()) return 'onhold';
  return 'undefined';
}
