// Messages accepted per sender and UTC hour, shared by every instance's policy server (see
// relay/hourly-counter.ts). Raw unnest arrays rather than the query builder: building a VALUES list
// of thousands of rows is synchronous work the policy server's answers would wait behind.
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from './client';
import { relayHourlyCounts } from './schema';

export interface HourlyCount {
  sender: string;
  hour: Date;
  accepted: number;
}

/** The stored counts of the senders' hours in [from, to] (both ends included). */
export async function readHourlyCounts(db: Db, senders: string[], from: Date, to: Date): Promise<HourlyCount[]> {
  // One array parameter, not a thousand: the query is built on the thread that answers Postfix.
  const rows = await queryRows<{ sender: string; hour: string | Date; accepted: number }>(
    db,
    sql`select sender, hour, accepted from relay_hourly_counts
      where sender = any(${sql.param(senders)}::text[])
        and hour >= ${from.toISOString()}::timestamptz and hour <= ${to.toISOString()}::timestamptz`,
  );
  return rows.map((row) => ({ sender: row.sender, hour: new Date(row.hour), accepted: Number(row.accepted) }));
}

/** Adds to the counts; returns each row's total after the addition. */
export async function addHourlyCounts(db: Db, increments: HourlyCount[]): Promise<HourlyCount[]> {
  const rows = await queryRows<{ sender: string; hour: string | Date; accepted: number }>(
    db,
    sql`insert into relay_hourly_counts (sender, hour, accepted)
      select * from unnest(${sql.param(increments.map((c) => c.sender))}::text[], ${sql.param(increments.map((c) => c.hour.toISOString()))}::text[]::timestamptz[],
        ${sql.param(increments.map((c) => c.accepted))}::int[])
      on conflict (sender, hour) do update set accepted = relay_hourly_counts.accepted + excluded.accepted
      returning sender, hour, accepted`,
  );
  return rows.map((row) => ({ sender: row.sender, hour: new Date(row.hour), accepted: Number(row.accepted) }));
}

/** Deletes counts of hours before `before` (limits are per hour and per UTC day: older rows serve nothing). */
export async function pruneHourlyCounts(db: Db, before: Date): Promise<number> {
  const deleted = await db
    .delete(relayHourlyCounts)
    .where(sql`${relayHourlyCounts.hour} < ${before.toISOString()}::timestamptz`)
    .returning({ sender: relayHourlyCounts.sender });
  return deleted.length;
}
