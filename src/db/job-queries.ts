// Queries over the scheduler tables: leases, claimed fires and run history.
import { and, desc, eq, inArray, lt, ne, sql } from 'drizzle-orm';
import type { Db } from './client';
import { jobFires, jobLeases, jobRuns, type JobOutcome } from './schema';

const leaseExpiry = (ttlMs: number) => sql`now() + make_interval(secs => ${ttlMs / 1000})`;

/**
 * Takes the job's lease for `holder` unless another holder's lease is still live. Uses the
 * database clock, so instances with skewed clocks agree on expiry. Runs of the job still marked
 * running by a holder whose lease lapsed are marked abandoned: that holder stopped renewing.
 */
export async function acquireJobLease(db: Db, job: string, holder: string, ttlMs: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    const taken = await tx
      .insert(jobLeases)
      .values({ job, holder, expiresAt: leaseExpiry(ttlMs) })
      .onConflictDoUpdate({
        target: jobLeases.job,
        set: { holder, acquiredAt: sql`now()`, expiresAt: leaseExpiry(ttlMs) },
        setWhere: lt(jobLeases.expiresAt, sql`now()`),
      })
      .returning({ job: jobLeases.job });
    if (taken.length === 0) return false;
    await tx
      .update(jobRuns)
      .set({ outcome: 'abandoned', finishedAt: sql`now()`, error: 'the instance running it stopped renewing its lease' })
      .where(and(eq(jobRuns.job, job), eq(jobRuns.outcome, 'running'), ne(jobRuns.instance, holder)));
    return true;
  });
}

/** Extends a held lease; false when it was lost (expired and taken by another instance). */
export async function renewJobLease(db: Db, job: string, holder: string, ttlMs: number): Promise<boolean> {
  const renewed = await db
    .update(jobLeases)
    .set({ expiresAt: leaseExpiry(ttlMs) })
    .where(and(eq(jobLeases.job, job), eq(jobLeases.holder, holder)))
    .returning({ job: jobLeases.job });
  return renewed.length > 0;
}

export async function releaseJobLease(db: Db, job: string, holder: string): Promise<void> {
  await db.delete(jobLeases).where(and(eq(jobLeases.job, job), eq(jobLeases.holder, holder)));
}

/** Claims a scheduled fire; false when another instance claimed the same (job, slot) first. */
export async function claimJobFire(db: Db, job: string, slot: Date, holder: string): Promise<boolean> {
  const claimed = await db
    .insert(jobFires)
    .values({ job, slot, holder })
    .onConflictDoNothing()
    .returning({ job: jobFires.job });
  return claimed.length > 0;
}

export async function insertJobRun(
  db: Db,
  run: { job: string; slot: Date | null; trigger: 'schedule' | 'manual'; instance: string; startedAt: Date },
): Promise<number> {
  const [row] = await db
    .insert(jobRuns)
    .values({ ...run, outcome: 'running' })
    .returning({ id: jobRuns.id });
  return row!.id;
}

export async function finishJobRun(
  db: Db,
  id: number,
  result: { outcome: JobOutcome; finishedAt: Date; durationMs: number; summary?: Record<string, unknown>; error?: string },
): Promise<void> {
  await db.update(jobRuns).set(result).where(eq(jobRuns.id, id));
}

export function listJobRuns(db: Db, filter: { job?: string; limit: number }) {
  return db
    .select()
    .from(jobRuns)
    .where(filter.job ? eq(jobRuns.job, filter.job) : undefined)
    .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
    .limit(filter.limit);
}

/** How the job's latest finished run ended, or undefined if it never finished one. */
export async function lastFinishedOutcome(db: Db, job: string): Promise<'succeeded' | 'failed' | undefined> {
  const [row] = await db
    .select({ outcome: jobRuns.outcome })
    .from(jobRuns)
    .where(and(eq(jobRuns.job, job), inArray(jobRuns.outcome, ['succeeded', 'failed'])))
    .orderBy(desc(jobRuns.startedAt), desc(jobRuns.id))
    .limit(1);
  return row?.outcome as 'succeeded' | 'failed' | undefined;
}

/** The latest run of each job, for the job list. */
export async function latestJobRuns(db: Db) {
  return db
    .selectDistinctOn([jobRuns.job])
    .from(jobRuns)
    .orderBy(jobRuns.job, desc(jobRuns.startedAt), desc(jobRuns.id));
}

export async function pruneJobHistory(db: Db, runsBefore: Date, firesBefore: Date) {
  const runs = await db
    .delete(jobRuns)
    .where(and(lt(jobRuns.startedAt, runsBefore), ne(jobRuns.outcome, 'running')))
    .returning({ id: jobRuns.id });
  const fires = await db.delete(jobFires).where(lt(jobFires.slot, firesBefore)).returning({ job: jobFires.job });
  return { runsDeleted: runs.length, firesDeleted: fires.length };
}
