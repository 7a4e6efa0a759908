// Storage of mailbox ingestion: one transaction per batch claims the messages, stores their facts
// and quarantine rows and moves the checkpoint, so a crash leaves either all of it or none.
import { and, asc, desc, eq, gt, gte, isNotNull, lt, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { queryRows, type Db } from './client';
import { jsonPayload, storeFactsIn, type FactRecord } from './facts';
import { ingestCheckpoints, ingestedMessages, ingestRuns, quarantine } from './schema';

export interface Checkpoint {
  uidValidity: bigint;
  lastUid: number;
}

/** A fetched message as stored: where it was found, its content, and its facts or quarantine reason. */
export interface MessageToStore {
  message: { messageKey: string; source: string; folder: string; uidValidity: bigint | null; uid: number | null; size: number };
  /** Recognises the message wherever it is found again. */
  contentHash: string;
  rawGzip: Buffer;
  headersOnly: boolean;
  /** Facts ready for storage; empty when quarantined. */
  facts: FactRecord[];
  quarantine: { code: string; reason: string } | null;
}

export interface BatchOutcome {
  /** Messages new to the store (stored or quarantined). */
  claimed: number;
  /** Messages already stored (same place, or same content elsewhere). */
  duplicates: number;
  quarantined: number;
  facts: number;
  senders: string[];
  domains: string[];
  /** Complaints stored with campaign fingerprints. */
  fingerprinted: number;
}

export async function readCheckpoint(db: Db, source: string, folder: string): Promise<Checkpoint | null> {
  const [row] = await db
    .select({ uidValidity: ingestCheckpoints.uidValidity, lastUid: ingestCheckpoints.lastUid })
    .from(ingestCheckpoints)
    .where(and(eq(ingestCheckpoints.source, source), eq(ingestCheckpoints.folder, folder)));
  return row ?? null;
}

/**
 * Stores a batch: inserts a row per message (a message already known by place or content is a
 * duplicate and adds nothing), the facts of the new ones, quarantine rows, and the checkpoint.
 */
export async function storeBatch(
  db: Db,
  batch: MessageToStore[],
  checkpoint: { source: string; folder: string; uidValidity: bigint; lastUid: number } | null,
  now: Date,
): Promise<BatchOutcome> {
  return db.transaction(async (tx) => {
    const outcome: BatchOutcome = { claimed: 0, duplicates: 0, quarantined: 0, facts: 0, senders: [], domains: [], fingerprinted: 0 };
    const claimed = new Map<string, number>();
    // One statement per batch (or per 32 MB of compressed bytes, so that a batch of large
    // messages stays far below PostgreSQL's 1 GB and V8's string limits), its rows unpacked
    // server-side: a VALUES list of a dozen columns per message cost more to build than the
    // analysis. The raw bytes travel as base64.
    for (const part of partsOfAtMost(batch, 32 * 1024 * 1024)) {
      const payload = jsonPayload(
        part.map((item) => ({
          message_key: item.message.messageKey,
          content_hash: item.contentHash,
          source: item.message.source,
          folder: item.message.folder,
          uid_validity: item.message.uidValidity === null ? null : String(item.message.uidValidity),
          uid: item.message.uid,
          size: item.message.size,
          outcome: item.quarantine ? 'quarantined' : 'stored',
          facts: item.facts.length,
          raw_gzip: item.rawGzip.toString('base64'),
          headers_only: item.headersOnly,
        })),
      );
      const rows = await queryRows<{ id: number | string; message_key: string }>(
        tx as unknown as Db,
        sql`
        insert into ingested_messages (message_key, content_hash, source, folder, uid_validity, uid, size, outcome, facts, raw_gzip, headers_only, ingested_at)
        select message_key, content_hash, source, folder, uid_validity, uid, size, outcome, facts, decode(raw_gzip, 'base64'), headers_only, ${now.toISOString()}::timestamptz
        from jsonb_to_recordset(${payload}::jsonb) as r(message_key text, content_hash text, source text, folder text, uid_validity bigint, uid bigint,
          size integer, outcome text, facts integer, raw_gzip text, headers_only boolean)
        -- Either key already present means this message was taken in before.
        on conflict do nothing
        returning id, message_key`,
      );
      for (const row of rows) claimed.set(row.message_key, Number(row.id));
    }
    const fresh = batch.filter((item) => claimed.has(item.message.messageKey));
    outcome.claimed = fresh.length;
    outcome.duplicates = batch.length - fresh.length;
    const quarantineRows = fresh
      .filter((item) => item.quarantine)
      .map((item) => ({ messageId: claimed.get(item.message.messageKey)!, reasonCode: item.quarantine!.code, reason: item.quarantine!.reason, quarantinedAt: now }));
    if (quarantineRows.length > 0) await tx.insert(quarantine).values(quarantineRows);
    outcome.quarantined = quarantineRows.length;
    const facts = await storeFactsIn(tx, fresh.flatMap((item) => item.facts));
    outcome.facts = facts.stored;
    outcome.senders = facts.senders;
    outcome.domains = facts.domains;
    outcome.fingerprinted = facts.fingerprinted;
    if (checkpoint) {
      const values = { ...checkpoint, updatedAt: now };
      await tx
        .insert(ingestCheckpoints)
        .values(values)
        .onConflictDoUpdate({ target: [ingestCheckpoints.source, ingestCheckpoints.folder], set: { uidValidity: values.uidValidity, lastUid: values.lastUid, updatedAt: now } });
    }
    return outcome;
  });
}

/** Consecutive parts of the batch whose compressed bytes add up to at most `bytes` (or one message). */
function partsOfAtMost(batch: MessageToStore[], bytes: number): MessageToStore[][] {
  const parts: MessageToStore[][] = [];
  let size = Number.POSITIVE_INFINITY;
  for (const item of batch) {
    if (size + item.rawGzip.length > bytes) {
      parts.push([]);
      size = 0;
    }
    parts.at(-1)!.push(item);
    size += item.rawGzip.length;
  }
  return parts;
}

/** The message keys already stored for a source (local stores skip those files unread). */
export async function knownMessageKeys(db: Db, source: string): Promise<Set<string>> {
  const rows = await db.select({ key: ingestedMessages.messageKey }).from(ingestedMessages).where(eq(ingestedMessages.source, source));
  return new Set(rows.map((row) => row.key));
}

/** Drops the raw bytes of stored messages older than the retention; quarantined ones keep theirs. */
export async function pruneRawMessages(db: Db, before: Date): Promise<number> {
  const rows = await db
    .update(ingestedMessages)
    .set({ rawGzip: null })
    .where(and(lt(ingestedMessages.ingestedAt, before), eq(ingestedMessages.outcome, 'stored'), isNotNull(ingestedMessages.rawGzip)))
    .returning({ id: ingestedMessages.id });
  return rows.length;
}

export type IngestRunWrite = typeof ingestRuns.$inferInsert;

export async function insertIngestRun(db: Db, run: IngestRunWrite): Promise<number> {
  const [row] = await db.insert(ingestRuns).values(run).returning({ id: ingestRuns.id });
  return row!.id;
}

/** How the latest recorded run of a source ended, if it ever ran. */
export async function latestIngestOutcome(db: Db, source: string): Promise<'succeeded' | 'failed' | undefined> {
  const [row] = await db
    .select({ outcome: ingestRuns.outcome })
    .from(ingestRuns)
    .where(eq(ingestRuns.source, source))
    .orderBy(desc(ingestRuns.startedAt), desc(ingestRuns.id))
    .limit(1);
  return row?.outcome;
}

/** Deletes run records started before `before` (the messages, facts and checkpoints stay). */
export async function pruneIngestRuns(db: Db, before: Date): Promise<number> {
  const rows = await db.delete(ingestRuns).where(lt(ingestRuns.startedAt, before)).returning({ id: ingestRuns.id });
  return rows.length;
}

export function recentIngestRuns(db: Db, limit: number) {
  return db.select().from(ingestRuns).orderBy(desc(ingestRuns.id)).limit(limit);
}

const quarantineColumns = {
  id: quarantine.id,
  messageId: quarantine.messageId,
  reasonCode: quarantine.reasonCode,
  reason: quarantine.reason,
  status: quarantine.status,
  retries: quarantine.retries,
  quarantinedAt: quarantine.quarantinedAt,
  resolvedAt: quarantine.resolvedAt,
  source: ingestedMessages.source,
  folder: ingestedMessages.folder,
  uid: ingestedMessages.uid,
  size: ingestedMessages.size,
  headersOnly: ingestedMessages.headersOnly,
};

export function listQuarantine(db: Db, filter: { status?: 'open' | 'resolved'; afterId?: number; limit: number }) {
  return db
    .select(quarantineColumns)
    .from(quarantine)
    .innerJoin(ingestedMessages, eq(ingestedMessages.id, quarantine.messageId))
    .where(and(filter.status ? eq(quarantine.status, filter.status) : undefined, filter.afterId ? gt(quarantine.id, filter.afterId) : undefined))
    .orderBy(asc(quarantine.id))
    .limit(filter.limit);
}

export async function getQuarantined(db: Db, id: number) {
  const [row] = await db
    .select({ ...quarantineColumns, contentHash: ingestedMessages.contentHash, rawGzip: ingestedMessages.rawGzip })
    .from(quarantine)
    .innerJoin(ingestedMessages, eq(ingestedMessages.id, quarantine.messageId))
    .where(eq(quarantine.id, id));
  return row ?? null;
}

export function countOpenQuarantine(db: Db) {
  return db.$count(quarantine, eq(quarantine.status, 'open'));
}

/** A retried entry: resolved with its facts stored, or still open with the new reason. */
export async function settleQuarantined(
  db: Db,
  entry: { id: number; messageId: number },
  prepared: Pick<MessageToStore, 'facts' | 'quarantine'>,
  now: Date,
): Promise<{ resolved: boolean; facts: number; senders: string[]; domains: string[]; fingerprinted: number }> {
  return db.transaction(async (tx) => {
    if (prepared.quarantine) {
      await tx
        .update(quarantine)
        .set({ reasonCode: prepared.quarantine.code, reason: prepared.quarantine.reason, retries: sql`${quarantine.retries} + 1` })
        .where(eq(quarantine.id, entry.id));
      return { resolved: false, facts: 0, senders: [], domains: [], fingerprinted: 0 };
    }
    const facts = await storeFactsIn(tx, prepared.facts);
    await tx.update(quarantine).set({ status: 'resolved', resolvedAt: now, retries: sql`${quarantine.retries} + 1` }).where(eq(quarantine.id, entry.id));
    await tx.update(ingestedMessages).set({ outcome: 'stored', facts: prepared.facts.length }).where(eq(ingestedMessages.id, entry.messageId));
    return { resolved: true, facts: facts.stored, senders: facts.senders, domains: facts.domains, fingerprinted: facts.fingerprinted };
  });
}


/** Per source (IMAP account or local store): its latest run, and the totals of its runs since `since`. */
export async function ingestSourceSummaries(db: Db, since: Date) {
  const total = (column: AnyPgColumn) => sql<number>`coalesce(sum(${column}), 0)::int`;
  const [latest, totals] = await Promise.all([
    db.selectDistinctOn([ingestRuns.source]).from(ingestRuns).orderBy(ingestRuns.source, desc(ingestRuns.startedAt), desc(ingestRuns.id)),
    db
      .select({
        source: ingestRuns.source,
        runs: sql<number>`count(*)::int`,
        failed: sql<number>`count(*) filter (where ${ingestRuns.outcome} = 'failed')::int`,
        fetched: total(ingestRuns.fetched),
        stored: total(ingestRuns.stored),
        duplicates: total(ingestRuns.duplicates),
        quarantined: total(ingestRuns.quarantined),
        errors: total(ingestRuns.errors),
      })
      .from(ingestRuns)
      .where(gte(ingestRuns.startedAt, since))
      .groupBy(ingestRuns.source),
  ]);
  const totalsBySource = new Map(totals.map((row) => [row.source, row]));
  return latest.map((run) => {
    const { source: _source, ...counts } = totalsBySource.get(run.source) ?? { source: run.source, runs: 0, failed: 0, fetched: 0, stored: 0, duplicates: 0, quarantined: 0, errors: 0 };
    return { source: run.source, latest: run, since: Object.fromEntries(Object.entries(counts).map(([name, value]) => [name, Number(value)])) as typeof counts };
  });
}
