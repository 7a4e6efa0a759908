// The scheduler's storage on both engines: leases, fire claims and run history.
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { queryRows } from '../../../src/db/client';
import { acquireJobLease, claimJobFire, listJobRuns, pruneJobHistory, releaseJobLease, renewJobLease } from '../../../src/db/job-queries';
import { runJobOnce } from '../../../src/scheduler/run-job';
import { pruneHistoryJob } from '../../../src/jobs/prune-history';
import { testEngines } from '../../support/engines';

const config = wardenConfigSchema.parse({});
const logger = pino({ level: 'silent' });

describe.each(testEngines())('scheduler storage on $name', (engine) => {
  let database: Database;
  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(async () => {
    await database.close();
  });

  it('applies migrations once and reports them all applied', async () => {
    await database.migrate();
    const status = await database.migrationStatus();
    expect(status.applied).toBe(status.expected);
    expect(status.expected).toBeGreaterThan(0);
  });

  it('gives a job lease to one holder at a time', async () => {
    expect(await acquireJobLease(database.db, 'sweep', 'a', 60_000)).toBe(true);
    expect(await acquireJobLease(database.db, 'sweep', 'b', 60_000)).toBe(false);
    expect(await acquireJobLease(database.db, 'other', 'b', 60_000)).toBe(true);
    await releaseJobLease(database.db, 'sweep', 'a');
    expect(await acquireJobLease(database.db, 'sweep', 'b', 60_000)).toBe(true);
  });

  it('lets another holder take an expired lease and marks the dead holder’s run abandoned', async () => {
    expect(await acquireJobLease(database.db, 'sweep', 'a', 60_000)).toBe(true);
    await runJobOnce(
      { name: 'sweep', description: '', defaultSchedule: '* * * * *', run: async () => ({}) },
      { db: database.db, config, logger },
      { trigger: 'manual', slot: null, instance: 'a' },
    );
    // A run that never finished: its instance died mid-run.
    await database.db.execute(
      sql`insert into job_runs (job, trigger, instance, started_at, outcome) values ('sweep', 'schedule', 'a', now(), 'running')`,
    );
    await database.db.execute(sql`update job_leases set expires_at = now() - interval '1 second' where job = 'sweep'`);
    expect(await renewJobLease(database.db, 'sweep', 'b', 60_000)).toBe(false);
    expect(await acquireJobLease(database.db, 'sweep', 'b', 60_000)).toBe(true);
    expect(await renewJobLease(database.db, 'sweep', 'a', 60_000)).toBe(false);
    const runs = await listJobRuns(database.db, { job: 'sweep', limit: 10 });
    expect(runs.map((r) => r.outcome).sort()).toEqual(['abandoned', 'succeeded']);
  });

  it('claims each scheduled fire once', async () => {
    const slot = new Date('2026-11-25T10:00:00Z');
    expect(await claimJobFire(database.db, 'sweep', slot, 'a')).toBe(true);
    expect(await claimJobFire(database.db, 'sweep', slot, 'b')).toBe(false);
    expect(await claimJobFire(database.db, 'sweep', new Date(slot.getTime() + 1000), 'b')).toBe(true);
  });

  it('records a run’s summary, and a failing run’s error', async () => {
    const deps = { db: database.db, config, logger };
    const ok = await runJobOnce(
      { name: 'count', description: '', defaultSchedule: '* * * * *', run: async () => ({ checked: 3 }) },
      deps,
      { trigger: 'manual', slot: null, instance: 'a' },
    );
    const failed = await runJobOnce(
      { name: 'count', description: '', defaultSchedule: '* * * * *', run: async () => { throw new Error('resolver down'); } },
      deps,
      { trigger: 'schedule', slot: new Date('2026-11-25T10:00:00Z'), instance: 'a' },
    );
    expect(ok.outcome).toBe('succeeded');
    expect(failed).toMatchObject({ outcome: 'failed', error: 'resolver down' });
    const runs = await listJobRuns(database.db, { job: 'count', limit: 10 });
    expect(runs).toHaveLength(2);
    const byId = new Map(runs.map((r) => [r.id, r]));
    expect(byId.get(ok.runId)).toMatchObject({ outcome: 'succeeded', summary: { checked: 3 }, trigger: 'manual' });
    expect(byId.get(failed.runId)).toMatchObject({ outcome: 'failed', error: 'resolver down', trigger: 'schedule' });
    expect(byId.get(failed.runId)!.slot!.toISOString()).toBe('2026-11-25T10:00:00.000Z');
  });

  it('prunes finished runs and old fire claims, keeping running ones', async () => {
    await database.db.execute(sql`
      insert into job_runs (job, trigger, instance, started_at, outcome) values
        ('old', 'schedule', 'a', now() - interval '40 days', 'succeeded'),
        ('old', 'schedule', 'a', now() - interval '40 days', 'running'),
        ('new', 'schedule', 'a', now(), 'succeeded')`);
    await claimJobFire(database.db, 'old', new Date(Date.now() - 3 * 86_400_000), 'a');
    await claimJobFire(database.db, 'new', new Date(), 'a');
    const pruned = await pruneJobHistory(database.db, new Date(Date.now() - 30 * 86_400_000), new Date(Date.now() - 2 * 86_400_000));
    expect(pruned).toEqual({ runsDeleted: 1, firesDeleted: 1 });
    const [left] = await queryRows<{ count: string | number }>(database.db, sql`select count(*) as count from job_runs`);
    expect(Number(left!.count)).toBe(2);
  });

  it('prunes old mailbox runs and delivered alert deliveries with their attempts, keeping dead-lettered ones', async () => {
    const old = sql`now() - interval '40 days'`;
    await database.db.execute(sql`
      insert into ingest_runs (source, started_at, duration_ms, outcome, fetched, stored, duplicates, quarantined, errors) values
        ('imap:fbl', ${old}, 5, 'succeeded', 1, 1, 0, 0, 0), ('imap:fbl', now(), 5, 'succeeded', 1, 1, 0, 0, 0)`);
    await database.db.execute(sql`
      insert into alerts (dedup_key, kind, state, severity, title, labels, subjects, open_subjects, recent_events, event_count, destinations, first_at, last_at, notify_after)
      values ('k', 'listed', 'resolved', 'critical', 't', '{}', '[]', '[]', '[]', 1, '[]', ${old}, ${old}, ${old})`);
    for (const [messageId, status, createdAt] of [['old-delivered', 'delivered', old], ['old-dead', 'dead', old], ['new-delivered', 'delivered', sql`now()`]] as const) {
      await database.db.execute(sql`
        insert into alert_deliveries (alert_id, destination, kind, message_id, message, status, created_at, next_attempt_at, give_up_at)
        select id, 'ops', 'trigger', ${messageId}, '{}', ${status}, ${createdAt}, ${createdAt}, ${createdAt} from alerts`);
      await database.db.execute(sql`
        insert into alert_delivery_attempts (delivery_id, at, latency_ms, outcome)
        select id, ${createdAt}, 3, 'delivered' from alert_deliveries where message_id = ${messageId}`);
    }
    const result = await runJobOnce(pruneHistoryJob, { db: database.db, config, logger }, { trigger: 'manual', slot: null, instance: 'a' });
    expect(result.summary).toMatchObject({ ingestRunsDeleted: 1, deliveriesDeleted: 1 });
    const count = async (table: string) =>
      Number((await queryRows<{ count: string | number }>(database.db, sql`select count(*) as count from ${sql.identifier(table)}`))[0]!.count);
    expect(await count('ingest_runs')).toBe(1);
    const left = await queryRows<{ message_id: string }>(database.db, sql`select message_id from alert_deliveries order by message_id`);
    expect(left.map((row) => row.message_id)).toEqual(['new-delivered', 'old-dead']);
    // The attempts of the pruned delivery went with it.
    expect(await count('alert_delivery_attempts')).toBe(2);
  });
});
