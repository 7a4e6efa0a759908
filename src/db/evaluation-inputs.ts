// What an evaluation pass needs, in one query per kind: each subject's window counts computed from
// the rollups, next to its stored state. Only subjects whose counts can have moved are aggregated:
// those marked in rollup_changes since the last pass, those with rollup rows in the hours and days
// that left a window since then, and those with an action in force. Of those, the ones whose counts
// equal the stored ones and that have no action in force are left out. A pass so costs what changed,
// not how much was ever sent; a pass after a rules change adds every other subject over the volume
// floor with its stored counts, so it costs one row per subject, not 30 days of rollups.
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from './client';
import { rollupDimensionOf, windowStarts } from './rollups';
import type { TierName } from '../config/tiers';
import type { RollupDimension, StoredAction, SubjectKind } from './schema';

const counters = ['sent', 'complaints', 'hard_bounces'] as const;
const windowNames = ['24h', '7d', '30d'] as const;
/** The nine count columns, window by window, in the order every part of the query returns them. */
const countColumns = windowNames.flatMap((window) => counters.map((c) => `${c}_${window}`));
/** The stored state a decision starts from, after the counts, the change flag, first day and `known`. */
const stateColumns = 's.auto_action, s.auto_since, s.auto_reason, s.clear_since, s.override_action is not null as overridden, s.tier, s.tier_since, s.tier_reason, s.first_seen_at';

/** The window starts as the timestamptz text the statements below are built with. */
const windowStartTexts = (at: Date) => {
  const { since24h, since7d, since30d } = windowStarts(at);
  return { since24h: since24h.toISOString(), since7d: since7d.toISOString(), since30d: since30d.toISOString() };
};

/** Change marks a pass read (key and stamp), to clear in the transaction that stores its decisions. */
export interface ChangeMarks {
  dimension: RollupDimension;
  keys: string[];
  seqs: number[];
}

export type EvaluationScope =
  /** Just these subjects (a complaint was stored for them). */
  | { ids: string[] }
  /** Every subject with data, summed from the rollups (first pass, or no usable previous pass). */
  | { everything: true }
  /**
   * What can have changed since the previous pass at `previousPass` (the marks read are returned,
   * for the pass to clear with its decisions). With `restFromState`, also every other subject at or
   * over the volume floor, with the window counts stored by that pass (they cannot have moved, or
   * the subject would be among the changed ones): a full pass after a rules change reads one row
   * per subject, not the rollups of 30 days.
   */
  | { previousPass: Date; restFromState?: boolean };

/** Subjects outside the candidates, at or over the floor, with their stored counts (see EvaluationScope). */
function storedRest(kind: SubjectKind, volumeFloor: number) {
  return sql`
    union all
    select s.id, ${sql.raw(countColumns.map((n) => `s.${n}`).join(', '))}, false, null, true, ${sql.raw(stateColumns)}
    from reputation_subjects s
    where s.kind = ${kind} and s.sent_30d >= ${volumeFloor} and not exists (select 1 from candidates c where c.key = s.id)`;
}

/**
 * Per key, what its window counts moved by since the previous pass: minus the rows that left each
 * window, plus rows dated after the previous pass (7 and 30 days share them). Whole time ranges
 * (an hour, a day) are read and then joined to the shifted keys: a lookup per key was slower.
 */
function movedCounts(
  dimension: RollupDimension,
  at: { before: ReturnType<typeof windowStartTexts>; since24h: string; since7d: string; since30d: string; previous: string; until: string },
) {
  const rows = (table: 'hourly_rollups' | 'daily_rollups', tag: string, from: string, fromInclusive: boolean, to: string, toInclusive: boolean) => {
    const column = table === 'hourly_rollups' ? 'hour' : 'day';
    return sql.raw(`
      select key, '${tag}' as w, sent, complaints, hard_bounces from ${table}
      where dimension = '${dimension}' and ${column} ${fromInclusive ? '>=' : '>'} '${from}'::timestamptz and ${column} ${toInclusive ? '<=' : '<'} '${to}'::timestamptz`);
  };
  const sum = (c: string, tag: string) => `coalesce(sum(${c}) filter (where w = '${tag}'), 0)`;
  const moves: Record<(typeof windowNames)[number], { minus: string; plus: string }> = { '24h': { minus: 'h-', plus: 'h+' }, '7d': { minus: 'w-', plus: 'd+' }, '30d': { minus: 'm-', plus: 'd+' } };
  const columns = windowNames.flatMap((window) => counters.map((c) => `${sum(c, moves[window].plus)} - ${sum(c, moves[window].minus)} as ${c}_${window}`));
  return sql`
    moved as (
      select key, ${sql.raw(columns.join(', '))}
      from (
        ${rows('hourly_rollups', 'h-', at.before.since24h, true, at.since24h, false)}
        union all ${rows('hourly_rollups', 'h+', at.previous, false, at.until, true)}
        union all ${rows('daily_rollups', 'w-', at.before.since7d, true, at.since7d, false)}
        union all ${rows('daily_rollups', 'm-', at.before.since30d, true, at.since30d, false)}
        union all ${rows('daily_rollups', 'd+', at.previous, false, at.until, true)}
      ) r
      group by key
    )`;
}

/** Shifted subjects: stored counts plus what they moved by; with a floor (rules changed), also unmoved ones over it. */
function shiftedInputs(kind: SubjectKind, floor: number | null) {
  const moved = countColumns.map((n) => `m.${n} <> 0`).join(' or ');
  return sql`
    union all
    select s.id, ${sql.raw(countColumns.map((n) => `(s.${n} + m.${n})::int`).join(', '))}, ${sql.raw(moved)}, null, true, ${sql.raw(stateColumns)}
    from moved m join shifted using (key) join reputation_subjects s on s.kind = ${kind} and s.id = m.key
    where ${sql.raw(moved)}${floor === null ? sql`` : sql` or s.sent_30d + m.sent_30d >= ${floor}`}`;
}

/**
 * `volumeFloor`: the fewest sends in a window at which a subject's decision or tier can change.
 * Under it, a subject whose counts and state are what is stored is left out even of a full pass:
 * its decision is `allow` whatever the rules, and there is nothing to write.
 */
export async function loadEvaluationInputs(
  db: Db,
  kind: SubjectKind,
  now: Date,
  scope: EvaluationScope,
  volumeFloor: number,
): Promise<{ inputs: EvaluationInputRow[]; marks: ChangeMarks | null }> {
  const dimension = rollupDimensionOf(kind);
  if ('ids' in scope) return { inputs: await readInputs(db, kind, dimension, now, scope, volumeFloor, []), marks: null };
  // The marks are read before the counts: every change behind a mark read here is in the counts
  // read next (a change and its mark commit together). Clearing only these marks, by stamp, when
  // the decisions are stored keeps a change that lands meanwhile (or a crash before the decisions
  // are stored) for the next pass. A statement that both cleared the marks and aggregated could
  // not run in parallel workers, which a full pass needs.
  return db.transaction(async (tx) => {
    const reader = tx as unknown as Db;
    // A full pass groups a few hundred thousand rollup rows by key: with the default 4 MB of
    // work_mem the aggregate spills to disk and takes twice as long. JIT compilation costs more
    // than it saves on these one-off aggregates (0.7 s of a 6 s pass at 10 M events).
    await tx.execute(sql`set local work_mem = '64MB'`);
    await tx.execute(sql`set local jit = off`);
    const read = await queryRows<{ key: string; seq: number | string }>(reader, sql`select key, seq from rollup_changes where dimension = ${dimension}`);
    const marks: ChangeMarks = { dimension, keys: read.map((m) => m.key), seqs: read.map((m) => Number(m.seq)) };
    return { inputs: await readInputs(reader, kind, dimension, now, scope, volumeFloor, marks.keys), marks };
  });
}

/** Deletes the marks a pass read, unless re-stamped since (call in the pass's write transaction). */
export async function clearChangeMarks(db: Db, marks: ChangeMarks): Promise<void> {
  if (marks.keys.length === 0) return;
  await db.execute(sql`
    delete from rollup_changes r
    using unnest(${sql.param(marks.keys)}::text[], ${sql.param(marks.seqs)}::bigint[]) as m(key, seq)
    where r.dimension = ${marks.dimension} and r.key = m.key and r.seq = m.seq`);
}

/**
 * The parts of the statement a scope adds: which keys the sums cover, and for a pass after a
 * previous one, the candidates and the shifted subjects' rows.
 */
function scopeParts(kind: SubjectKind, dimension: RollupDimension, now: Date, scope: EvaluationScope, volumeFloor: number, touched: string[]) {
  if ('ids' in scope) {
    return { candidates: sql``, shiftedPart: sql``, ids: sql`and key = any(${sql.param(scope.ids)}::text[])`, subjectIds: sql`and id = any(${sql.param(scope.ids)}::text[])` };
  }
  if ('everything' in scope) return { candidates: sql``, shiftedPart: sql``, ids: sql``, subjectIds: sql`` };
  const { since24h, since7d, since30d } = windowStartTexts(now);
  const until = now.toISOString();
  const before = windowStartTexts(scope.previousPass);
  const previous = scope.previousPass.toISOString();
  // Subjects whose stored counts are those of the previous pass and whose rollups did not change
  // since are only shifted: the rows that left a window are subtracted (and any dated after the
  // previous pass but written before it added), which reads an hour's or a day's rows instead of
  // each subject's 30 days — at midnight the 7- and 30-day windows move for nearly everyone.
  // The rest is summed anew: marked subjects, those with an action in force, those a pass over
  // some ids wrote after the previous pass, those never stored.
  const candidates = sql`
    edges as (
      select key from hourly_rollups
        where dimension = ${dimension} and hour >= ${before.since24h}::timestamptz and hour < ${since24h}::timestamptz
      union select key from daily_rollups
        where dimension = ${dimension} and day >= ${before.since7d}::timestamptz and day < ${since7d}::timestamptz
      union select key from daily_rollups
        where dimension = ${dimension} and day >= ${before.since30d}::timestamptz and day < ${since30d}::timestamptz
      union select key from hourly_rollups
        where dimension = ${dimension} and hour > ${previous}::timestamptz and hour <= ${until}::timestamptz
      union select key from daily_rollups
        where dimension = ${dimension} and day > ${previous}::timestamptz and day <= ${until}::timestamptz
    ),
    recounted as (
      select key from unnest(${sql.param(touched)}::text[]) as touched(key)
      union select id from reputation_subjects where kind = ${kind}
        and (auto_action <> 'allow' or clear_since is not null or first_seen_at is null or tier_since is null or evaluated_at > ${previous}::timestamptz)
      union select key from edges e where not exists (select 1 from reputation_subjects s where s.kind = ${kind} and s.id = e.key)
    ),
    shifted as (select key from edges except select key from recounted),
    candidates as (select key from recounted union all select key from shifted),
    ${movedCounts(dimension, { before, since24h, since7d, since30d, previous, until })},`;
  return {
    candidates,
    shiftedPart: shiftedInputs(kind, 'restFromState' in scope && scope.restFromState ? volumeFloor : null),
    ids: sql`and key in (select key from recounted)`,
    subjectIds: sql`and id in (select key from recounted)`,
  };
}

async function readInputs(
  db: Db,
  kind: SubjectKind,
  dimension: RollupDimension,
  now: Date,
  scope: EvaluationScope,
  volumeFloor: number,
  touched: string[],
): Promise<EvaluationInputRow[]> {
  const { since24h, since7d, since30d } = windowStartTexts(now);
  const until = now.toISOString();
  const { candidates, shiftedPart, ids, subjectIds } = scopeParts(kind, dimension, now, scope, volumeFloor, touched);
  // Days and hours are summed apart and joined by key: summing one union of both under FILTERs
  // cost twice as much, and the planner could not estimate its groups.
  const dailySums = counters.map((c) => sql.raw(`sum(${c}) filter (where day >= '${since7d}'::timestamptz) as ${c}_7d, sum(${c}) as ${c}_30d`));
  const hourlySums = counters.map((c) => sql.raw(`sum(${c}) as ${c}_24h`));
  const windowColumns = sql.raw(
    windowNames.flatMap((window) => counters.map((c) => `coalesce(${window === '24h' ? 'h' : 'd'}.${c}_${window}, 0)::int as ${c}_${window}`)).join(', '),
  );
  const changed = countColumns.map((n) => sql.raw(`coalesce(w.${n}, 0) is distinct from s.${n}`));
  const query = sql`
    with ${candidates}
    daily as (
      select key, ${sql.join(dailySums, sql`, `)}, min(day) filter (where sent > 0) as first_day
      from daily_rollups
      where dimension = ${dimension} and day >= ${since30d}::timestamptz and day <= ${until}::timestamptz ${ids}
      group by key
    ),
    hourly as (
      select key, ${sql.join(hourlySums, sql`, `)}
      from hourly_rollups
      where dimension = ${dimension} and hour >= ${since24h}::timestamptz and hour <= ${until}::timestamptz ${ids}
      group by key
    ),
    windows as (
      select coalesce(d.key, h.key) as key, ${windowColumns}, d.first_day
      from daily d full outer join hourly h on h.key = d.key
    ),
    subjects as (select * from reputation_subjects where kind = ${kind} ${subjectIds})
    select coalesce(w.key, s.id) as id,
      ${sql.raw(countColumns.map((n) => `coalesce(w.${n}, 0) as ${n}`).join(', '))},
      s.id is null or ${sql.join(changed, sql` or `)} as counts_changed,
      w.first_day, s.id is not null as known, ${sql.raw(stateColumns)}
    from windows w full outer join subjects s on s.id = w.key
    where ${'ids' in scope ? sql`true` : sql`s.id is null or s.auto_action <> 'allow' or s.clear_since is not null or ${sql.join(changed, sql` or `)}
      or s.first_seen_at is null or s.tier_since is null or w.first_day < s.first_seen_at
      ${'everything' in scope || ('restFromState' in scope && scope.restFromState) ? sql`or coalesce(w.sent_30d, 0) >= ${volumeFloor}` : sql``}`}
    ${shiftedPart}
    ${'restFromState' in scope && scope.restFromState ? storedRest(kind, volumeFloor) : sql``}`;
  return (await queryRows<Record<string, unknown>>(db, query)).map(inputOf);
}

const dateOf = (value: unknown) => (value === null || value === undefined ? null : value instanceof Date ? value : new Date(String(value)));

/** A subject's window counts, and its stored state when it has one (`known`). */
function inputOf(row: Record<string, unknown>) {
  return {
    id: String(row.id),
    sent24h: Number(row.sent_24h),
    complaints24h: Number(row.complaints_24h),
    hardBounces24h: Number(row.hard_bounces_24h),
    sent7d: Number(row.sent_7d),
    complaints7d: Number(row.complaints_7d),
    hardBounces7d: Number(row.hard_bounces_7d),
    sent30d: Number(row.sent_30d),
    complaints30d: Number(row.complaints_30d),
    hardBounces30d: Number(row.hard_bounces_30d),
    /** The window counts differ from the stored ones (or nothing is stored). */
    countsChanged: Boolean(row.counts_changed),
    /** The first UTC day with counts in the last 30 days (null: none). */
    firstDay: dateOf(row.first_day),
    previous: row.known
      ? {
          autoAction: row.auto_action as StoredAction,
          autoSince: dateOf(row.auto_since),
          autoReason: (row.auto_reason as string | null) ?? null,
          clearSince: dateOf(row.clear_since),
          overridden: Boolean(row.overridden),
          tier: (row.tier as TierName | null) ?? 'new',
          tierSince: dateOf(row.tier_since),
          tierReason: (row.tier_reason as string | null) ?? null,
          firstSeenAt: dateOf(row.first_seen_at),
        }
      : null,
  };
}

/** What an evaluation pass reads per subject (see reputation/evaluation.ts, which decides on it). */
export type EvaluationInputRow = ReturnType<typeof inputOf>;
