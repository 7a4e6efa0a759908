// What a complaint or bounce fact becomes when stored: attributed through the send log when the
// report itself names no sender, the rollup counters it adds and under which keys, and a counted
// complaint's campaign fingerprints.
import { domainOf } from '../analysis/addresses';
import type { ContentFingerprints } from '../analysis/fingerprints';
import type { FactRecord } from '../db/facts';
import type { SendsByMessageId } from '../db/send-events';
import { relayKey } from '../db/schema';
import { fingerprintKey, type Fingerprint } from '../reputation/campaign-rule';
import { countsOfFact, type CountableFact } from '../reputation/counts';

export interface FactInput extends CountableFact {
  /** Stable identity of the fact (e.g. message hash + recipient): storing it twice is a no-op. */
  dedupKey: string;
  recipient?: string | null;
  sender?: string | null;
  senderDomain?: string | null;
  ip?: string | null;
  originalMessageId?: string | null;
  status?: string | null;
  diagnosticCode?: string | null;
  subject?: string | null;
  /** Where it came from, e.g. imap:fbl/INBOX or api. */
  source: string;
  occurredAt: Date;
  details?: Record<string, unknown>;
  /** Campaign fingerprints of the original message (complaints). */
  fingerprints?: ContentFingerprints;
  /** The submitting client and login, when known without the send log. */
  clientAddress?: string | null;
  saslUsername?: string | null;
}

type SendLogEntry = SendsByMessageId extends Map<string, infer Entry> ? Entry : never;

const counterOf = (counts: ReturnType<typeof countsOfFact>) =>
  counts.complaints ? 'complaints' : counts.hardBounces ? 'hardBounces' : counts.softBounces ? 'softBounces' : counts.blocked ? 'blocked' : 'none';

/**
 * The Message-IDs whose send-log entries the facts need: those naming no sender are attributed by
 * it, and a complaint learns from it which client submitted the message.
 */
export function messageIdsToLookUp(facts: FactInput[]): string[] {
  const wanted = facts.filter((f) => (!f.sender || f.kind === 'complaint') && f.originalMessageId).map((f) => f.originalMessageId!);
  return [...new Set(wanted)];
}

/** What a complaint is recognised by across senders: its content's fingerprints and its origin. */
function fingerprintsOf(fact: FactInput, send: SendLogEntry | undefined): Fingerprint[] {
  const prints: Fingerprint[] = [];
  for (const domain of fact.fingerprints?.urlDomains ?? []) prints.push({ kind: 'url', value: domain });
  if (fact.fingerprints?.subject) prints.push({ kind: 'subject', value: fact.fingerprints.subject });
  if (fact.fingerprints?.bodySimhash) prints.push({ kind: 'body', value: fact.fingerprints.bodySimhash });
  const client = fact.clientAddress ?? send?.clientAddress;
  if (client) prints.push({ kind: 'client', value: client });
  const login = fact.saslUsername ?? send?.saslUsername;
  if (login) prints.push({ kind: 'sasl', value: login });
  // The send log's value first: the volume is counted under it (a redacted report may lose the header).
  const content = send?.fingerprint ?? fact.fingerprints?.relayFingerprint;
  if (content) prints.push({ kind: 'content', value: content });
  return [...new Map(prints.map((print) => [fingerprintKey(print), print])).values()];
}

/** The fact as stored, with what it adds when it is new. */
export function factRecordOf(fact: FactInput, sends: SendsByMessageId): FactRecord {
  const attributing = !fact.sender && fact.originalMessageId ? sends.get(fact.originalMessageId) : undefined;
  const sender = fact.sender ?? attributing?.sender ?? null;
  const counts = countsOfFact(fact);
  const counted = counterOf(counts);
  const row = {
    dedupKey: fact.dedupKey,
    kind: fact.kind,
    reason: fact.reason ?? null,
    hardBounce: Boolean(fact.hardBounce),
    feedbackType: fact.feedbackType ?? null,
    counted,
    recipient: fact.recipient ?? null,
    recipientDomain: domainOf(fact.recipient) ?? null,
    sender,
    senderDomain: fact.senderDomain ?? attributing?.senderDomain ?? domainOf(sender) ?? null,
    ip: fact.ip ?? attributing?.ip ?? null,
    originalMessageId: fact.originalMessageId ?? null,
    status: fact.status ?? null,
    diagnosticCode: fact.diagnosticCode ?? null,
    subject: fact.subject ?? null,
    source: fact.source,
    occurredAt: fact.occurredAt,
    details: fact.details ?? null,
  };
  if (counted === 'none') return { row, increments: [], fingerprints: [] };
  const { senderDomain, recipientDomain, ip } = row;
  // Counted complaints are what campaigns are judged on (not opt-outs, not-spam reports).
  const send = fact.originalMessageId ? sends.get(fact.originalMessageId) : undefined;
  const fingerprints = counts.complaints && sender ? fingerprintsOf(fact, send) : [];
  // A block of our IP or content is evidence about the IP and the receiving provider, not about
  // the sender's list: it goes to the ip and recipient_domain rollups only.
  const onSender = counts.blocked === 0;
  const increments: FactRecord['increments'] = [];
  if (sender && onSender) increments.push({ dimension: 'sender', key: sender, counts });
  if (senderDomain && onSender) increments.push({ dimension: 'sender_domain', key: senderDomain, counts });
  if (recipientDomain) increments.push({ dimension: 'recipient_domain', key: recipientDomain, counts });
  if (ip) increments.push({ dimension: 'ip', key: ip, counts });
  increments.push({ dimension: 'relay', key: relayKey, counts });
  return { row, increments, fingerprints };
}
