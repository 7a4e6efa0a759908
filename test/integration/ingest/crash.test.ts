// The ingesting process killed (SIGKILL) at random points, five times, over a 2,000-message
// mailbox: afterwards every message is stored exactly once and post-actioned. Needs Dovecot and
// PostgreSQL (the killed `warden` process and the test share the database).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows, type Database } from '../../../src/db/client';
import { ingestedMessages } from '../../../src/db/schema';
import { wardenConfigSchema } from '../../../src/config/schema';
import { prepareMessage } from '../../../src/ingest/message';
import { appendMessages, folderStatus } from '../../../src/ingest/imap-admin';
import { dovecotAvailable, startDovecot, type RunningDovecot } from '../../support/dovecot';
import { numberedMessages } from '../../support/mail-samples';
import { waitFor } from '../../support/poll';
import { createTestDatabase, postgresTestUrl, type TestDatabase } from '../../support/postgres';
import { projectRoot, runWarden, spawnWarden } from '../../support/warden-process';

const serverUrl = postgresTestUrl();
const haveDovecot = dovecotAvailable();

describe.skipIf(!serverUrl || !haveDovecot)('mailbox ingestion killed at random points', () => {
  let dovecot: RunningDovecot;
  let testDb: TestDatabase;
  let database: Database;
  let directory: string;

  beforeAll(async () => {
    dovecot = await startDovecot();
    testDb = await createTestDatabase(serverUrl!);
    database = await openDatabase({ url: testDb.url });
    await database.migrate();
    directory = mkdtempSync(join(tmpdir(), 'warden-crash-'));
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
    await dovecot?.stop();
    if (directory) rmSync(directory, { recursive: true, force: true });
  });

  const count = async (query: ReturnType<typeof sql>) => Number((await queryRows<{ n: string }>(database.db, query))[0]!.n);

  it('stores every message exactly once after five SIGKILLs', { timeout: 300_000 }, async () => {
    const server = { host: dovecot.host, port: dovecot.port, tls: 'none' as const, user: dovecot.user, password: dovecot.password };
    const messages = numberedMessages(2000, 'crash');
    await appendMessages(server, 'Crash', messages);
    const configPath = join(directory, 'warden.yaml');
    writeFileSync(
      configPath,
      JSON.stringify({
        database: { url: testDb.url },
        log: { level: 'warn' },
        scheduler: { leaseSeconds: 2 },
        mailboxes: {
          imap: [{ name: 'fbl', ...server, folders: [{ path: 'Crash', afterProcessing: { action: 'move', folder: 'Crash.done' } }], batchSize: 100 }],
        },
      }),
    );
    const args = ['--config', configPath, 'jobs', 'run', 'ingest-mailboxes'];
    const stored = () => count(sql`select count(*) as n from ingested_messages`);

    const killedAt: number[] = [];
    for (let run = 0; run < 5; run++) {
      const before = await stored();
      // A random point: after the process has stored between 1 and 250 more messages (anywhere
      // in a batch's analysis, commit or post-action, or the next fetch).
      const target = before + 1 + Math.floor(Math.random() * 250);
      const child = spawnWarden(args, { cwd: projectRoot });
      await waitFor(async () => child.child.exitCode !== null || (await stored()) >= target, { timeoutMs: 60_000, intervalMs: 10, what: `run ${run} to store ${target} messages` });
      expect(child.child.exitCode, child.output()).toBeNull();
      child.child.kill('SIGKILL');
      await child.exited;
      killedAt.push(await stored());
      // The killed holder's lease runs out (scheduler.leaseSeconds) before the next run may start.
      await waitFor(async () => (await count(sql`select count(*) as n from job_leases where expires_at > now()`)) === 0, { timeoutMs: 10_000, what: 'the lease to expire' });
    }
    expect(killedAt.at(-1)).toBeLessThan(2000);

    const final = await runWarden(args, { cwd: projectRoot });
    expect(final.code, final.output).toBe(0);

    expect(await stored()).toBe(2000);
    // Each appended copy (named by its first header) is among the stored raw messages exactly once.
    const rows = await database.db.select({ raw: ingestedMessages.rawGzip }).from(ingestedMessages);
    const copies = rows.map((row) => /^X-Warden-Test: (\S+)/.exec(gunzipSync(row.raw!).toString('latin1'))?.[1]).sort();
    expect(copies).toEqual(messages.map((_, index) => `crash-${index}`).sort());
    // Facts were written with their message, each once: the stored facts are exactly the distinct
    // reports the stored messages hold (the copies differ by one header, so each DSN counts once).
    const attribution = wardenConfigSchema.parse({}).attribution;
    const distinctFacts = new Set(
      rows.flatMap(({ raw }, index) => {
        const bytes = gunzipSync(raw!);
        return prepareMessage({ source: 'x', folder: 'Crash', uidValidity: 1n, uid: index + 1, messageKey: `k${index}`, raw: bytes, size: bytes.length }, { maxMessageBytes: 10 * 1024 * 1024, holds: 'auto', attribution, now: new Date() }).facts.map((fact) => fact.dedupKey);
      }),
    );
    expect(await count(sql`select count(*) as n from mail_facts`)).toBe(distinctFacts.size);
    expect((await folderStatus(server, 'Crash')).messages).toBe(0);
    expect((await folderStatus(server, 'Crash.done')).messages).toBe(2000);
  });
});
