// Rollups read as time series: the whole relay per hour or day (the `relay` dimension, which
// counts every send and every fact; the `ip` dimension would miss the bounces that name no relay
// IP, most of them), and a few keys per day for sparklines. The top keys of a dimension by volume
// (mailbox providers).
import { and, desc, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from './client';
import { dailyRollups, hourlyRollups, relayKey, type RollupDimension } from './schema';
import { rollupSums } from './rollups';


/** Counts of the whole relay per bucket in [from, to), oldest first; buckets with no traffic are absent. */
export async function relayCounts(db: Db, bucket: 'hour' | 'day', from: Date, to: Date) {
  const table = bucket === 'hour' ? hourlyRollups : dailyRollups;
  const time = bucket === 'hour' ? hourlyRollups.hour : dailyRollups.day;
  const rows = await db
    .select({ at: time, ...rollupSums(table) })
    .from(table)
    .where(and(eq(table.dimension, 'relay'), eq(table.key, relayKey), gte(time, from), lt(time, to)))
    .groupBy(time)
    .orderBy(time);
  return rows.map((row) => ({ ...row, at: new Date(row.at) }));
}

/** Daily counts of the given keys in [from, to), for sparklines. */
export async function dailyCountsOf(db: Db, dimension: RollupDimension, keys: string[], from: Date, to: Date) {
  if (keys.length === 0) return [];
  return db
    .select()
    .from(dailyRollups)
    .where(and(eq(dailyRollups.dimension, dimension), inArray(dailyRollups.key, keys), gte(dailyRollups.day, from), lt(dailyRollups.day, to)))
    .orderBy(dailyRollups.key, dailyRollups.day);
}

/** The keys of a dimension with the most sends since `from`, busiest first. */
export async function busiestKeys(db: Db, dimension: RollupDimension, from: Date, limit: number): Promise<string[]> {
  const rows = await db
    .select({ key: dailyRollups.key, sent: sql<number>`sum(${dailyRollups.sent})`.as('sent') })
    .from(dailyRollups)
    .where(and(eq(dailyRollups.dimension, dimension), gte(dailyRollups.day, from)))
    .groupBy(dailyRollups.key)
    .orderBy(desc(sql`sent`), dailyRollups.key)
    .limit(limit);
  return rows.map((row) => row.key);
}
