// Send events on both engines: stored once, and counted into the rollups exactly as addToRollups
// counts the same messages.
import { asc } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/client';
import { addToRollups } from '../../../src/db/rollups';
import { dailyRollups, hourlyRollups, relayKey, rollupChanges } from '../../../src/db/schema';
import { storeSendEvents, type SendEventInput } from '../../../src/db/send-events';
import { testEngines } from '../../support/engines';

// Across a UTC hour and a UTC day boundary, with delivered and not-yet-known outcomes.
const events: SendEventInput[] = [
  ['m1', 'alice', 'shop.example', 'gmail.example', '2026-11-20T23:59:59.999Z', 'delivered'],
  ['m2', 'alice', 'shop.example', 'gmail.example', '2026-11-21T00:00:00.000Z', undefined],
  ['m3', 'bob', 'shop.example', 'yahoo.example', '2026-11-21T00:30:00.000Z', 'delivered'],
  ['m4', 'Zoë', 'other.example', 'gmail.example', '2026-11-21T00:31:00.000Z', 'bounced'],
].map(([messageId, sender, senderDomain, recipientDomain, at, outcome]) => ({
  messageId: messageId!,
  recipientKey: `@${recipientDomain}`,
  sender: sender!,
  senderDomain: senderDomain!,
  recipientDomain: recipientDomain!,
  ip: '192.0.2.10',
  at: new Date(at!),
  outcome: outcome as SendEventInput['outcome'],
}));

async function rollups(database: Database) {
  const { db } = database;
  return {
    hourly: await db.select().from(hourlyRollups).orderBy(asc(hourlyRollups.dimension), asc(hourlyRollups.key), asc(hourlyRollups.hour)),
    daily: await db.select().from(dailyRollups).orderBy(asc(dailyRollups.dimension), asc(dailyRollups.key), asc(dailyRollups.day)),
    changes: await db.select({ dimension: rollupChanges.dimension, key: rollupChanges.key }).from(rollupChanges).orderBy(asc(rollupChanges.dimension), asc(rollupChanges.key)),
  };
}

describe.each(testEngines())('send events on $name', (engine) => {
  let database: Database;
  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(async () => {
    await database.close();
  });

  it('counts new events into hourly and daily rollups as addToRollups does, and a retry counts nothing', async () => {
    const increments = events.flatMap((event) => {
      const counts = { sent: 1, delivered: event.outcome === 'delivered' ? 1 : 0 };
      return (['sender', 'sender_domain', 'recipient_domain', 'ip', 'relay'] as const).map((dimension) => ({
        dimension,
        key: { sender: event.sender, sender_domain: event.senderDomain, recipient_domain: event.recipientDomain, ip: event.ip, relay: relayKey }[dimension],
        at: event.at,
        counts,
      }));
    });
    await addToRollups(database.db, increments);
    const expected = await rollups(database);
    expect(expected.daily.find((row) => row.dimension === 'ip')).toMatchObject({ sent: 1, delivered: 1 });

    for (const table of [hourlyRollups, dailyRollups, rollupChanges]) await database.db.delete(table);
    expect(await storeSendEvents(database.db, events)).toMatchObject({ stored: 4, duplicates: 0 });
    expect(await storeSendEvents(database.db, events.slice(1))).toMatchObject({ stored: 0, duplicates: 3 });
    expect(await rollups(database)).toEqual(expected);
  });
});
