// The hourly counter's writes on both engines: a write that fails stores nothing twice and loses
// nothing, and past its bounds the counter holds answers instead of dropping send events.
import { and, eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queryRows, type Database, type Db } from '../../../src/db/client';
import { hourlyRollups, relayHourlyCounts, sendEvents } from '../../../src/db/schema';
import { HourlyCounter } from '../../../src/relay/hourly-counter';
import { testEngines } from '../../support/engines';
import { waitFor } from '../../support/poll';

const logger = pino({ level: 'silent' });
const now = new Date('2026-11-20T12:30:00Z');

/** A trigger making PostgreSQL refuse to store one send event (and so the batch holding it), until dropped. */
async function refuseSendEvent(db: Db, messageId: string) {
  await db.execute(sql.raw(`create or replace function refuse_send_event() returns trigger language plpgsql as $$
    begin if new.message_id = '${messageId}' then raise exception 'refused for the test'; end if; return new; end $$`));
  await db.execute(sql.raw('create trigger refuse_send_event before insert on send_events for each row execute function refuse_send_event()'));
  return { recover: () => db.execute(sql.raw('drop trigger refuse_send_event on send_events')) };
}

const eventOf = (i: number, sender = 'alice') => ({
  messageId: `postfix:192.0.2.10:Q${i}`,
  recipientKey: '@gmail.example',
  sender,
  senderDomain: 'shop.example',
  recipientDomain: 'gmail.example',
  ip: '192.0.2.10',
  at: now,
});

describe.each(testEngines())('hourly counter on $name', (engine) => {
  let database: Database;
  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(async () => {
    await database.close();
  });

  it('keeps the send events of a write that failed after the counts and stores each once at the next flush', async () => {
    // The counts go through; the batch of events holding Q1200 is refused.
    const refusal = await refuseSendEvent(database.db, 'postfix:192.0.2.10:Q1200');
    const counter = new HourlyCounter(database.db, { flushMs: 3_600_000, logger });
    for (let i = 0; i < 1500; i++) counter.add('alice', now, eventOf(i));
    await counter.flush();
    expect(counter.backlog).toBe(1500);
    expect(await database.db.$count(sendEvents)).toBe(0);
    await refusal.recover();
    await counter.flush();
    expect(counter.backlog).toBe(0);
    expect(counter.stats).toMatchObject({ stored: 1500, refused: 0 });
    expect(await database.db.$count(sendEvents)).toBe(1500);
    expect(await database.db.select().from(relayHourlyCounts)).toMatchObject([{ sender: 'alice', accepted: 1500 }]);
    const [sent] = await database.db.select({ sent: hourlyRollups.sent }).from(hourlyRollups).where(and(eq(hourlyRollups.dimension, 'sender'), eq(hourlyRollups.key, 'alice')));
    expect(sent).toEqual({ sent: 1500 });
  });
  it('stores send events by COPY on PostgreSQL (statements on PGlite), counting a batch holding one already stored once', async () => {
    await database.db.execute(sql.raw('create table seen_statements (query text)'));
    await database.db.execute(sql.raw(`create function record_statement() returns trigger language plpgsql as $$
      begin insert into seen_statements values (current_query()); return null; end $$`));
    await database.db.execute(sql.raw('create trigger record_statement before insert on send_events for each statement execute function record_statement()'));
    const counter = new HourlyCounter(database.db, { flushMs: 3_600_000, logger });
    for (let i = 0; i < 3; i++) counter.add('gina', now, eventOf(i, 'gina'));
    await counter.flush();
    // Q2 again: the COPY is refused for it, and the statement path stores the new one alone.
    for (let i = 2; i < 4; i++) counter.add('gina', now, eventOf(i, 'gina'));
    await counter.flush();
    const statements = await queryRows<{ query: string }>(database.db, sql`select query from seen_statements`);
    const kinds = statements.map((row) => (/^\s*copy /i.test(row.query) ? 'copy' : 'insert'));
    // The refused COPY's own record went with its transaction.
    expect(kinds).toEqual(engine.name === 'postgres' ? ['copy', 'insert'] : ['insert', 'insert']);
    await database.db.execute(sql.raw('drop trigger record_statement on send_events'));
    await database.db.execute(sql.raw('drop table seen_statements'));
    expect(await database.db.$count(sendEvents)).toBe(4);
    const [sent] = await database.db.select({ sent: hourlyRollups.sent }).from(hourlyRollups).where(and(eq(hourlyRollups.dimension, 'sender'), eq(hourlyRollups.key, 'gina')));
    expect(sent).toEqual({ sent: 4 });
  });
  it('never drops a send event: past its bound it stops accepting, keeps every event, and accepts again once they are stored', async () => {
    const counter = new HourlyCounter(database.db, { flushMs: 3_600_000, logger, maxPendingEvents: 1000 });
    for (let i = 0; i < 999; i++) counter.add('dora', now, eventOf(i, 'dora'));
    expect(counter.accepting()).toBe(true);
    // A read that arrived before the answers were held (a pipelining client) still queues its events.
    for (let i = 999; i < 1300; i++) counter.add('dora', now, eventOf(i, 'dora'));
    expect(counter.accepting()).toBe(false);
    expect(counter.backlog).toBe(1300);
    // Holding starts a write at once; accepting again when it is stored.
    await counter.whenAccepting();
    expect(counter.accepting()).toBe(true);
    expect(counter.backlog).toBe(0);
    expect(await database.db.$count(sendEvents)).toBe(1300);
    expect(counter.stats).toMatchObject({ stored: 1300, refused: 0, heldEpisodes: 1 });
  });
  it('stops accepting once an event answered a flush interval ago is not stored, and retries the write until it is', async () => {
    const refusal = await refuseSendEvent(database.db, 'postfix:192.0.2.10:Q0');
    const counter = new HourlyCounter(database.db, { flushMs: 50, logger });
    counter.start();
    counter.add('erin', now, eventOf(0, 'erin'));
    expect(counter.accepting()).toBe(true);
    await waitFor(() => !counter.accepting(), { what: 'the event to be a flush interval old' });
    const accepting = counter.whenAccepting();
    await refusal.recover();
    await accepting;
    expect(await database.db.$count(sendEvents)).toBe(1);
    expect(counter.heldSeconds()).toBeGreaterThan(0);
    await counter.stop();
  });
  it('carries the day’s count into the next hour before and after the shared read, and starts over at midnight', async () => {
    const counter = new HourlyCounter(database.db, { flushMs: 3_600_000, logger });
    const at = (iso: string) => new Date(iso);
    for (let i = 0; i < 30; i++) counter.add('erin', at('2026-11-20T10:15:00Z'));
    // The next hour, before any read: what this instance counted earlier today stays in the day.
    counter.add('erin', at('2026-11-20T11:05:00Z'));
    expect(counter.current('erin', at('2026-11-20T11:05:00Z'))).toMatchObject({ hour: 1, day: 31, loaded: false });
    // After the counts are written and read back, the shared figures agree.
    await counter.flush();
    expect(await counter.count('erin', at('2026-11-20T11:06:00Z'))).toBe(1);
    expect(await counter.countToday('erin', at('2026-11-20T11:06:00Z'))).toBe(31);
    // Another instance (a fresh counter on the same database) sees the same day.
    const other = new HourlyCounter(database.db, { flushMs: 3_600_000, logger });
    expect(await other.countToday('erin', at('2026-11-20T12:00:00Z'))).toBe(31);
    // A new UTC day starts from zero.
    expect(await other.countToday('erin', at('2026-11-21T00:10:00Z'))).toBe(0);
    counter.add('erin', at('2026-11-21T00:20:00Z'));
    expect(counter.current('erin', at('2026-11-21T00:20:00Z'))).toMatchObject({ hour: 1, day: 1 });
  });
  it('writes an hour’s counts that ended before a flush under that hour, even when the clock is set back', async () => {
    const counter = new HourlyCounter(database.db, { flushMs: 3_600_000, logger });
    const at = (iso: string) => new Date(iso);
    for (let i = 0; i < 3; i++) counter.add('finn', at('2026-11-20T10:59:00Z'));
    counter.add('finn', at('2026-11-20T11:00:30Z'));
    // The clock goes back into the ended hour before the flush.
    counter.add('finn', at('2026-11-20T10:59:50Z'));
    await counter.flush();
    const rows = await database.db.select().from(relayHourlyCounts).orderBy(relayHourlyCounts.hour);
    expect(rows.map((row) => [row.hour.toISOString(), row.accepted])).toEqual([['2026-11-20T10:00:00.000Z', 4], ['2026-11-20T11:00:00.000Z', 1]]);
  });
});
