// The event log: things that happened (IP listed, sender suspended, ...) for alerts and the dashboard.
// Write events in the same transaction as the change they report.
import { and, desc, eq, gt } from 'drizzle-orm';
import type { Db } from './client';
import { events } from './schema';

export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type EventWrite = typeof events.$inferInsert;

export async function insertEvents(db: Db | Tx, rows: EventWrite[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) await db.insert(events).values(rows.slice(i, i + 1000));
}

export function recentEvents(db: Db, filter: { type?: string; afterId?: number; limit: number }) {
  return db
    .select()
    .from(events)
    .where(and(filter.type ? eq(events.type, filter.type) : undefined, filter.afterId ? gt(events.id, filter.afterId) : undefined))
    .orderBy(desc(events.id))
    .limit(filter.limit);
}
