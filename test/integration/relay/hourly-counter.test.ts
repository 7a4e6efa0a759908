// The hourly counter's writes on both engines: a write that fails part-way stores nothing twice
// and loses nothing.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database, Db } from '../../../src/db/client';
import { relayHourlyCounts, sendEvents } from '../../../src/db/schema';
import { HourlyCounter } from '../../../src/relay/hourly-counter';
import { testEngines } from '../../support/engines';

const logger = pino({ level: 'silent' });
const now = new Date('2026-11-20T12:30:00Z');

/** The database, refusing statements after the first `allowed` ones until `recover()`. */
function failingAfter(db: Db, allowed: number) {
  let calls = 0;
  let failing = true;
  const flaky = new Proxy(db, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property === 'execute') {
        return (query: unknown) => (failing && ++calls > allowed ? Promise.reject(new Error('connection reset')) : value.call(target, query));
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: flaky, recover: () => (failing = false) };
}

describe.each(testEngines())('hourly counter on $name', (engine) => {
  let database: Database;
  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(async () => {
    await database.close();
  });

  it('keeps the send events of a write that failed part-way and stores each once at the next flush', async () => {
    // The count, then the first 1,000 events, go through; the statement with the last 500 fails.
    const flaky = failingAfter(database.db, 2);
    const counter = new HourlyCounter(flaky.db, { flushMs: 3_600_000, logger });
    for (let i = 0; i < 1500; i++) {
      counter.add('alice', now, {
        messageId: `postfix:192.0.2.10:Q${i}`,
        recipientKey: '@gmail.example',
        sender: 'alice',
        senderDomain: 'shop.example',
        recipientDomain: 'gmail.example',
        ip: '192.0.2.10',
        at: now,
      });
    }
    await counter.flush();
    expect(counter.backlog).toBe(500);
    expect(await database.db.$count(sendEvents)).toBe(1000);
    flaky.recover();
    await counter.flush();
    expect(counter.backlog).toBe(0);
    expect(await database.db.$count(sendEvents)).toBe(1500);
    expect(await database.db.select().from(relayHourlyCounts)).toMatchObject([{ sender: 'alice', accepted: 1500 }]);
  });
  it('drops the oldest send events past the queue limit and logs the drops once per ten seconds, counted', async () => {
    const lines: { dropped?: number }[] = [];
    const recording = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const counter = new HourlyCounter(database.db, { flushMs: 3_600_000, logger: recording });
    const event = (i: number) => ({
      messageId: `postfix:192.0.2.10:D${i}`, recipientKey: '@gmail.example', sender: 'dora', senderDomain: 'customers.example',
      recipientDomain: 'gmail.example', ip: '192.0.2.10', at: now,
    });
    for (let i = 0; i < 100_000; i++) counter.add('dora', now, event(i));
    expect(counter.dropped).toBe(0);
    for (let i = 100_000; i < 100_300; i++) counter.add('dora', now, event(i));
    for (let i = 100_300; i < 100_310; i++) counter.add('dora', new Date(now.getTime() + 11_000), event(i));
    expect(counter.dropped).toBe(310);
    expect(counter.backlog).toBe(100_000);
    expect(lines.map((line) => line.dropped)).toEqual([1, 300]);
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
