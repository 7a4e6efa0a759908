// POST /api/v1/events past its bound of rows being stored: 503 with Retry-After at once, nothing of
// the request stored, rather than queueing behind the others; a 2xx only for durable rows.
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import { openDatabase, queryRows, type Database } from '../../../src/db/client';
import { sendEvents } from '../../../src/db/schema';
import { waitFor } from '../../support/poll';
import { createTestDatabase, postgresTestUrl, type TestDatabase } from '../../support/postgres';

const serverUrl = postgresTestUrl();
const relayToken = 'relay-token-0123456789abcdef0';
const config = wardenConfigSchema.parse({ auth: { tokens: [{ name: 'postfix', token: relayToken, scopes: ['relay'] }] } });
const event = (i: number) => ({
  messageId: `<m${i}@relay.example>`,
  sender: 'carol',
  senderDomain: 'customers.example',
  recipientDomain: 'gmail.example',
  ip: '192.0.2.10',
  at: '2026-11-20T11:00:00Z',
});

describe.skipIf(!serverUrl)('the events API under load (PostgreSQL)', () => {
  let testDb: TestDatabase;
  let database: Database;
  let app: ReturnType<typeof createApp>;
  const post = (rows: unknown[]) =>
    app.request('/api/v1/events', { method: 'POST', body: JSON.stringify(rows), headers: { authorization: `Bearer ${relayToken}`, 'content-type': 'application/json' } });

  beforeAll(async () => {
    testDb = await createTestDatabase(serverUrl!);
    database = await openDatabase({ url: testDb.url });
    await database.migrate();
    app = createApp({ database, config, logger: pino({ level: 'silent' }), jobs: [], maxEventRowsInFlight: 1000 });
  });
  afterAll(async () => {
    await database?.close();
    await testDb?.drop();
  });

  it('answers 503 with Retry-After past its bound of rows in flight, stores nothing of that request, and takes it when resent', async () => {
    // A slow disk: each statement storing send events takes a second more, until it is dropped.
    await database.db.execute(sql.raw(`create function slow_send_events() returns trigger language plpgsql as $$ begin perform pg_sleep(1); return null; end $$;
      create trigger slow_send_events before insert on send_events for each statement execute function slow_send_events()`));
    const first = post(Array.from({ length: 800 }, (_, i) => event(i)));
    await waitFor(
      async () => (await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from pg_stat_activity where wait_event = 'PgSleep' and datname = current_database()`))[0]!.n > 0,
      { what: 'the first request to be storing' },
    );
    const second = await post(Array.from({ length: 300 }, (_, i) => event(1000 + i)));
    expect(second.status).toBe(503);
    expect(second.headers.get('retry-after')).toBe('1');
    expect(((await second.json()) as { error: { code: string } }).error.code).toBe('E_BUSY');
    expect((await first).status).toBe(200);
    expect(await database.db.$count(sendEvents)).toBe(800);
    await database.db.execute(sql.raw('drop trigger slow_send_events on send_events'));
    const resent = await post(Array.from({ length: 300 }, (_, i) => event(1000 + i)));
    expect(resent.status).toBe(200);
    expect(await database.db.$count(sendEvents)).toBe(1100);
  });
});
