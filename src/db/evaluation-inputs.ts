// What an evaluation pass needs, in one query per kind: each subject's window counts computed from
// the rollups, next to its stored state. Subjects whose counts equal the stored ones and that have
// no action in force are left out: their decision cannot have changed, so a pass costs the
// aggregation in the database plus work proportional to what changed.
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from './client';
import { startOfDay, startOfHour } from './rollups';
import type { RollupDimension, StoredAction, SubjectKind } from './schema';

export interface EvaluationInput {
  id: string;
  sent24h: number;
  complaints24h: number;
  hardBounces24h: number;
  sent7d: number;
  complaints7d: number;
  hardBounces7d: number;
  sent30d: number;
  complaints30d: number;
  hardBounces30d: number;
  /** Null when the subject has no stored state yet. */
  previous: { autoAction: StoredAction; autoSince: Date | null; autoReason: string | null; clearSince: Date | null; overridden: boolean } | null;
}

const counters = ['sent', 'complaints', 'hard_bounces'] as const;

export async function loadEvaluationInputs(
  db: Db,
  kind: SubjectKind,
  now: Date,
  scope: { ids?: string[]; everything: boolean },
): Promise<EvaluationInput[]> {
  const dimension: RollupDimension = kind === 'sender' ? 'sender' : 'sender_domain';
  const since24h = new Date(startOfHour(now).getTime() - 23 * 3_600_000).toISOString();
  const today = startOfDay(now).getTime();
  const since7d = new Date(today - 6 * 86_400_000).toISOString();
  const since30d = new Date(today - 29 * 86_400_000).toISOString();
  const until = now.toISOString();
  const ids = scope.ids ? sql`and key = any(${sql.param(scope.ids)}::text[])` : sql``;
  const subjectIds = scope.ids ? sql`and id = any(${sql.param(scope.ids)}::text[])` : sql``;
  const sums = counters.map(
    (c) => sql.raw(`coalesce(sum(${c}) filter (where w = 'h'), 0)::int as ${c}_24h,
      coalesce(sum(${c}) filter (where w = 'd' and at >= '${since7d}'::timestamptz), 0)::int as ${c}_7d,
      coalesce(sum(${c}) filter (where w = 'd'), 0)::int as ${c}_30d`),
  );
  const changed = ['24h', '7d', '30d'].flatMap((window) =>
    [['sent', 'sent'], ['complaints', 'complaints'], ['hard_bounces', 'hard_bounces']].map(([c, stored]) =>
      sql.raw(`coalesce(w.${c}_${window}, 0) is distinct from s.${stored}_${window}`),
    ),
  );
  const rows = await queryRows<Record<string, unknown>>(
    db,
    sql`
    with windows as (
      select key, ${sql.join(sums, sql`, `)}
      from (
        select key, 'h' as w, hour as at, sent, complaints, hard_bounces from hourly_rollups
          where dimension = ${dimension} and hour >= ${since24h}::timestamptz and hour <= ${until}::timestamptz ${ids}
        union all
        select key, 'd' as w, day as at, sent, complaints, hard_bounces from daily_rollups
          where dimension = ${dimension} and day >= ${since30d}::timestamptz and day <= ${until}::timestamptz ${ids}
      ) r
      group by key
    ),
    subjects as (select * from reputation_subjects where kind = ${kind} ${subjectIds})
    select coalesce(w.key, s.id) as id,
      ${sql.raw(['24h', '7d', '30d'].flatMap((window) => counters.map((c) => `coalesce(w.${c}_${window}, 0) as ${c}_${window}`)).join(', '))},
      s.id is not null as known, s.auto_action, s.auto_since, s.auto_reason, s.clear_since, s.override_action is not null as overridden
    from windows w full outer join subjects s on s.id = w.key
    where ${scope.everything || scope.ids ? sql`true` : sql`s.id is null or s.auto_action <> 'allow' or ${sql.join(changed, sql` or `)}`}`,
  );
  const date = (value: unknown) => (value === null || value === undefined ? null : value instanceof Date ? value : new Date(String(value)));
  return rows.map((row) => ({
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
    previous: row.known
      ? {
          autoAction: row.auto_action as StoredAction,
          autoSince: date(row.auto_since),
          autoReason: (row.auto_reason as string | null) ?? null,
          clearSince: date(row.clear_since),
          overridden: Boolean(row.overridden),
        }
      : null,
  }));
}
