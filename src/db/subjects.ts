// Per-sender and per-domain state: automatic action, manual override, latest figures; the audit
// log and the events every change emits.
import { and, asc, desc, eq, gt, ilike, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from './client';
import { insertEvents, type EventWrite } from './events';
import type { TierName } from '../config/tiers';
import { campaigns, policyAudit, reputationMeta, reputationSubjects, type StoredAction, type SubjectKind } from './schema';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type SubjectRow = typeof reputationSubjects.$inferSelect;
export type SubjectWrite = typeof reputationSubjects.$inferInsert;
export type AuditWrite = typeof policyAudit.$inferInsert;

/**
 * Subjects and campaigns whose policy version is above `since`, oldest change first. One snapshot
 * for both tables: versions are taken in commit order across them, so reading them at different
 * moments could skip a subject committed between the two reads.
 */
export function policyChangesSince(db: Db, since: number) {
  return db.transaction(
    async (tx) => ({
      subjects: await tx.select().from(reputationSubjects).where(gt(reputationSubjects.version, since)).orderBy(reputationSubjects.version),
      campaigns: await tx.select().from(campaigns).where(gt(campaigns.version, since)).orderBy(campaigns.version),
    }),
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

export async function getSubject(db: Db, kind: SubjectKind, id: string): Promise<SubjectRow | undefined> {
  const [row] = await db.select().from(reputationSubjects).where(and(eq(reputationSubjects.kind, kind), eq(reputationSubjects.id, id)));
  return row;
}

// Written columns with their SQL types, for the bulk upsert below.
const writtenColumns = {
  kind: 'text', id: 'text', autoAction: 'text', autoSince: 'timestamptz', autoReason: 'text', clearSince: 'timestamptz',
  sent24h: 'int', complaints24h: 'int', hardBounces24h: 'int', sent7d: 'int', complaints7d: 'int', hardBounces7d: 'int',
  sent30d: 'int', complaints30d: 'int', hardBounces30d: 'int', complaintRate7d: 'float8', hardBounceRate7d: 'float8',
  evaluatedAt: 'timestamptz', tier: 'text', tierSince: 'timestamptz', tierReason: 'text', firstSeenAt: 'timestamptz',
} as const satisfies Partial<Record<keyof SubjectWrite, string>>;

/** The channel every policy change is announced on, with the new policy version as payload. */
export const policyChannel = 'warden_policy';
// Any constant works; it only has to be the same for every instance of Relay Warden.
const policyVersionLockKey = 7_780_002;

/**
 * Takes the next policy versions in commit order: the lock is held until this transaction commits,
 * so a reader that has seen version n never later finds a row committed with a version below n —
 * which is what makes `?since=` complete. Policy writes are rare (an evaluation pass, an override).
 * The NOTIFY is delivered at commit, after the rows are visible.
 */
export async function lockPolicyVersions(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${policyVersionLockKey})`);
}

/**
 * Announces the sequence's latest version. Not currval(): that is undefined in a session that took no
 * version, and a write may announce without taking one (a campaign joined by a complaint alone).
 * Under the policy-version lock, last_value is this transaction's newest version or an older one.
 */
export async function notifyPolicyChange(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_notify(${policyChannel}, (select last_value from policy_version)::text)`);
}

/**
 * Writes evaluated subjects: one array parameter per column, zipped by unnest — a hundred thousand
 * rows in one statement (a VALUES list would need two million parameters), and PostgreSQL reads
 * typed arrays about twice as fast as the same rows as JSON. Rows whose policy changed get a new
 * version from the policy_version sequence, which is what relays keeping a local copy ask changes since.
 */
export async function saveSubjects(tx: Tx, rows: SubjectWrite[], policyChanged: boolean): Promise<void> {
  if (rows.length === 0) return;
  if (policyChanged) await lockPolicyVersions(tx);
  const keys = Object.keys(writtenColumns) as (keyof typeof writtenColumns)[];
  const name = (key: keyof typeof writtenColumns) => reputationSubjects[key].name;
  const arrays = keys.map((key) => {
    const values = rows.map((row) => {
      const value = row[key] ?? null;
      return value instanceof Date ? value.toISOString() : value;
    });
    // Times travel as text[]: the postgres.js driver passes timestamptz[] parameters through unserialised.
    const type = writtenColumns[key];
    return type === 'timestamptz' ? sql`${sql.param(values)}::text[]::timestamptz[]` : sql`${sql.param(values)}::${sql.raw(type)}[]`;
  });
  const columns = keys.map(name);
  const updates = keys.filter((key) => key !== 'kind' && key !== 'id').map((key) => `${name(key)} = excluded.${name(key)}`);
  if (policyChanged) updates.push('version = excluded.version');
  await tx.execute(sql`
    insert into reputation_subjects (${sql.raw(columns.join(', '))}, version)
    select ${sql.raw(columns.join(', '))}, ${policyChanged ? sql.raw(`nextval('policy_version')`) : sql.raw('0')}
    from unnest(${sql.join(arrays, sql`, `)}) as r(${sql.raw(columns.join(', '))})
    on conflict (kind, id) do update set ${sql.raw(updates.join(', '))}`);
  if (policyChanged) await notifyPolicyChange(tx);
}

export async function appendAuditAndEvents(tx: Tx, audit: AuditWrite[], emitted: EventWrite[]): Promise<void> {
  for (let i = 0; i < audit.length; i += 1000) await tx.insert(policyAudit).values(audit.slice(i, i + 1000));
  await insertEvents(tx, emitted);
}

export interface OverrideInput {
  action: StoredAction;
  reason: string;
  until: Date | null;
  limitPerHour: number | null;
  by: string;
}

/** Sets (or, with null, clears) a manual override, with its audit row and event, in one transaction. */
export async function writeOverride(db: Db, kind: SubjectKind, id: string, override: OverrideInput | null, actor: string, reason: string, now: Date) {
  return db.transaction(async (tx) => {
    await lockPolicyVersions(tx);
    const [before] = await tx
      .select()
      .from(reputationSubjects)
      .where(and(eq(reputationSubjects.kind, kind), eq(reputationSubjects.id, id)))
      .for('update');
    const values = {
      overrideAction: override?.action ?? null,
      overrideReason: override?.reason ?? null,
      overrideUntil: override?.until ?? null,
      overrideLimitPerHour: override?.limitPerHour ?? null,
      overrideBy: override?.by ?? null,
      version: sql`nextval('policy_version')`,
    };
    const [after] = await tx
      .insert(reputationSubjects)
      .values({ kind, id, ...values })
      .onConflictDoUpdate({ target: [reputationSubjects.kind, reputationSubjects.id], set: values })
      .returning();
    await notifyPolicyChange(tx);
    const fromAction = before?.overrideAction ?? before?.autoAction ?? 'allow';
    const toAction = override?.action ?? after!.autoAction;
    await appendAuditAndEvents(
      tx,
      [{ kind, subject: id, at: now, actor, source: 'manual', fromAction, toAction, reason, figures: override ? { until: override.until?.toISOString() ?? null, limitPerHour: override.limitPerHour } : { cleared: true } }],
      [
        {
          type: override ? `${kind}.override_set` : `${kind}.override_cleared`,
          severity: override?.action === 'suspend' ? 'warning' : 'info',
          subject: `${kind}:${id}`,
          summary: override
            ? `${actor} set ${kind} ${id} to ${override.action}${override.until ? ` until ${override.until.toISOString()}` : ''}: ${override.reason}`
            : `${actor} cleared the override of ${kind} ${id} (${reason}); automatic action ${after!.autoAction} applies`,
          payload: { kind, id, fromAction, toAction, actor, reason },
          at: now,
        },
      ],
    );
    return after!;
  });
}

/** Pins (or, with null, unpins) a sender's tier: ops vouching for a sender, or holding one down. */
export async function writePinnedTier(db: Db, id: string, tier: TierName | null, actor: string, reason: string, now: Date) {
  return db.transaction(async (tx) => {
    await lockPolicyVersions(tx);
    const values = { pinnedTier: tier, version: sql`nextval('policy_version')` };
    const [after] = await tx
      .insert(reputationSubjects)
      .values({ kind: 'sender', id, ...values })
      .onConflictDoUpdate({ target: [reputationSubjects.kind, reputationSubjects.id], set: values })
      .returning();
    await notifyPolicyChange(tx);
    const effective = tier ?? after!.tier;
    await appendAuditAndEvents(
      tx,
      [{ kind: 'sender', subject: id, at: now, actor, source: 'manual', fromAction: null, toAction: null, reason, figures: { pinnedTier: tier, tier: effective } }],
      [
        {
          type: tier ? 'sender.tier_pinned' : 'sender.tier_unpinned',
          severity: 'info',
          subject: `sender:${id}`,
          summary: tier ? `${actor} pinned sender ${id} to the ${tier} tier: ${reason}` : `${actor} unpinned the tier of sender ${id} (${reason}); earned tier ${after!.tier} applies`,
          payload: { kind: 'sender', id, pinnedTier: tier, tier: effective, actor, reason },
          at: now,
        },
      ],
    );
    return after!;
  });
}

export function auditLog(db: Db, kind: SubjectKind, id: string, limit: number) {
  return db
    .select()
    .from(policyAudit)
    .where(and(eq(policyAudit.kind, kind), eq(policyAudit.subject, id)))
    .orderBy(desc(policyAudit.at), desc(policyAudit.id))
    .limit(limit);
}

export const subjectSorts = {
  complaintRate: reputationSubjects.complaintRate7d,
  hardBounceRate: reputationSubjects.hardBounceRate7d,
  volume: reputationSubjects.sent30d,
  id: reputationSubjects.id,
} as const;

export interface SubjectFilter {
  action?: StoredAction;
  /** Part of the id, case-insensitive. */
  q?: string;
  now: Date;
}

// An override in force wins; otherwise the stricter of the automatic and the campaign action (the
// same rule as effectivePolicy, without the domain and the submitting network).
const overrideInForce = (now: Date) =>
  and(sql`${reputationSubjects.overrideAction} is not null`, or(sql`${reputationSubjects.overrideUntil} is null`, gt(reputationSubjects.overrideUntil, now)));
const strictness = (column: SQL) => sql`array_position(array['allow', 'warn', 'throttle', 'suspend'], ${column})`;
const actionInForce = (now: Date) => sql<StoredAction>`case
  when ${overrideInForce(now)} then ${reputationSubjects.overrideAction}
  when coalesce(${strictness(sql`${reputationSubjects.campaignAction}`)}, 0) > ${strictness(sql`${reputationSubjects.autoAction}`)} then ${reputationSubjects.campaignAction}
  else ${reputationSubjects.autoAction} end`;

function subjectCondition(kind: SubjectKind, filter: SubjectFilter) {
  const actionFilter = filter.action ? sql`${actionInForce(filter.now)} = ${filter.action}` : undefined;
  const pattern = filter.q ? `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
  return and(eq(reputationSubjects.kind, kind), actionFilter, pattern ? ilike(reputationSubjects.id, pattern) : undefined);
}

/** What the severity order weighs: the Wilson z of the configured confidence and each rate's suspend line. */
export interface SeverityWeights {
  z: number;
  complaintLine: number;
  hardBounceLine: number;
}

/** The Wilson lower bound of events / trials (0 without trials): the rate we are confident of. */
function wilsonLower(events: SQL, trials: SQL, z: number) {
  const p = sql`(${events}::float8 / nullif(${trials}, 0))`;
  const n = sql`nullif(${trials}, 0)::float8`;
  const z2 = z * z;
  // No events is a bound of exactly 0: computed, it leaves rounding dust that would outrank volume.
  return sql`case when ${events} = 0 then 0::float8 else coalesce(greatest(0, (${p} + ${z2}::float8 / (2 * ${n}) - ${z}::float8 * sqrt(${p} * (1 - ${p}) / ${n} + ${z2}::float8 / (4 * ${n} * ${n}))) / (1 + ${z2}::float8 / ${n})), 0) end`;
}

/**
 * Most severe first: the action in force, then the worst rate (the larger Wilson lower bound over
 * 7 days, as a share of its suspend line, so 1 complaint in 3 sends does not outrank 40 in
 * 4,000), then the 30-day volume.
 */
function severityOrder(now: Date, weights: SeverityWeights): SQL[] {
  const complaints = wilsonLower(sql`${reputationSubjects.complaints7d}`, sql`${reputationSubjects.sent7d}`, weights.z);
  const bounces = wilsonLower(sql`${reputationSubjects.hardBounces7d}`, sql`${reputationSubjects.sent7d}`, weights.z);
  return [
    sql`${strictness(actionInForce(now))} desc`,
    sql`greatest(${complaints} / ${weights.complaintLine}::float8, ${bounces} / ${weights.hardBounceLine}::float8) desc`,
    desc(reputationSubjects.sent30d),
  ];
}

function missingWeights(): never {
  throw new Error('the severity order needs the confidence and the suspend lines');
}

export function listSubjects(
  db: Db,
  kind: SubjectKind,
  query: SubjectFilter & { sort: keyof typeof subjectSorts | 'severity'; order: 'asc' | 'desc'; limit: number; offset: number; severity?: SeverityWeights },
) {
  const order =
    query.sort === 'severity'
      ? severityOrder(query.now, query.severity ?? missingWeights())
      : [query.order === 'asc' ? asc(subjectSorts[query.sort]) : desc(subjectSorts[query.sort])];
  return db
    .select()
    .from(reputationSubjects)
    .where(subjectCondition(kind, query))
    .orderBy(...order, asc(reputationSubjects.id))
    .limit(query.limit)
    .offset(query.offset);
}

export function countSubjects(db: Db, kind: SubjectKind, filter: SubjectFilter): Promise<number> {
  return db.$count(reputationSubjects, subjectCondition(kind, filter));
}

/** How many senders (or domains) each action applies to now (see actionInForce). */
export async function countByAction(db: Db, kind: SubjectKind, now: Date): Promise<Record<StoredAction, number>> {
  const action = actionInForce(now);
  const rows = await db
    .select({ action, count: sql<number>`count(*)::int` })
    .from(reputationSubjects)
    .where(eq(reputationSubjects.kind, kind))
    .groupBy(sql`1`);
  const counts: Record<StoredAction, number> = { allow: 0, warn: 0, throttle: 0, suspend: 0 };
  for (const row of rows) counts[row.action] += Number(row.count);
  return counts;
}

export async function readMeta(db: Db, key: string): Promise<string | undefined> {
  const [row] = await db.select().from(reputationMeta).where(eq(reputationMeta.key, key));
  return row?.value;
}

export async function writeMeta(tx: Tx, key: string, value: string): Promise<void> {
  await tx
    .insert(reputationMeta)
    .values({ key, value })
    .onConflictDoUpdate({ target: reputationMeta.key, set: { value, updatedAt: sql`now()` } });
}
