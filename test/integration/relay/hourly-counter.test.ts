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
});
