// The event log: things that happened (IP listed, sender suspended, ...) for alerts and the dashboard.
// Write events in the same transaction as the change they report: this is also where each event's
// alert outbox row is written, so an event is never stored without its alert or alerted without
// being stored. Routing (which needs the config) happens in the delivery job, not here.
import { and, desc, eq, gt } from 'drizzle-orm';
import type { Db } from './client';
import { alertOutbox, events } from './schema';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type EventWrite = typeof events.$inferInsert;

export async function insertEvents(db: Db | Tx, rows: EventWrite[]): Promise<void> {
  if (rows.length === 0) return;
  // A plain Db (not a transaction) gets one, so event and outbox row still commit together.
  const write = async (tx: Db | Tx) => {
    for (let i = 0; i < rows.length; i += 1000) {
      const inserted = await tx.insert(events).values(rows.slice(i, i + 1000)).returning({ id: events.id });
      await tx.insert(alertOutbox).values(inserted.map(({ id }) => ({ eventId: id })));
    }
  };
  if (isTransaction(db)) await write(db);
  else await (db as Db).transaction(write);
}

function isTransaction(db: Db | Tx): boolean {
  // drizzle's transaction objects expose rollback(); the database object does not.
  return typeof (db as { rollback?: unknown }).rollback === 'function';
}

export function recentEvents(db: Db, filter: { type?: string; afterId?: number; limit: number }) {
  return db
    .select()
    .from(events)
    .where(and(filter.type ? eq(events.type, filter.type) : undefined, filter.afterId ? gt(events.id, filter.afterId) : undefined))
    .orderBy(desc(events.id))
    .limit(filter.limit);
}
