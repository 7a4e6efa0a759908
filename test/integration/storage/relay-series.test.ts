// The relay-wide series counts every send and every counted fact, including the bounces and
// complaints that name no relay IP (a DSN rarely does, and a report without the original
// Message-ID cannot be joined to the send log).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/client';
import { recordFacts } from '../../../src/enforcement/facts';
import type { FactInput } from '../../../src/enforcement/fact-records';
import { relayCounts } from '../../../src/db/rate-series';
import { storeSendEvents, type SendEventInput } from '../../../src/db/send-events';
import { testEngines } from '../../support/engines';

const hour = new Date('2026-11-20T10:00:00Z');
const at = (minute: number) => new Date(hour.getTime() + minute * 60_000);

const sends: SendEventInput[] = Array.from({ length: 50 }, (_, i) => ({
  messageId: `<m${i}@shop.example>`,
  recipientKey: `user${i}@gmail.example`,
  sender: 'alice',
  senderDomain: 'shop.example',
  recipientDomain: 'gmail.example',
  ip: '192.0.2.10',
  at: at(i % 30),
  outcome: 'delivered',
}));

const bounce = (i: number, ip?: string): FactInput => ({
  kind: 'bounce',
  reason: 'userunknown',
  hardBounce: true,
  status: '5.1.1',
  dedupKey: `bounce-${i}`,
  sender: 'alice',
  recipient: `gone${i}@gmail.example`,
  ...(ip ? { ip } : {}),
  source: 'imap:bounces/INBOX',
  occurredAt: at(40 + i),
});

describe.each(testEngines())('relay-wide series on $name', (engine) => {
  let database: Database;
  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(async () => {
    await database.close();
  });

  it('counts hard bounces and complaints that carry no relay IP', async () => {
    await storeSendEvents(database.db, sends);
    await recordFacts(database.db, [
      bounce(0),
      bounce(1),
      bounce(2, '192.0.2.10'),
      { kind: 'complaint', feedbackType: 'abuse', dedupKey: 'complaint-0', sender: 'alice', source: 'imap:fbl/INBOX', occurredAt: at(50) },
    ]);
    const [bucket, ...rest] = await relayCounts(database.db, 'hour', hour, new Date(hour.getTime() + 3_600_000));
    expect(rest).toEqual([]);
    expect(bucket).toMatchObject({ at: hour, sent: 50, delivered: 50, hardBounces: 3, complaints: 1 });
  });
});
