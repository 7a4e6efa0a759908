// Complaint and bounce facts: stored once each, attributed through the send log when the report
// itself names no sender, and counted into the rollups in the same transaction.
import { and, desc, eq, gte, inArray, lt, or, sql } from 'drizzle-orm';
import { countsOfFact, type CountableFact } from '../reputation/counts';
import { queryRows, type Db } from './client';
import type { Tx } from './events';
import { addToRollups, type RollupIncrement } from './rollups';
import type { ContentFingerprints } from '../analysis/fingerprints';
import { fingerprintKey, type Fingerprint } from '../reputation/campaign-rule';
import { complaintFingerprints, mailFacts, relayKey } from './schema';
import { findSendsByMessageId } from './send-events';

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

const counterOf = (counts: ReturnType<typeof countsOfFact>) =>
  counts.complaints ? 'complaints' : counts.hardBounces ? 'hardBounces' : counts.softBounces ? 'softBounces' : counts.blocked ? 'blocked' : 'none';

const domainOf = (address: string | null | undefined) => {
  const at = address?.lastIndexOf('@') ?? -1;
  return at >= 0 ? address!.slice(at + 1).toLowerCase() : null;
};

const refused = '\\u0000|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]';
const refusedByJsonb = new RegExp(refused);
const refusedByJsonbAll = new RegExp(refused, 'g');

/**
 * Rows as one JSON parameter for `jsonb_to_recordset`. jsonb refuses two things a mail's text can
 * hold: NUL characters (dropped; a text column refuses them too) and lone UTF-16 surrogates, say from
 * a subject cut short (made U+FFFD, as the driver's UTF-8 encoding of a text parameter does).
 */
export function jsonPayload(rows: object[]): string {
  return JSON.stringify(rows, (_key, value: unknown) =>
    typeof value === 'string' && refusedByJsonb.test(value) ? value.replace(refusedByJsonbAll, (found) => (found === '\u0000' ? '' : '\ufffd')) : value,
  );
}

export type FactsOutcome = { stored: number; duplicates: number; senders: string[]; domains: string[]; fingerprinted: number };
export type SendsByMessageId = Awaited<ReturnType<typeof findSendsByMessageId>>;

/**
 * The send-log entries that attribute the facts naming no sender, and that tell from which client
 * a complained-of message was submitted (read before the transaction).
 */
export function sendsForFacts(db: Db, facts: FactInput[]): Promise<SendsByMessageId> {
  const wanted = facts.filter((f) => (!f.sender || f.kind === 'complaint') && f.originalMessageId).map((f) => f.originalMessageId!);
  return findSendsByMessageId(db, [...new Set(wanted)]);
}

/** What a complaint is recognised by across senders: its content's fingerprints and its origin. */
function fingerprintsOf(fact: FactInput, send: { clientAddress: string | null; saslUsername: string | null; fingerprint: string | null } | undefined): Fingerprint[] {
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
  return prints;
}

/** Stores facts once; returns the senders whose counts changed (to re-evaluate them now). */
export async function recordFacts(db: Db, facts: FactInput[]): Promise<FactsOutcome> {
  if (facts.length === 0) return { stored: 0, duplicates: 0, senders: [], domains: [], fingerprinted: 0 };
  const sends = await sendsForFacts(db, facts);
  return db.transaction((tx) => recordFactsIn(tx, facts, sends));
}

/**
 * `recordFacts` inside a transaction the caller holds, so the facts commit together with whatever
 * else the caller writes (mailbox ingestion: the raw message and the folder checkpoint).
 */
export async function recordFactsIn(tx: Tx, facts: FactInput[], sends: SendsByMessageId): Promise<FactsOutcome> {
  if (facts.length === 0) return { stored: 0, duplicates: 0, senders: [], domains: [], fingerprinted: 0 };
  const rows = facts.map((fact) => {
    const send = !fact.sender && fact.originalMessageId ? sends.get(fact.originalMessageId) : undefined;
    const sender = fact.sender ?? send?.sender ?? null;
    return {
      dedupKey: fact.dedupKey,
      kind: fact.kind,
      reason: fact.reason ?? null,
      hardBounce: Boolean(fact.hardBounce),
      feedbackType: fact.feedbackType ?? null,
      counted: counterOf(countsOfFact(fact)),
      recipient: fact.recipient ?? null,
      recipientDomain: domainOf(fact.recipient),
      sender,
      senderDomain: fact.senderDomain ?? send?.senderDomain ?? domainOf(sender),
      ip: fact.ip ?? send?.ip ?? null,
      originalMessageId: fact.originalMessageId ?? null,
      status: fact.status ?? null,
      diagnosticCode: fact.diagnosticCode ?? null,
      subject: fact.subject ?? null,
      source: fact.source,
      occurredAt: fact.occurredAt,
      details: fact.details ?? null,
    };
  });
  // One statement, its rows unpacked server-side: what comes back is what was new; a known dedup
  // key adds nothing.
  const payload = jsonPayload(
    rows.map((row) => ({
      dedup_key: row.dedupKey,
      kind: row.kind,
      reason: row.reason,
      hard_bounce: row.hardBounce,
      feedback_type: row.feedbackType,
      counted: row.counted,
      recipient: row.recipient,
      recipient_domain: row.recipientDomain,
      sender: row.sender,
      sender_domain: row.senderDomain,
      ip: row.ip,
      original_message_id: row.originalMessageId,
      status: row.status,
      diagnostic_code: row.diagnosticCode,
      subject: row.subject,
      source: row.source,
      occurred_at: row.occurredAt.toISOString(),
      details: row.details,
    })),
  );
  const inserted = await queryRows<{ dedup_key: string; id: number | string }>(
    tx as unknown as Db,
    sql`
    insert into mail_facts (dedup_key, kind, reason, hard_bounce, feedback_type, counted, recipient, recipient_domain, sender, sender_domain, ip,
      original_message_id, status, diagnostic_code, subject, source, occurred_at, details)
    select dedup_key, kind, reason, hard_bounce, feedback_type, counted, recipient, recipient_domain, sender, sender_domain, ip,
      original_message_id, status, diagnostic_code, subject, source, occurred_at, details
    from jsonb_to_recordset(${payload}::jsonb) as r(dedup_key text, kind text, reason text, hard_bounce boolean, feedback_type text, counted text,
      recipient text, recipient_domain text, sender text, sender_domain text, ip text, original_message_id text, status text, diagnostic_code text,
      subject text, source text, occurred_at timestamptz, details jsonb)
    on conflict (dedup_key) do nothing
    returning dedup_key, id`,
  );
  const fresh = new Map(inserted.map((row) => [row.dedup_key, Number(row.id)]));
  const printRows: (typeof complaintFingerprints.$inferInsert)[] = [];
  const increments: RollupIncrement[] = [];
  const senders = new Set<string>();
  const domains = new Set<string>();
  let stored = 0;
  const seen = new Set<string>();
  for (const [index, fact] of facts.entries()) {
    const row = rows[index]!;
    // The same key twice in one call is stored (and counted) once.
    if (!fresh.has(row.dedupKey) || seen.has(row.dedupKey)) continue;
    seen.add(row.dedupKey);
    stored++;
    const counts = countsOfFact(fact);
    if (row.counted === 'none') continue;
    const at = fact.occurredAt;
    const { sender, senderDomain, recipientDomain, ip } = row;
    // Counted complaints are what campaigns are judged on (not opt-outs, not-spam reports).
    if (counts.complaints && sender) {
      const send = fact.originalMessageId ? sends.get(fact.originalMessageId) : undefined;
      const factId = fresh.get(row.dedupKey)!;
      const unique = new Map(fingerprintsOf(fact, send).map((print) => [fingerprintKey(print), print]));
      for (const print of unique.values()) printRows.push({ factId, kind: print.kind, value: print.value.slice(0, 500), sender, occurredAt: at });
    }
    // A block of our IP or content is evidence about the IP and the receiving provider, not
    // about the sender's list: it goes to the ip and recipient_domain rollups only.
    const onSender = counts.blocked === 0;
    if (sender && onSender) {
      senders.add(sender);
      increments.push({ dimension: 'sender', key: sender, at, counts });
    }
    if (senderDomain && onSender) {
      domains.add(senderDomain);
      increments.push({ dimension: 'sender_domain', key: senderDomain, at, counts });
    }
    if (recipientDomain) increments.push({ dimension: 'recipient_domain', key: recipientDomain, at, counts });
    if (ip) increments.push({ dimension: 'ip', key: ip, at, counts });
    increments.push({ dimension: 'relay', key: relayKey, at, counts });
  }
  await addToRollups(tx, increments);
  for (let i = 0; i < printRows.length; i += 1000) await tx.insert(complaintFingerprints).values(printRows.slice(i, i + 1000)).onConflictDoNothing();
  return { stored, duplicates: facts.length - stored, senders: [...senders], domains: [...domains], fingerprinted: new Set(printRows.map((r) => r.factId)).size };
}

/**
 * The sending domain named by each sender's latest fact (a sender decided on its complaints and
 * bounces has some): what groups a sender's alert with its domain's.
 */
export async function latestSenderDomains(db: Db, senders: string[]): Promise<Map<string, string>> {
  if (senders.length === 0) return new Map();
  const rows = await queryRows<{ sender: string; sender_domain: string }>(
    db,
    sql`select distinct on (sender) sender, sender_domain from mail_facts
      where sender = any(${sql.param(senders)}::text[]) and sender_domain is not null
      order by sender, occurred_at desc`,
  );
  return new Map(rows.map((row) => [row.sender, row.sender_domain]));
}

export function recentFacts(db: Db, filter: { sender?: string; senderDomain?: string; kinds: FactInput['kind'][]; limit: number }) {
  return db
    .select()
    .from(mailFacts)
    .where(
      and(
        filter.sender ? eq(mailFacts.sender, filter.sender) : undefined,
        filter.senderDomain ? eq(mailFacts.senderDomain, filter.senderDomain) : undefined,
        inArray(mailFacts.kind, filter.kinds),
      ),
    )
    .orderBy(desc(mailFacts.occurredAt), desc(mailFacts.id))
    .limit(filter.limit);
}

/**
 * A page of facts, newest first, for the API: keyset pagination on (occurred_at, id), so a page
 * stays stable while new facts arrive.
 */
export function factsPage(
  db: Db,
  filter: { kinds: FactInput['kind'][]; sender?: string; senderDomain?: string; from?: Date; to?: Date; before?: { at: Date; id: number }; limit: number },
) {
  return db
    .select()
    .from(mailFacts)
    .where(
      and(
        inArray(mailFacts.kind, filter.kinds),
        filter.sender ? eq(mailFacts.sender, filter.sender) : undefined,
        filter.senderDomain ? eq(mailFacts.senderDomain, filter.senderDomain) : undefined,
        filter.from ? gte(mailFacts.occurredAt, filter.from) : undefined,
        filter.to ? lt(mailFacts.occurredAt, filter.to) : undefined,
        filter.before
          ? or(lt(mailFacts.occurredAt, filter.before.at), and(eq(mailFacts.occurredAt, filter.before.at), lt(mailFacts.id, filter.before.id)))
          : undefined,
      ),
    )
    .orderBy(desc(mailFacts.occurredAt), desc(mailFacts.id))
    .limit(filter.limit);
}
