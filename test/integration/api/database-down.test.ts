// While PostgreSQL cannot be reached, the API answers 503 with Retry-After (not 500) and /readyz
// answers 503 within its bound. The database is cut off by a TCP proxy between the app and the
// shared test server, which keeps running.
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allJobs } from '../../../src/jobs';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import { openDatabase, type Database } from '../../../src/db/client';
import { resolveJobs } from '../../../src/scheduler/scheduler';
import { startCuttingProxy, type CuttingProxy } from '../../support/cutting-proxy';
import { waitFor } from '../../support/poll';
import { createTestDatabase, postgresTestUrl, type TestDatabase } from '../../support/postgres';
import { json } from '../../support/http';

const serverUrl = postgresTestUrl();
const relayToken = 'relay-token-0123456789abcdef0';
const opsToken = 'ops-token-0123456789abcdef01';
const config = wardenConfigSchema.parse({
  auth: { tokens: [{ name: 'ops', token: opsToken, scopes: ['ops'] }, { name: 'postfix', token: relayToken, scopes: ['relay'] }] },
});
const event = (i: number) => ({
  messageId: `<m${i}@relay.example>`,
  sender: 'carol',
  senderDomain: 'customers.example',
  recipientDomain: 'gmail.example',
  ip: '192.0.2.10',
  at: '2026-11-20T11:00:00Z',
});

describe.skipIf(!serverUrl)('the database unreachable (PostgreSQL)', () => {
  let testDb: TestDatabase;
  let proxy: CuttingProxy;
  let database: Database;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    testDb = await createTestDatabase(serverUrl!);
    const target = new URL(testDb.url);
    proxy = await startCuttingProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const viaProxy = new URL(testDb.url);
    viaProxy.port = String(proxy.port);
    database = await openDatabase({ url: viaProxy.toString() });
    await database.migrate();
    app = createApp({ database, config, logger: pino({ level: 'silent' }), jobs: resolveJobs(allJobs, {}) });
  });
  afterAll(async () => {
    await database?.close().catch(() => {});
    await proxy?.close();
    await testDb?.drop();
  });

  /** /metrics as answered within 2.5 s while the database does not: counting the reads that failed. */
  const metricsCountingFailedReads = async () => {
    const started = performance.now();
    const response = await app.request('/metrics');
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^warden_operational_state_read_failures_total [1-9]/m);
    return text;
  };
  const postEvents = (rows: unknown[]) =>
    app.request('/api/v1/events', { method: 'POST', body: JSON.stringify(rows), headers: { authorization: `Bearer ${relayToken}`, 'content-type': 'application/json' } });

  it('answers /readyz with 503 within 2.5 s while the database does not answer', async () => {
    expect((await app.request('/readyz')).status).toBe(200);
    proxy.stall(true);
    try {
      const started = performance.now();
      const response = await app.request('/readyz');
      const elapsedMs = performance.now() - started;
      expect(response.status).toBe(503);
      expect((await json(response)).error.code).toBe('E_NOT_READY');
      expect(elapsedMs).toBeLessThan(2_500);
    } finally {
      proxy.stall(false);
      proxy.cutNow();
    }
    // Ready again once the database answers (the cut ends the query left waiting on the stalled connection).
    await waitFor(async () => (await app.request('/readyz')).status === 200, { timeoutMs: 20_000, what: 'ready again' });
  }, 30_000);

  it('answers /metrics within 2.5 s while the database does not answer, and reads it again after', async () => {
    const firing = /^warden_alerts_firing\{severity="critical"\} 0$/m;
    expect(await (await app.request('/metrics')).text()).toMatch(firing);
    proxy.stall(true);
    try {
      expect(await metricsCountingFailedReads()).not.toMatch(firing);
    } finally {
      proxy.stall(false);
      proxy.cutNow();
    }
    await waitFor(async () => firing.test(await (await app.request('/metrics')).text()), { timeoutMs: 20_000, what: 'the gauges read again' });
  }, 30_000);

  it('answers the events API and a read route with 503 and Retry-After while the database refuses connections', async () => {
    expect((await postEvents([event(1)])).status).toBe(200);
    await database.db.execute(sql`select 1`);
    await proxy.close(); // the port is closed now: every connection is refused

    const response = await postEvents([event(2)]);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await json(response)).error).toMatchObject({ code: 'E_DB_UNAVAILABLE', requestId: expect.any(String) });

    const senders = await app.request('/api/v1/senders', { headers: { authorization: `Bearer ${opsToken}` } });
    expect(senders.status).toBe(503);
    expect(senders.headers.get('retry-after')).toMatch(/^\d+$/);

    const started = performance.now();
    expect((await app.request('/readyz')).status).toBe(503);
    expect(performance.now() - started).toBeLessThan(2_500);
  });

  it('still answers /metrics, counting the failed read and leaving the database gauges empty', async () => {
    // The proxy is closed since the test above: every connection is refused.
    const text = await metricsCountingFailedReads();
    // prom-client writes NaN as "Nan", which Prometheus parses (Go strconv.ParseFloat ignores case).
    expect(text).toMatch(/^warden_quarantine_messages nan$/im);
    expect(text).not.toMatch(/^warden_alerts_firing\{/m);
    expect(text).toMatch(/^warden_process_cpu_seconds_total /m);
  });
});
