// Complaint and bounce facts: each stored once (its dedup key), and what a new one adds counted into
// the rollups and its campaign fingerprints stored, in the same transaction. What a fact adds is
// decided before (enforcement/fact-records.ts); storage only applies it to the facts that are new.
import { and, desc, eq, gte, inArray, lt, or, sql } from 'drizzle-orm';
import { queryRows, type Db } from './client';
import type { Tx } from './events';
import { addToRollups, rollupDimensionOf, type RollupIncrement } from './rollups';
import { complaintFingerprints, mailFacts, type FingerprintKind, type RollupCounts, type RollupDimension } from './schema';

export type FactRow = Omit<typeof mailFacts.$inferInsert, 'id' | 'storedAt'>;
export type FactKind = FactRow['kind'];

/** A fact ready to store: its row, the rollup counts it adds and where, its campaign fingerprints. */
export interface FactRecord {
  row: FactRow & { occurredAt: Date };
  /** Counted into these rollup keys at `row.occurredAt` when the fact is new (none for an uncounted fact). */
  increments: { dimension: RollupDimension; key: string; counts: Partial<RollupCounts> }[];
  /** Stored when the fact is new: what a counted complaint is recognised by across senders. */
  fingerprints: { kind: FingerprintKind; value: string }[];
}

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

/** Stores facts in one transaction; returns the senders and domains whose counts changed (to re-evaluate them now). */
export async function storeFacts(db: Db, records: FactRecord[]): Promise<FactsOutcome> {
  if (records.length === 0) return { stored: 0, duplicates: 0, senders: [], domains: [], fingerprinted: 0 };
  return db.transaction((tx) => storeFactsIn(tx, records));
}

/**
 * `storeFacts` inside a transaction the caller holds, so the facts commit together with whatever
 * else the caller writes (mailbox ingestion: the raw message and the folder checkpoint).
 */
export async function storeFactsIn(tx: Tx, records: FactRecord[]): Promise<FactsOutcome> {
  if (records.length === 0) return { stored: 0, duplicates: 0, senders: [], domains: [], fingerprinted: 0 };
  const fresh = await insertNewFacts(tx, records.map((record) => record.row));
  const printRows: (typeof complaintFingerprints.$inferInsert)[] = [];
  const increments: RollupIncrement[] = [];
  const senders = new Set<string>();
  const domains = new Set<string>();
  let stored = 0;
  const seen = new Set<string>();
  for (const { row, increments: adds, fingerprints } of records) {
    // The same key twice in one call is stored (and counted) once.
    if (!fresh.has(row.dedupKey) || seen.has(row.dedupKey)) continue;
    seen.add(row.dedupKey);
    stored++;
    const factId = fresh.get(row.dedupKey)!;
    for (const print of fingerprints) printRows.push({ factId, kind: print.kind, value: print.value.slice(0, 500), sender: row.sender!, occurredAt: row.occurredAt });
    for (const add of adds) {
      if (add.dimension === rollupDimensionOf('sender')) senders.add(add.key);
      if (add.dimension === rollupDimensionOf('domain')) domains.add(add.key);
      increments.push({ ...add, at: row.occurredAt });
    }
  }
  await addToRollups(tx, increments);
  for (let i = 0; i < printRows.length; i += 1000) await tx.insert(complaintFingerprints).values(printRows.slice(i, i + 1000)).onConflictDoNothing();
  return { stored, duplicates: records.length - stored, senders: [...senders], domains: [...domains], fingerprinted: new Set(printRows.map((r) => r.factId)).size };
}

/**
 * Inserts the rows in one statement, unpacked server-side; returns the id of each new one by dedup
 * key (a known dedup key adds nothing).
 */
async function insertNewFacts(tx: Tx, rows: FactRecord['row'][]): Promise<Map<string, number>> {
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
  return new Map(inserted.map((row) => [row.dedup_key, Number(row.id)]));
}

/**
 * The sender domain named by each sender's latest fact (a sender decided on its complaints and
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

export function recentFacts(db: Db, filter: { sender?: string; senderDomain?: string; kinds: FactKind[]; limit: number }) {
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
  filter: { kinds: FactKind[]; sender?: string; senderDomain?: string; from?: Date; to?: Date; before?: { at: Date; id: number }; limit: number },
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
