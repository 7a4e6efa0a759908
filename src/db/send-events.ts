// The relay's send log: stored once per (message, recipient), counted into the rollups.
import { inArray, lt, sql } from 'drizzle-orm';
import { databaseRefusedStatement, inCopyTransaction, queryRows, type Db } from './client';
import { addToRollups, startOfHour, subjectDimensions, type RollupIncrement } from './rollups';
import { relayKey, sendEvents, type RollupDimension } from './schema';

export interface SendEventInput {
  messageId: string;
  recipientKey: string;
  sender: string;
  senderDomain: string;
  recipientDomain: string;
  ip: string;
  at: Date;
  outcome?: 'delivered' | 'deferred' | 'bounced';
  clientAddress?: string;
  saslUsername?: string;
  /** The relay's content fingerprint (a template hash); counted per value for campaign evidence. */
  fingerprint?: string;
}

const rowsPerStatement = 5000;

export interface StoredSendEvents {
  stored: number;
  duplicates: number;
  senders: string[];
}

/**
 * Stores events and counts the new ones into the rollups: a retried request stores and counts
 * nothing twice. Returns how many were new and how many were already known. On PostgreSQL the
 * events go in by COPY with their rollups in the same transaction; should that be refused (an
 * event already stored, or a value PostgreSQL does not take), the statement path below sorts the
 * new from the known and names the refused value.
 */
export async function storeSendEvents(db: Db, events: SendEventInput[]): Promise<StoredSendEvents> {
  if (events.length === 0) return { stored: 0, duplicates: 0, senders: [] };
  try {
    const copied = copySendEvents(db, events);
    if (copied) return await copied;
  } catch (error) {
    if (!databaseRefusedStatement(error)) throw error;
  }
  return storeByStatements(db, events);
}

/** One statement per 5,000 events (one transaction around them when there are more). */
async function storeByStatements(db: Db, events: SendEventInput[]): Promise<StoredSendEvents> {
  if (events.length <= rowsPerStatement) {
    const { stored, senders } = await storeAndCount(db, events);
    return { stored, duplicates: events.length - stored, senders };
  }
  return db.transaction(async (tx) => {
    let stored = 0;
    const senders = new Set<string>();
    for (let i = 0; i < events.length; i += rowsPerStatement) {
      const chunk = await storeAndCount(tx as unknown as Db, events.slice(i, i + rowsPerStatement));
      stored += chunk.stored;
      for (const sender of chunk.senders) senders.add(sender);
    }
    return { stored, duplicates: events.length - stored, senders: [...senders] };
  });
}

/**
 * The events in, and the new ones counted, in PostgreSQL: the rows travel as one array parameter
 * per column (zipped by unnest), and only two numbers and the senders come back. The rollup
 * increments are the ones addToRollups (rollups.ts) makes for a sent message, upserted in the same
 * order as it does (change marks, then hourly rows, then daily rows, each in byte order of
 * dimension and key), so concurrent writers of either kind wait for each other instead of
 * deadlocking. A data-modifying CTE runs when its output is read: each step reads a count of the
 * previous one's rows to run after it.
 */
async function storeAndCount(db: Db, events: SendEventInput[]): Promise<{ stored: number; senders: string[] }> {
  const column = <T>(value: (event: SendEventInput) => T) => sql.param(events.map(value));
  const [row] = await queryRows<{ stored: number; senders: string[] | null }>(
    db,
    sql`
    with fresh as (
      insert into send_events (message_id, recipient_key, sender, sender_domain, recipient_domain, ip, at, outcome, client_address, sasl_username, fingerprint)
      select * from unnest(${column((e) => e.messageId)}::text[], ${column((e) => e.recipientKey)}::text[], ${column((e) => e.sender)}::text[],
        ${column((e) => e.senderDomain)}::text[], ${column((e) => e.recipientDomain)}::text[], ${column((e) => e.ip)}::text[],
        ${column((e) => e.at.toISOString())}::text[]::timestamptz[], ${column((e) => e.outcome ?? null)}::text[],
        ${column((e) => e.clientAddress ?? null)}::text[], ${column((e) => e.saslUsername ?? null)}::text[], ${column((e) => e.fingerprint ?? null)}::text[])
      on conflict (message_id, recipient_key) do nothing
      returning sender, sender_domain, recipient_domain, ip, at, outcome, fingerprint
    ),
    increments as (
      select d.dimension, d.key, fresh.at, (fresh.outcome is not distinct from 'delivered')::int as delivered
      from fresh cross join lateral (values ('sender', fresh.sender), ('sender_domain', fresh.sender_domain),
        ('recipient_domain', fresh.recipient_domain), ('ip', fresh.ip), ('fingerprint', fresh.fingerprint),
        ('relay', ${relayKey}::text)) as d (dimension, key)
      where d.key is not null
    ),
    marks as (
      insert into rollup_changes (dimension, key)
      select dimension, key from increments where dimension = any(${sql.param([...subjectDimensions])}::text[])
      group by dimension, key order by dimension collate "C", key collate "C"
      on conflict (dimension, key) do update set seq = excluded.seq
      returning 1
    ),
    ${rollupUpsert('hourly', 'hourly_rollups', 'hour', 'marks')},
    ${rollupUpsert('daily', 'daily_rollups', 'day', 'hourly')}
    select (select count(*) from fresh)::int as stored, (select array_agg(distinct sender) from fresh) as senders
    where (select count(*) from daily) >= 0`,
  );
  return { stored: Number(row?.stored ?? 0), senders: row?.senders ?? [] };
}

/** The CTE `name` adding the increments to one rollup table, run after the CTE `after`. */
function rollupUpsert(name: string, table: 'hourly_rollups' | 'daily_rollups', bucket: 'hour' | 'day', after: string) {
  return sql.raw(`${name} as (
      insert into ${table} (dimension, key, ${bucket}, sent, delivered, complaints, hard_bounces, soft_bounces, blocked)
      select dimension, key, date_trunc('${bucket}', at, 'UTC') as ${bucket}, count(*), sum(delivered), 0, 0, 0, 0
      from increments where (select count(*) from ${after}) >= 0
      group by 1, 2, 3 order by dimension collate "C", key collate "C", ${bucket}
      on conflict (dimension, key, ${bucket}) do update set sent = ${table}.sent + excluded.sent, delivered = ${table}.delivered + excluded.delivered
      returning 1
    )`);
}

const copyColumns = ['message_id', 'recipient_key', 'sender', 'sender_domain', 'recipient_domain', 'ip', 'at', 'outcome', 'client_address', 'sasl_username', 'fingerprint'];
const copyEscapes: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
/** A field in COPY's text format (PostgreSQL docs, COPY, "Text Format"): `\N` is null. */
const copyField = (value: string | undefined | null) =>
  value == null ? '\\N' : /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => copyEscapes[c]!) : value;

/**
 * The events by COPY (no per-row statement to plan, no arrays to build), and their rollups
 * summed here: one increment per dimension, key and hour, whatever the number of events. COPY
 * has no ON CONFLICT, so one event stored before refuses the batch (and the caller stores it by
 * statements). Undefined on PGlite.
 */
function copySendEvents(db: Db, events: SendEventInput[]): Promise<StoredSendEvents> | undefined {
  let rows = '';
  for (const e of events) {
    rows += `${copyField(e.messageId)}\t${copyField(e.recipientKey)}\t${copyField(e.sender)}\t${copyField(e.senderDomain)}\t${copyField(e.recipientDomain)}\t` +
      `${copyField(e.ip)}\t${e.at.toISOString()}\t${copyField(e.outcome)}\t${copyField(e.clientAddress)}\t${copyField(e.saslUsername)}\t${copyField(e.fingerprint)}\n`;
  }
  return inCopyTransaction(db, async (tx) => {
    await tx.copyIn('send_events', copyColumns, rows);
    await addToRollups(tx.db, sentIncrements(events));
    return { stored: events.length, duplicates: 0, senders: [...new Set(events.map((e) => e.sender))] };
  });
}

/** The rollup increments of sent messages, summed per dimension, key and hour. */
function sentIncrements(events: SendEventInput[]): RollupIncrement[] {
  const summed = new Map<string, RollupIncrement & { counts: { sent: number; delivered: number } }>();
  const add = (dimension: RollupDimension, key: string | undefined, hour: Date, delivered: number) => {
    if (key == null) return;
    const id = `${dimension}\u0000${key}\u0000${hour.getTime()}`;
    const increment = summed.get(id);
    if (increment) {
      increment.counts.sent += 1;
      increment.counts.delivered += delivered;
    } else summed.set(id, { dimension, key, at: hour, counts: { sent: 1, delivered } });
  };
  for (const e of events) {
    const hour = startOfHour(e.at);
    const delivered = e.outcome === 'delivered' ? 1 : 0;
    add('sender', e.sender, hour, delivered);
    add('sender_domain', e.senderDomain, hour, delivered);
    add('recipient_domain', e.recipientDomain, hour, delivered);
    add('ip', e.ip, hour, delivered);
    add('fingerprint', e.fingerprint, hour, delivered);
    add('relay', relayKey, hour, delivered);
  }
  return [...summed.values()];
}

/** The send-log entries of original Message-IDs, for attributing reports that name no sender. */
export async function findSendsByMessageId(db: Db, messageIds: string[]) {
  if (messageIds.length === 0) return new Map<string, { sender: string; senderDomain: string; ip: string; clientAddress: string | null; saslUsername: string | null; fingerprint: string | null }>();
  const rows = await db
    .selectDistinctOn([sendEvents.messageId], {
      messageId: sendEvents.messageId,
      sender: sendEvents.sender,
      senderDomain: sendEvents.senderDomain,
      ip: sendEvents.ip,
      clientAddress: sendEvents.clientAddress,
      saslUsername: sendEvents.saslUsername,
      fingerprint: sendEvents.fingerprint,
    })
    .from(sendEvents)
    .where(inArray(sendEvents.messageId, messageIds));
  return new Map(rows.map((row) => [row.messageId, row]));
}

export async function pruneSendEvents(db: Db, before: Date): Promise<number> {
  const deleted = await db.delete(sendEvents).where(lt(sendEvents.at, before)).returning({ id: sendEvents.id });
  return deleted.length;
}

/** The send log's entry for each Message-ID found (the first recipient's: they share sender and client). */
export type SendsByMessageId = Awaited<ReturnType<typeof findSendsByMessageId>>;
