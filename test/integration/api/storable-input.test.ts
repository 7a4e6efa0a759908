// Values the database cannot store (a NUL character, an int4 overflow, year 0) are refused as a
// 400 naming the field, and in a batch of send events only the bad row is lost. On both engines.
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allJobs } from '../../../src/jobs';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import { queryRows, type Database } from '../../../src/db/client';
import { resolveJobs } from '../../../src/scheduler/scheduler';
import { testEngines } from '../../support/engines';
import { json } from '../../support/http';

const opsToken = 'ops-token-0123456789abcdef01';
const relayToken = 'relay-token-0123456789abcdef0';
const config = wardenConfigSchema.parse({
  auth: { tokens: [{ name: 'ops', token: opsToken, scopes: ['ops'] }, { name: 'postfix', token: relayToken, scopes: ['relay'] }] },
});
const now = new Date('2026-11-20T12:30:00Z');

const event = (i: number, extra: Record<string, unknown> = {}) => ({
  messageId: `<m${i}@relay.example>`,
  recipient: `user${i}@gmail.example`,
  sender: 'carol',
  senderDomain: 'customers.example',
  recipientDomain: 'gmail.example',
  ip: '192.0.2.10',
  at: '2026-11-20T11:00:00Z',
  ...extra,
});

describe.each(testEngines())('input the database cannot store ($name)', (engine) => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    database = await engine.open();
    app = createApp({ database, config, logger: pino({ level: 'silent' }), jobs: resolveJobs(allJobs, {}), clock: () => now });
  });
  afterAll(() => database.close());

  const postEvents = (rows: unknown[]) =>
    app.request('/api/v1/events', { method: 'POST', body: JSON.stringify(rows), headers: { authorization: `Bearer ${relayToken}`, 'content-type': 'application/json' } });
  const ops = (path: string, init: RequestInit = {}) =>
    app.request(path, { ...init, headers: { authorization: `Bearer ${opsToken}`, 'content-type': 'application/json', ...init.headers } });
  const storedMessageIds = async () =>
    (await queryRows<{ message_id: string }>(database.db, sql`select message_id from send_events order by message_id`)).map((row) => row.message_id);

  it('stores the good rows of a batch with NUL characters and a year-0 date, answers 207 with the bad rows, and a retry stores nothing twice', async () => {
    const rows = [event(1), event(2, { messageId: '<m2\u0000@relay.example>' }), event(3, { sender: 'ca\u0000rol' }), event(4, { at: '0000-06-01T00:00:00Z' }), event(5)];
    const first = await postEvents(rows);
    expect(first.status).toBe(207);
    const body = await json(first);
    expect(body).toMatchObject({ received: 5, stored: 2, duplicates: 0 });
    expect(body.rejected).toEqual([
      { index: 1, code: 'E_VALIDATION', message: expect.stringMatching(/^messageId: .*NUL/) },
      { index: 2, code: 'E_VALIDATION', message: expect.stringMatching(/^sender: .*NUL/) },
      { index: 3, code: 'E_VALIDATION', message: expect.stringMatching(/^at: .*years 1 and 9999/) },
    ]);
    expect(await storedMessageIds()).toEqual(['<m1@relay.example>', '<m5@relay.example>']);

    const retry = await postEvents(rows);
    expect(retry.status).toBe(207);
    expect(await json(retry)).toMatchObject({ stored: 0, duplicates: 2 });
    const [rollup] = await queryRows<{ sent: number }>(database.db, sql`select sum(sent)::int as sent from daily_rollups where dimension = 'sender' and key = 'carol'`);
    expect(rollup?.sent).toBe(2);
  });

  it('answers 200 when every row is stored', async () => {
    const response = await postEvents([event(10)]);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ received: 1, stored: 1, duplicates: 0, rejected: [] });
  });

  it('keeps the good rows when the database itself refuses a row the schema accepted', async () => {
    // A rule of the database the API does not know: the row is refused with a data exception.
    await database.db.execute(sql.raw(`
      create function refuse_blocked_sender() returns trigger language plpgsql as $$
      begin
        if new.sender = 'blocked-by-database' then raise exception 'sender refused' using errcode = '22023'; end if;
        return new;
      end $$`));
    await database.db.execute(sql.raw('create trigger refuse_blocked_sender before insert on send_events for each row execute function refuse_blocked_sender()'));
    try {
      const response = await postEvents([event(20), event(21, { sender: 'blocked-by-database' }), event(22)]);
      expect(response.status).toBe(207);
      const body = await json(response);
      expect(body).toMatchObject({ received: 3, stored: 2, rejected: [{ index: 1, code: 'E_NOT_STORABLE', message: expect.stringContaining('sender refused') }] });
      expect(await storedMessageIds()).toEqual(expect.arrayContaining(['<m20@relay.example>', '<m22@relay.example>']));
      expect(await storedMessageIds()).not.toContain('<m21@relay.example>');
    } finally {
      await database.db.execute(sql.raw('drop trigger refuse_blocked_sender on send_events'));
      await database.db.execute(sql.raw('drop function refuse_blocked_sender()'));
    }
  });

  it.each([
    ['a NUL in a path id', '/api/v1/senders/car%00ol', 'id'],
    ['a NUL in the q filter', '/api/v1/senders?q=car%00ol', 'q'],
    ['a NUL in a reason', '/api/v1/senders/carol/override?reason=lif%00ted', 'reason'],
    ['a NUL in a job name filter', '/api/v1/jobs/runs?job=prune%00', 'job'],
    ['a NUL in a complaints filter', '/api/v1/complaints?sender=car%00ol', 'sender'],
    ['a year-0 date in a complaints filter', '/api/v1/complaints?from=0000-01-01T00:00:00Z', 'from'],
    ['a cursor naming an id past int8', `/api/v1/quarantine?cursor=${'9'.repeat(25)}`, 'cursor'],
    ['a NUL in a sparkline key', '/api/v1/rates/daily?dimension=sender&keys=car%00ol', 'keys'],
  ])('refuses %s with 400 naming the field', async (_what, path, field) => {
    const response = await ops(path, { method: path.includes('/override?') ? 'DELETE' : 'GET' });
    expect(response.status).toBe(400);
    const { error } = await json(response);
    expect(error.code).toBe('E_VALIDATION');
    expect(error.message).toContain(field);
  });

  it('refuses an override with a NUL in its reason or a limit past int4 with 400 naming the field', async () => {
    const override = (body: Record<string, unknown>) => ops('/api/v1/senders/carol/override', { method: 'POST', body: JSON.stringify(body) });
    const tooLarge = await override({ action: 'throttle', reason: 'too many complaints', limitPerHour: 3_000_000_000 });
    expect(tooLarge.status).toBe(400);
    expect((await json(tooLarge)).error.message).toContain('limitPerHour');
    const nul = await override({ action: 'suspend', reason: 'spam\u0000run' });
    expect(nul.status).toBe(400);
    expect((await json(nul)).error.message).toMatch(/^reason: .*NUL/);
    const largest = await override({ action: 'throttle', reason: 'the largest limit', limitPerHour: 2_147_483_647 });
    expect(largest.status).toBe(200);
    expect((await json(largest)).policy.action).toBe('throttle');
  });

  it('refuses a NUL in a campaign dismissal reason with 400', async () => {
    const response = await ops('/api/v1/campaigns/1/dismiss', { method: 'POST', body: JSON.stringify({ reason: 'not\u0000spam' }) });
    expect(response.status).toBe(400);
    expect((await json(response)).error.message).toContain('reason');
  });
});
