// A crash under load loses at most one flush interval of answers: the real `warden serve` answers
// END-OF-MESSAGE requests over TCP, is killed with SIGKILL mid-load, and the messages it answered
// DUNNO are looked up in send_events.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PolicyClient } from '../../support/policy-client';
import { createTestDatabase, postgresTestUrl, type TestDatabase } from '../../support/postgres';
import { startServe } from '../../support/warden-process';

const server = postgresTestUrl();
const flushMs = 1000;

/** The policy server's port, from its start-up log line. */
const policyPortOf = (output: string) => Number(/"port":(\d+)[^\n]*"msg":"Postfix policy server listening"/.exec(output)?.[1]);

/** The most answers received in any window of `windowMs` (times ascending). */
function mostInWindow(times: number[], windowMs: number): number {
  let most = 0;
  for (let first = 0, last = 0; last < times.length; last++) {
    while (times[last]! - times[first]! > windowMs) first++;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

describe.skipIf(!server)('warden serve killed under policy load', () => {
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

  it('loses at most the answers of the last flush interval to a SIGKILL on a slow database, and a restart stores what follows', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'warden-crash-'));
    writeFileSync(join(cwd, 'warden.yaml'), `scheduler:\n  enabled: false\nrelay:\n  policyServer:\n    enabled: true\n    port: 0\n    countFlushMs: ${flushMs}\n`);
    const env = { DATABASE_URL: testDb.url, LOG_LEVEL: 'info' };
    const serve = await startServe({ cwd, env });
    const port = policyPortOf(serve.output());
    // A database slower than the answers: each statement storing send events takes 300 ms more
    // (a busy disk), so the answers outrun the writes unless they wait for them.
    await sql.unsafe(`create function slow_send_events() returns trigger language plpgsql as $$ begin perform pg_sleep(0.3); return null; end $$;
      create trigger slow_send_events before insert on send_events for each statement execute function slow_send_events()`);
    const answered: { id: string; at: number }[] = [];
    const started = performance.now();
    let killedAt = Number.POSITIVE_INFINITY;
    const clients = await Promise.all(Array.from({ length: 50 }, () => PolicyClient.open(port)));
    let sequence = 0;
    // One request in flight per connection, as an smtpd sends them, until the kill closes them.
    await Promise.all(
      clients.map(async (client, c) => {
        for (;;) {
          if (killedAt === Number.POSITIVE_INFINITY && performance.now() - started > 2500 && answered.length >= 2000) {
            killedAt = performance.now();
            serve.child.kill('SIGKILL');
          }
          const id = `K${c}N${++sequence}`;
          const answer = await Promise.race([client.ask({ sasl_username: `user${sequence % 1000}`, sender: 'u@shop.example', queue_id: id }), client.closed.then(() => undefined)]);
          if (answer === undefined) return;
          if (answer === 'DUNNO') answered.push({ id: `postfix:192.0.2.10:${id}`, at: performance.now() });
        }
      }),
    );
    await serve.exited;

    const stored = new Set((await sql<{ messageId: string }[]>`select message_id as "messageId" from send_events`).map((row) => row.messageId));
    const missing = answered.filter((answer) => !stored.has(answer.id));
    const oneInterval = mostInWindow(answered.map((answer) => answer.at), flushMs);
    console.info(
      `crash loss: ${answered.length} answered DUNNO in ${((killedAt - started) / 1000).toFixed(1)} s, ${stored.size} stored, ` +
        `${missing.length} missing; most answers in one flush interval: ${oneInterval}`,
    );
    expect(missing.length).toBeLessThanOrEqual(oneInterval);
    // What is missing was answered in the last flush interval before the kill (plus delivery slack).
    expect(missing.every((answer) => answer.at >= killedAt - flushMs - 100)).toBe(true);

    const restarted = await startServe({ cwd, env });
    try {
      const client = await PolicyClient.open(policyPortOf(restarted.output()));
      expect(await client.ask({ sasl_username: 'alice', sender: 'alice@shop.example', queue_id: 'AFTER' })).toBe('DUNNO');
      client.close();
    } finally {
      restarted.child.kill('SIGTERM');
    }
    expect(await restarted.exited).toBe(0);
    const [after] = await sql<{ count: number }[]>`select count(*)::int as count from send_events where message_id = 'postfix:192.0.2.10:AFTER'`;
    expect(after!.count).toBe(1);
  }, 90_000);
});
