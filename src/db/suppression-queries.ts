// Storage of recipient suppression: entries (versioned for the relay snapshots), the sightings of
// recipients in stored facts, the audit, and the reads and rewrites that keep plain addresses out
// of the stored facts and raw reports naming a suppressed recipient.
import { and, asc, desc, eq, gt, inArray, isNotNull, isNull, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { SuppressionReason, SuppressionScope, SuppressionSource } from '../config/suppression';
import { queryRows, type Db } from './client';
import type { Tx } from './events';
import { ingestedMessages, mailFacts, sendEvents, suppressionAudit, suppressionEntries, suppressionSightings } from './schema';

/** The channel every entry change is announced on, with the latest version as payload. */
export const suppressionChannel = 'warden_suppression';
// Any constant works; it only has to be the same for every instance of Relay Warden.
const suppressionVersionLockKey = 7_780_004;

export type EntryRecord = typeof suppressionEntries.$inferSelect;
export type SightingWrite = typeof suppressionSightings.$inferInsert;
export type AuditWrite = typeof suppressionAudit.$inferInsert;

export interface EntryValues {
  recipientHash: string;
  scope: SuppressionScope;
  scopeId: string;
  reason: SuppressionReason;
  source: SuppressionSource;
  origin: string;
  expiresAt: Date | null;
}

/**
 * Takes versions in commit order (the lock is held until commit), so a snapshot that has read up
 * to version n never later finds a row committed below n; the NOTIFY is delivered at commit.
 */
async function lockVersions(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${suppressionVersionLockKey})`);
}

async function notifyChange(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_notify(${suppressionChannel}, (select last_value from suppression_version)::text)`);
}

/** Runs `work` holding the version lock, and announces the change at commit. */
export function changeEntries<T>(db: Db, work: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await lockVersions(tx);
    const result = await work(tx);
    await notifyChange(tx);
    return result;
  });
}

const listColumns = {
  id: suppressionEntries.id,
  recipientHash: suppressionEntries.recipientHash,
  scope: suppressionEntries.scope,
  scopeId: suppressionEntries.scopeId,
  reason: suppressionEntries.reason,
  expiresAt: suppressionEntries.expiresAt,
  removedAt: suppressionEntries.removedAt,
  version: suppressionEntries.version,
};

/**
 * Entries changed after `since` (removed and forgotten ones too, so a snapshot drops them), oldest
 * change first. From 0, only the entries in force: a snapshot starting empty has nothing to drop.
 */
export function entryChangesSince(db: Db, since: number, limit: number) {
  return db
    .select(listColumns)
    .from(suppressionEntries)
    .where(and(gt(suppressionEntries.version, since), since === 0 ? and(isNull(suppressionEntries.removedAt), isNotNull(suppressionEntries.recipientHash)) : undefined))
    .orderBy(asc(suppressionEntries.version))
    .limit(limit);
}

/** Records sightings; returns the dedup keys that were new (a fact seen before is not acted on again). */
export async function insertSightings(db: Db, rows: SightingWrite[]): Promise<Set<string>> {
  const fresh = new Set<string>();
  for (let i = 0; i < rows.length; i += 1000) {
    const inserted = await db.insert(suppressionSightings).values(rows.slice(i, i + 1000)).onConflictDoNothing().returning({ dedupKey: suppressionSightings.dedupKey });
    for (const row of inserted) fresh.add(row.dedupKey);
  }
  return fresh;
}

/** When each recipient's sightings of a bounce reason occurred since `since`. */
export async function sightingTimes(db: Db, recipientHashes: string[], reason: string, since: Date): Promise<Map<string, Date[]>> {
  const times = new Map<string, Date[]>();
  if (recipientHashes.length === 0) return times;
  const rows = await db
    .select({ recipientHash: suppressionSightings.recipientHash, occurredAt: suppressionSightings.occurredAt })
    .from(suppressionSightings)
    .where(
      and(
        inArray(suppressionSightings.recipientHash, recipientHashes),
        eq(suppressionSightings.kind, 'bounce'),
        eq(suppressionSightings.reason, reason),
        sql`${suppressionSightings.occurredAt} >= ${since.toISOString()}::timestamptz`,
      ),
    );
  for (const row of rows) times.set(row.recipientHash, [...(times.get(row.recipientHash) ?? []), row.occurredAt]);
  return times;
}

/** The sender and sender domain each stored fact was attributed to (by the report or the send log). */
export async function factAttributions(db: Db, dedupKeys: string[]): Promise<Map<string, { sender: string | null; senderDomain: string | null }>> {
  if (dedupKeys.length === 0) return new Map();
  const rows = await db
    .select({ dedupKey: mailFacts.dedupKey, sender: mailFacts.sender, senderDomain: mailFacts.senderDomain })
    .from(mailFacts)
    .where(inArray(mailFacts.dedupKey, dedupKeys));
  return new Map(rows.map((row) => [row.dedupKey, { sender: row.sender, senderDomain: row.senderDomain }]));
}

/** What an entry is unique by (the table's unique index): recipient, scope and scope id, as one map key. */
export const entryKeyOf = (entry: { recipientHash: string | null; scope: SuppressionScope; scopeId: string }) => `${entry.recipientHash}\u001f${entry.scope}\u001f${entry.scopeId}`;

// Rows (or recipients) per statement: a round trip per chunk, not per entry, while the version
// lock is held; 1,000 rows bind about 10,000 parameters, under PostgreSQL's 65,535 per statement,
// which a 32 MB import (some 350,000 rows) would pass at once.
const rowsPerStatement = 1000;

/** The stored entries (in force or not) for these recipient and scope triples, by entryKeyOf. */
export async function entriesAt(db: Db | Tx, keys: { recipientHash: string; scope: SuppressionScope; scopeId: string }[]): Promise<Map<string, EntryRecord>> {
  const hashes = [...new Set(keys.map((key) => key.recipientHash))];
  const wanted = new Set(keys.map(entryKeyOf));
  const stored = new Map<string, EntryRecord>();
  for (let i = 0; i < hashes.length; i += rowsPerStatement) {
    const rows = await db.select().from(suppressionEntries).where(inArray(suppressionEntries.recipientHash, hashes.slice(i, i + rowsPerStatement)));
    for (const row of rows) if (wanted.has(entryKeyOf(row))) stored.set(entryKeyOf(row), row);
  }
  return stored;
}

/** `count` new versions, lowest first; call holding the version lock. */
async function takeVersions(tx: Tx, count: number): Promise<number[]> {
  const rows = await queryRows<{ version: string | number }>(tx, sql`select nextval('suppression_version') as version from generate_series(1, ${count}::int)`);
  return rows.map((row) => Number(row.version)).sort((a, b) => a - b);
}

/**
 * Writes entries (new, or over the same recipient and scope) with new versions; call inside
 * changeEntries. Returns one row per write, parallel to `writes`, as if each were written in turn:
 * the last write of a recipient and scope is what is stored, and an earlier one gets the entry as
 * it left it. Versions increase in the order of the writes; a new entry's id is drawn at its first.
 * One statement may not update a row twice (PostgreSQL: "ON CONFLICT DO UPDATE command cannot
 * affect row a second time"), so each entry is written once, with its last write's values and version.
 */
export async function upsertEntries(tx: Tx, writes: EntryValues[], now: Date): Promise<EntryRecord[]> {
  if (writes.length === 0) return [];
  const versions = await takeVersions(tx, writes.length);
  // A Map keeps each key where it was first set: the last writes, in the order of the first ones.
  const lastWriteAt = new Map(writes.map((write, index) => [entryKeyOf(write), index]));
  const lastWrites = [...lastWriteAt.values()];
  const stored = new Map<string, EntryRecord>();
  for (let i = 0; i < lastWrites.length; i += rowsPerStatement) {
    const rows = await tx
      .insert(suppressionEntries)
      .values(lastWrites.slice(i, i + rowsPerStatement).map((index) => ({ ...writes[index]!, createdAt: now, updatedAt: now, removedAt: null, version: versions[index]! })))
      .onConflictDoUpdate({
        target: [suppressionEntries.recipientHash, suppressionEntries.scope, suppressionEntries.scopeId],
        set: { reason: sql`excluded.reason`, source: sql`excluded.source`, origin: sql`excluded.origin`, expiresAt: sql`excluded.expires_at`, updatedAt: now, removedAt: null, version: sql`excluded.version` },
      })
      .returning();
    for (const row of rows) stored.set(entryKeyOf(row), row);
  }
  return writes.map((write, index) => ({ ...stored.get(entryKeyOf(write))!, reason: write.reason, source: write.source, origin: write.origin, expiresAt: write.expiresAt, version: versions[index]! }));
}

export async function insertAudit(db: Db | Tx, rows: AuditWrite[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) await db.insert(suppressionAudit).values(rows.slice(i, i + 1000));
}

export async function getEntry(db: Db, id: number): Promise<EntryRecord | undefined> {
  const [row] = await db.select().from(suppressionEntries).where(eq(suppressionEntries.id, id));
  return row;
}

/** Marks an entry removed (with a new version, so the snapshots drop it); call inside changeEntries. */
export async function markRemoved(tx: Tx, id: number, now: Date): Promise<EntryRecord | undefined> {
  const [row] = await tx
    .update(suppressionEntries)
    .set({ removedAt: now, updatedAt: now, version: sql`nextval('suppression_version')` })
    .where(and(eq(suppressionEntries.id, id), isNull(suppressionEntries.removedAt)))
    .returning();
  return row;
}

/** Entries in force at `now`: neither removed, forgotten (no hash) nor expired. */
const inForceAt = (now: Date) =>
  and(
    isNull(suppressionEntries.removedAt),
    isNotNull(suppressionEntries.recipientHash),
    sql`(${suppressionEntries.expiresAt} is null or ${suppressionEntries.expiresAt} > ${now.toISOString()}::timestamptz)`,
  );

/** Which of these recipients have an entry in force (any scope). */
export async function recipientsInForce(db: Db, recipientHashes: string[], now: Date): Promise<Set<string>> {
  if (recipientHashes.length === 0) return new Set();
  const rows = await db
    .selectDistinct({ recipientHash: suppressionEntries.recipientHash })
    .from(suppressionEntries)
    .where(and(inArray(suppressionEntries.recipientHash, recipientHashes), inForceAt(now)));
  return new Set(rows.map((row) => row.recipientHash!));
}

export function entriesOfRecipient(db: Db, recipientHash: string) {
  return db.select().from(suppressionEntries).where(eq(suppressionEntries.recipientHash, recipientHash)).orderBy(desc(suppressionEntries.updatedAt), desc(suppressionEntries.id));
}

export function auditOfRecipient(db: Db, recipientHash: string, limit: number) {
  return db.select().from(suppressionAudit).where(eq(suppressionAudit.recipientHash, recipientHash)).orderBy(desc(suppressionAudit.at), desc(suppressionAudit.id)).limit(limit);
}

export function recentAudit(db: Db, limit: number) {
  return db.select().from(suppressionAudit).orderBy(desc(suppressionAudit.at), desc(suppressionAudit.id)).limit(limit);
}

/** Entries in force by reason and source. */
export async function countsByReasonAndSource(db: Db, now: Date) {
  const { reason, source } = suppressionEntries;
  const rows = await db.select({ reason, source, count: sql<string | number>`count(*)` }).from(suppressionEntries).where(inForceAt(now)).groupBy(reason, source).orderBy(reason, source);
  return rows.map((row) => ({ reason: row.reason, source: row.source, count: Number(row.count) }));
}

/** A page of entries in force, by id (export, listing). */
export function entriesInForce(db: Db, now: Date, afterId: number, limit: number, reason?: SuppressionReason) {
  return db
    .select()
    .from(suppressionEntries)
    .where(
and(gt(suppressionEntries.id, afterId), inForceAt(now), reason ? eq(suppressionEntries.reason, reason) : undefined),
    )
    .orderBy(asc(suppressionEntries.id))
    .limit(limit);
}

/** The text fields of a stored fact that may name its recipient. */
export interface FactText {
  id: number;
  recipient: string | null;
  diagnosticCode: string | null;
  subject: string | null;
  details: Record<string, unknown> | null;
}

const factTextColumns = { id: mailFacts.id, recipient: mailFacts.recipient, diagnosticCode: mailFacts.diagnosticCode, subject: mailFacts.subject, details: mailFacts.details };

/**
 * The stored facts of the reports these recipients were sighted in: each recipient's own fact, and
 * the facts of the other recipients the same report named (their details may quote the report's
 * To header, which names every recipient). `sightedHash` is the recipient looked for, `ownHash` the
 * recipient the fact itself names.
 */
export function factsOfReportsSighting(db: Db, recipientHashes: string[]): Promise<(FactText & { sightedHash: string; ownHash: string })[]> {
  if (recipientHashes.length === 0) return Promise.resolve([]);
  const sighted = alias(suppressionSightings, 'sighted');
  return db
    .selectDistinct({ ...factTextColumns, sightedHash: sighted.recipientHash, ownHash: suppressionSightings.recipientHash })
    .from(sighted)
    .innerJoin(
      suppressionSightings,
      or(eq(suppressionSightings.dedupKey, sighted.dedupKey), and(isNotNull(sighted.contentHash), eq(suppressionSightings.contentHash, sighted.contentHash))),
    )
    .innerJoin(mailFacts, eq(mailFacts.dedupKey, suppressionSightings.dedupKey))
    .where(inArray(sighted.recipientHash, recipientHashes));
}

/** Every stored fact that names one of these values in a text field (a full scan: for erasure only). */
export function factsMentioning(db: Db, values: string[]): Promise<FactText[]> {
  if (values.length === 0) return Promise.resolve([]);
  const text = sql`lower(concat_ws(' ', ${mailFacts.recipient}, ${mailFacts.diagnosticCode}, ${mailFacts.subject}, ${mailFacts.details}::text))`;
  return db
    .select(factTextColumns)
    .from(mailFacts)
    .where(sql`exists (select 1 from unnest(array[${sql.join(values.map((value) => sql`${value.toLowerCase()}`), sql`, `)}]::text[]) as value where strpos(${text}, value) > 0)`);
}

/** Writes the text fields of stored facts back, 1,000 facts a statement (the last given of one fact wins). */
export async function rewriteFacts(db: Db | Tx, rows: FactText[]): Promise<void> {
  const byId = [...new Map(rows.map((row) => [row.id, row])).values()];
  for (let i = 0; i < byId.length; i += rowsPerStatement) {
    const values = byId
      .slice(i, i + rowsPerStatement)
      .map((row) => sql`(${row.id}::bigint, ${row.recipient}::text, ${row.diagnosticCode}::text, ${row.subject}::text, ${row.details === null ? null : JSON.stringify(row.details)}::text::jsonb)`);
    await db.execute(sql`
      update ${mailFacts} set recipient = given.recipient, diagnostic_code = given.diagnostic_code, subject = given.subject, details = given.details
      from (values ${sql.join(values, sql`, `)}) as given (id, recipient, diagnostic_code, subject, details)
      where ${mailFacts.id} = given.id`);
  }
}

/** The ingested messages (with raw bytes kept) these recipients were sighted in: one row per message and recipient. */
export function messagesSightingRecipients(db: Db, recipientHashes: string[]) {
  const sighted = db
    .selectDistinct({ recipientHash: suppressionSightings.recipientHash, contentHash: suppressionSightings.contentHash })
    .from(suppressionSightings)
    .where(and(inArray(suppressionSightings.recipientHash, recipientHashes), isNotNull(suppressionSightings.contentHash)))
    .as('sighted');
  return db
    .select({ id: ingestedMessages.id, rawGzip: ingestedMessages.rawGzip, recipientHash: sighted.recipientHash })
    .from(ingestedMessages)
    .innerJoin(sighted, eq(ingestedMessages.contentHash, sighted.contentHash))
    .where(isNotNull(ingestedMessages.rawGzip));
}

/** A page of ingested messages with raw bytes kept, by id (erasure scans them all). */
export function rawMessagesPage(db: Db, afterId: number, limit: number) {
  return db
    .select({ id: ingestedMessages.id, rawGzip: ingestedMessages.rawGzip })
    .from(ingestedMessages)
    .where(and(gt(ingestedMessages.id, afterId), isNotNull(ingestedMessages.rawGzip)))
    .orderBy(asc(ingestedMessages.id))
    .limit(limit);
}

export async function rewriteRawMessage(db: Db | Tx, id: number, rawGzip: Buffer): Promise<void> {
  await db.update(ingestedMessages).set({ rawGzip }).where(eq(ingestedMessages.id, id));
}

/**
 * Erases a recipient's entries, sightings and audit hashes (call inside changeEntries): entries
 * lose their hash and are marked removed (a new version, so every snapshot drops them); audit
 * rows keep what was done, not to whom. Returns how many of each.
 */
export async function eraseRecipient(tx: Tx, recipientHash: string, replace: (text: string) => string, now: Date) {
  const entries = await tx
    .update(suppressionEntries)
    .set({ recipientHash: null, removedAt: sql`coalesce(${suppressionEntries.removedAt}, ${now.toISOString()}::timestamptz)`, updatedAt: now, version: sql`nextval('suppression_version')` })
    .where(eq(suppressionEntries.recipientHash, recipientHash))
    .returning({ id: suppressionEntries.id });
  const sightings = await tx.delete(suppressionSightings).where(eq(suppressionSightings.recipientHash, recipientHash)).returning({ key: suppressionSightings.dedupKey });
  const audit = await tx.select({ id: suppressionAudit.id, note: suppressionAudit.note }).from(suppressionAudit).where(eq(suppressionAudit.recipientHash, recipientHash));
  for (const row of audit) await tx.update(suppressionAudit).set({ recipientHash: null, note: replace(row.note) }).where(eq(suppressionAudit.id, row.id));
  return { entries: entries.length, sightings: sightings.length, auditRows: audit.length };
}

/**
 * Send events whose recipient key is one of these values get a key that names nobody (unique per
 * row, as (message, recipient key) is unique). A full scan: for erasure only.
 */
export async function eraseSendEventRecipients(db: Db | Tx, recipientKeys: string[]): Promise<number> {
  if (recipientKeys.length === 0) return 0;
  const rows = await db
    .update(sendEvents)
    .set({ recipientKey: sql`'[forgotten:' || ${sendEvents.id} || ']'` })
    .where(inArray(sql`lower(${sendEvents.recipientKey})`, recipientKeys.map((key) => key.toLowerCase())))
    .returning({ id: sendEvents.id });
  return rows.length;
}

/**
 * Complaints and bounces naming a recipient stored since `since` and never sighted: what a failed
 * suppression step left (the facts were committed, the step after them was not), or what was
 * stored before suppression was turned on.
 */
export function unsightedFacts(db: Db, since: Date, limit: number) {
  return db
    .select({
      dedupKey: mailFacts.dedupKey,
      kind: mailFacts.kind,
      recipient: mailFacts.recipient,
      reason: mailFacts.reason,
      hardBounce: mailFacts.hardBounce,
      feedbackType: mailFacts.feedbackType,
      source: mailFacts.source,
      occurredAt: mailFacts.occurredAt,
    })
    .from(mailFacts)
    .where(
      and(
        inArray(mailFacts.kind, ['complaint', 'bounce']),
        sql`${mailFacts.occurredAt} >= ${since.toISOString()}::timestamptz`,
        sql`${mailFacts.recipient} like '%@%'`,
        sql`not exists (select 1 from ${suppressionSightings} where ${suppressionSightings.dedupKey} = ${mailFacts.dedupKey})`,
      ),
    )
    .orderBy(asc(mailFacts.occurredAt))
    .limit(limit);
}

/** Deletes entries removed, or expired, before `before` (the snapshots dropped or skip them already). */
export async function pruneEntries(db: Db, before: Date): Promise<number> {
  const rows = await db
    .delete(suppressionEntries)
    .where(sql`${suppressionEntries.removedAt} < ${before.toISOString()}::timestamptz or ${suppressionEntries.expiresAt} < ${before.toISOString()}::timestamptz`)
    .returning({ id: suppressionEntries.id });
  return rows.length;
}
