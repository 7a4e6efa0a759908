// Several instances on one PostgreSQL: each scheduled fire runs once, and a crashed instance's
// lease expires so the job runs again elsewhere.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/poll';
import { createTestDatabase, postgresTestUrl, type TestDatabase } from '../../support/postgres';
import { startServe } from '../../support/warden-process';

const server = postgresTestUrl();

describe.skipIf(!server)('several instances sharing one PostgreSQL', () => {
  let testDb: TestDatabase;
  let sql: postgres.Sql;
  beforeAll(async () => {
    testDb = await createTestDatabase(server!);
    sql = postgres(testDb.url, { max: 2, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql.end();
    await testDb.drop();
  });

  it('runs every fire of a job scheduled each second exactly once across two warden serve processes', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'warden-multi-'));
    writeFileSync(join(cwd, 'warden.yaml'), 'jobs:\n  prune-history:\n    schedule: "* * * * * *"\nscheduler:\n  leaseSeconds: 5\n');
    const env = { DATABASE_URL: testDb.url };
    const [first, second] = await Promise.all([startServe({ cwd, env }), startServe({ cwd, env })]);
    const bothUp = new Date();
    try {
      // About ten seconds of fires after both are up.
      await waitFor(
        async () => {
          const [row] = await sql<{ count: number }[]>`
            select count(distinct slot)::int as count from job_runs where job = 'prune-history' and slot >= ${bothUp}`;
          return row!.count >= 10;
        },
        { timeoutMs: 30_000, intervalMs: 250, what: 'ten fires' },
      );
    } finally {
      first.child.kill('SIGTERM');
      second.child.kill('SIGTERM');
    }
    expect(await first.exited).toBe(0);
    expect(await second.exited).toBe(0);

    const runs = await sql<{ slot: Date; instance: string; outcome: string }[]>`
      select slot, instance, outcome from job_runs where job = 'prune-history' and slot >= ${bothUp} order by slot`;
    const perSlot = new Map<number, number>();
    for (const run of runs) perSlot.set(run.slot.getTime(), (perSlot.get(run.slot.getTime()) ?? 0) + 1);
    expect([...perSlot.values()].every((count) => count === 1)).toBe(true);
    expect(runs.every((run) => run.outcome === 'succeeded')).toBe(true);
    const slots = [...perSlot.keys()];
    const span = (Math.max(...slots) - Math.min(...slots)) / 1000 + 1;
    // Each second in the span fired (once); a loaded machine may drop an odd second.
    expect(slots.length).toBeGreaterThanOrEqual(Math.floor(span * 0.8));
    const [fires] = await sql<{ count: number }[]>`select count(*)::int as count from job_fires where job = 'prune-history' and slot >= ${bothUp}`;
    expect(fires!.count).toBe(runs.length);
  }, 60_000);

  it('lets the job run again once a crashed holder’s lease expires', async () => {
    const fixture = fileURLToPath(new URL('../../fixtures/scheduler-instance.ts', import.meta.url));
    const start = (jobMs: number) => {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, testDb.url, String(jobMs), '2'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
      return { child, output: () => output, exited };
    };
    const instanceOf = async (process: ReturnType<typeof start>) =>
      waitFor(() => /"instanceId":"([^"]+)","msg":"instance ready"/.exec(process.output())?.[1], { timeoutMs: 20_000, what: 'instance ready' });

    // A takes the job and hangs in it for ten minutes.
    const holder = start(600_000);
    const holderId = await instanceOf(holder);
    await waitFor(async () => (await sql`select 1 from job_runs where job = 'slow-sweep' and instance = ${holderId} and outcome = 'running'`).length > 0, {
      what: 'the holder to start the job',
    });
    const other = start(50);
    const otherId = await instanceOf(other);
    try {
      // B fires every second but finds the job leased by A.
      await waitFor(() => (other.output().match(/fire skipped: the job is running on another instance/g)?.length ?? 0) >= 3, {
        timeoutMs: 15_000,
        what: 'the other instance to be held off by the lease',
      });
      const [runsByOtherBefore] = await sql<{ count: number }[]>`select count(*)::int as count from job_runs where instance = ${otherId}`;
      expect(runsByOtherBefore!.count).toBe(0);

      holder.child.kill('SIGKILL');
      await holder.exited;
      const killedAt = Date.now();

      const firstRun = await waitFor(
        async () => (await sql<{ started_at: Date }[]>`
          select started_at from job_runs where instance = ${otherId} and outcome = 'succeeded' order by started_at limit 1`)[0],
        { timeoutMs: 15_000, what: 'the job to run on the surviving instance' },
      );
      // The lease (2 s, renewed every ~0.7 s) lapses within about two seconds of the crash.
      expect(firstRun.started_at.getTime()).toBeGreaterThanOrEqual(killedAt - 1000);
      expect(firstRun.started_at.getTime() - killedAt).toBeLessThan(6000);
      const [crashed] = await sql<{ outcome: string; error: string }[]>`
        select outcome, error from job_runs where instance = ${holderId}`;
      expect(crashed).toMatchObject({ outcome: 'abandoned', error: 'the instance running it stopped renewing its lease' });
    } finally {
      holder.child.kill('SIGKILL');
      other.child.kill('SIGTERM');
      await other.exited;
    }
  }, 60_000);
});
