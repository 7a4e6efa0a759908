// Hourly and daily rollups: incremented as send events and facts are stored, read for windows.
import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { DecisionWindow } from '../config/reputation';
import type { Db } from './client';
import { dailyRollups, hourlyRollups, rollupChanges, rollupCounterNames, zeroRollupCounts, type RollupCounts, type RollupDimension, type SubjectKind } from './schema';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Writer = Db | Tx;

export interface RollupIncrement {
  dimension: RollupDimension;
  key: string;
  at: Date;
  counts: Partial<RollupCounts>;
}

/**
 * The rollup dimension a subject's counts are stored under: a sender's under 'sender', a sending
 * domain's under 'sender_domain'. The stored values predate the subject kinds and stay as they are
 * (renaming them would rewrite every rollup row); this is the one place that maps one to the other.
 */
export function rollupDimensionOf(kind: SubjectKind): 'sender' | 'sender_domain' {
  return kind === 'sender' ? 'sender' : 'sender_domain';
}

/** The dimensions whose keys are subjects: a change to their counts marks the subject for evaluation. */
export const subjectDimensions: ReadonlySet<RollupDimension> = new Set([rollupDimensionOf('sender'), rollupDimensionOf('domain')]);

const hourMs = 3_600_000;
const dayMs = 86_400_000;
export const startOfHour = (at: Date) => new Date(Math.floor(at.getTime() / hourMs) * hourMs);
export const startOfDay = (at: Date) => new Date(Math.floor(at.getTime() / dayMs) * dayMs);

/**
 * Where the decision windows at `at` start: the last 24 whole hours (the current one included) and
 * the last 7 and 30 UTC days (today included). Each window ends at `at`.
 */
export function windowStarts(at: Date): { since24h: Date; since7d: Date; since30d: Date } {
  const today = startOfDay(at).getTime();
  return {
    since24h: new Date(startOfHour(at).getTime() - 23 * hourMs),
    since7d: new Date(today - 6 * dayMs),
    since30d: new Date(today - 29 * dayMs),
  };
}

function merge(increments: RollupIncrement[], bucket: (at: Date) => Date) {
  const merged = new Map<string, { dimension: RollupDimension; key: string; at: Date; counts: RollupCounts }>();
  for (const increment of increments) {
    const at = bucket(increment.at);
    const id = `${increment.dimension}\u0000${increment.key}\u0000${at.getTime()}`;
    let row = merged.get(id);
    if (!row) merged.set(id, (row = { dimension: increment.dimension, key: increment.key, at, counts: zeroRollupCounts() }));
    for (const name of rollupCounterNames) row.counts[name] += increment.counts[name] ?? 0;
  }
  // A fixed order of upserted rows keeps concurrent writers from deadlocking on each other.
  return [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
}

/** Adds increments to the hourly and daily rollups (call inside the transaction storing the source rows). */
export async function addToRollups(db: Writer, increments: RollupIncrement[]): Promise<void> {
  if (increments.length === 0) return;
  // Mark the senders and domains whose figures moved, for the next evaluation pass.
  const changed = new Map<string, { dimension: RollupDimension; key: string }>();
  for (const { dimension, key } of increments) {
    if (subjectDimensions.has(dimension)) changed.set(`${dimension}\u0000${key}`, { dimension, key });
  }
  const marks = [...changed.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, mark]) => mark);
  // Rows travel as one array parameter per column, zipped by unnest: no per-row parameters to
  // build, and PostgreSQL reads typed arrays faster than the same rows as JSON.
  for (let i = 0; i < marks.length; i += 10_000) {
    const chunk = marks.slice(i, i + 10_000);
    await db.execute(sql`
      insert into rollup_changes (dimension, key)
      select * from unnest(${sql.param(chunk.map((m) => m.dimension))}::text[], ${sql.param(chunk.map((m) => m.key))}::text[])
      on conflict (dimension, key) do update set seq = excluded.seq`);
  }
  const counters = ['sent', 'delivered', 'complaints', 'hard_bounces', 'soft_bounces', 'blocked'] as const;
  for (const [table, bucket, timeColumn] of [
    ['hourly_rollups', startOfHour, 'hour'],
    ['daily_rollups', startOfDay, 'day'],
  ] as const) {
    const rows = merge(increments, bucket);
    for (let i = 0; i < rows.length; i += 10_000) {
      const chunk = rows.slice(i, i + 10_000);
      const counts = rollupCounterNames.map((name) => sql`${sql.param(chunk.map((r) => r.counts[name]))}::int[]`);
      await db.execute(sql`
        insert into ${sql.identifier(table)} (dimension, key, ${sql.identifier(timeColumn)}, ${sql.raw(counters.join(', '))})
        select * from unnest(${sql.param(chunk.map((r) => r.dimension))}::text[], ${sql.param(chunk.map((r) => r.key))}::text[],
          ${sql.param(chunk.map((r) => r.at.toISOString()))}::text[]::timestamptz[], ${sql.join(counts, sql`, `)})
        on conflict (dimension, key, ${sql.identifier(timeColumn)}) do update set
          ${sql.raw(counters.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', '))}`);
    }
  }
}

export type KeyedWindowStats = Map<string, Record<DecisionWindow, RollupCounts>>;

/** The summed counter columns of a rollup table, as selected fields. */
export const rollupSums = (table: typeof hourlyRollups | typeof dailyRollups) => ({
  sent: sql<number>`sum(${table.sent})::int`,
  delivered: sql<number>`sum(${table.delivered})::int`,
  complaints: sql<number>`sum(${table.complaints})::int`,
  hardBounces: sql<number>`sum(${table.hardBounces})::int`,
  softBounces: sql<number>`sum(${table.softBounces})::int`,
  blocked: sql<number>`sum(${table.blocked})::int`,
});

/**
 * Counts per key over the last 24 hours (whole hours, from hourly rollups) and the last 7 and 30
 * UTC days including today (from daily rollups): at most 24 + 30 rows per key, whatever the volume.
 */
export async function windowStats(db: Db, dimension: RollupDimension, now: Date, keys?: string[]): Promise<KeyedWindowStats> {
  const stats: KeyedWindowStats = new Map();
  const entry = (key: string) => {
    let row = stats.get(key);
    if (!row) stats.set(key, (row = { '24h': zeroRollupCounts(), '7d': zeroRollupCounts(), '30d': zeroRollupCounts() }));
    return row;
  };
  const { since24h, since7d, since30d } = windowStarts(now);
  const hourly = await db
    .select({ key: hourlyRollups.key, ...rollupSums(hourlyRollups) })
    .from(hourlyRollups)
    .where(
      and(
        eq(hourlyRollups.dimension, dimension),
        gte(hourlyRollups.hour, since24h),
        lt(hourlyRollups.hour, new Date(now.getTime() + 1)),
        keys ? inArray(hourlyRollups.key, keys) : undefined,
      ),
    )
    .groupBy(hourlyRollups.key);
  for (const row of hourly) Object.assign(entry(row.key)['24h'], { ...row, key: undefined });
  const daily = await db
    .select({
      key: dailyRollups.key,
      week: sql<boolean>`${dailyRollups.day} >= ${since7d.toISOString()}::timestamptz`.as('week'),
      ...rollupSums(dailyRollups),
    })
    .from(dailyRollups)
    .where(
      and(
        eq(dailyRollups.dimension, dimension),
        gte(dailyRollups.day, since30d),
        lt(dailyRollups.day, new Date(now.getTime() + 1)),
        keys ? inArray(dailyRollups.key, keys) : undefined,
      ),
    )
    // By output position: the same expression twice would be two parameters Postgres cannot match.
    .groupBy(dailyRollups.key, sql.raw("2"));
  for (const row of daily) {
    const target = entry(row.key);
    for (const name of rollupCounterNames) {
      target['30d'][name] += Number(row[name]);
      if (row.week) target['7d'][name] += Number(row[name]);
    }
  }
  for (const row of stats.values()) for (const name of rollupCounterNames) row['24h'][name] = Number(row['24h'][name]);
  return stats;
}

/** Hourly series of one key, oldest first, for charts. */
export function hourlySeries(db: Db, dimension: RollupDimension, key: string, from: Date, to: Date) {
  return db
    .select()
    .from(hourlyRollups)
    .where(and(eq(hourlyRollups.dimension, dimension), eq(hourlyRollups.key, key), gte(hourlyRollups.hour, from), lt(hourlyRollups.hour, to)))
    .orderBy(hourlyRollups.hour);
}
