// The incremental evaluation against a recount: after every pass of a long, irregular sequence —
// sends and complaints at random times (some hours late, a few from a clock running ahead), passes at
// random moments, rules changes
// in between — each subject's stored window counts equal the counts recomputed from scratch.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reputationConfig } from '../../../src/config/reputation';
import type { Database } from '../../../src/db/client';
import { recordFacts } from '../../../src/enforcement/facts';
import { startOfDay, startOfHour } from '../../../src/db/rollups';
import { storeSendEvents } from '../../../src/db/send-events';
import { getSubject } from '../../../src/db/subjects';
import { evaluateReputation } from '../../../src/enforcement/evaluation';
import { seededRandom } from '../../../demo/senders';
import { testEngines } from '../../support/engines';

const hourMs = 3_600_000;
const dayMs = 86_400_000;
const t0 = new Date('2026-11-01T00:00:00Z').getTime();

interface Happening {
  sender: string;
  at: number;
  kind: 'send' | 'complaint';
}

function windowCounts(happenings: Happening[], sender: string, now: number) {
  const since24h = startOfHour(new Date(now)).getTime() - 23 * hourMs;
  const today = startOfDay(new Date(now)).getTime();
  // Counts live in hourly and daily buckets: a message counts once its bucket has begun, so one
  // dated later in the current hour (a relay clock ahead) is in the 24-hour window already.
  const count = (kind: Happening['kind'], since: number, bucket: (at: Date) => Date) =>
    happenings.filter((h) => {
      const start = bucket(new Date(h.at)).getTime();
      return h.sender === sender && h.kind === kind && start >= since && start <= now;
    }).length;
  return {
    sent24h: count('send', since24h, startOfHour), complaints24h: count('complaint', since24h, startOfHour),
    sent7d: count('send', today - 6 * dayMs, startOfDay), complaints7d: count('complaint', today - 6 * dayMs, startOfDay),
    sent30d: count('send', today - 29 * dayMs, startOfDay), complaints30d: count('complaint', today - 29 * dayMs, startOfDay),
  };
}

describe.each(testEngines())('incremental evaluation against a recount on $name', (engine) => {
  let database: Database;
  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.close());

  it('keeps every stored window count equal to a recount through 60 passes over about 60 days', async () => {
    const next = seededRandom(20261128);
    const senders = ['ann', 'ben', 'cat', 'dan', 'eve'];
    const happenings: Happening[] = [];
    let now = t0;
    let serial = 0;
    let minVolume = 200;
    for (let pass = 0; pass < 60; pass++) {
      // Up to two days between passes: hours, days and the 7- and 30-day edges all move.
      now += Math.floor(next() * 48 * hourMs);
      const sends: Happening[] = [];
      const complaints: Happening[] = [];
      for (const sender of senders) {
        // A sender without traffic since the previous pass has its stored counts shifted, not recounted.
        if (next() < 0.5) continue;
        // Most traffic since the previous pass; some reported hours late, some near the window edges.
        for (let i = Math.floor(next() * 40); i > 0; i--) {
          const ahead = next() < 0.05 ? 3 * hourMs : 0;
          sends.push({ sender, at: now - Math.floor(next() * 30 * hourMs) + ahead, kind: 'send' });
        }
        for (let i = Math.floor(next() * 3); i > 0; i--) complaints.push({ sender, at: now - Math.floor(next() * 6 * hourMs), kind: 'complaint' });
      }
      await storeSendEvents(
        database.db,
        sends.map((h) => ({
          messageId: `<m${serial++}@relay.example>`, recipientKey: 'r@gmail.example', sender: h.sender, senderDomain: `${h.sender}.example`,
          recipientDomain: 'gmail.example', ip: '192.0.2.10', at: new Date(h.at),
        })),
      );
      await recordFacts(
        database.db,
        complaints.map((h) => ({
          dedupKey: `c${serial++}`, kind: 'complaint' as const, reason: 'feedback', feedbackType: 'abuse', sender: h.sender,
          senderDomain: `${h.sender}.example`, source: 'test', occurredAt: new Date(h.at),
        })),
      );
      happenings.push(...sends, ...complaints);
      // Now and then the rules change: the next pass re-decides from stored counts.
      if (next() < 0.2) minVolume = minVolume === 200 ? 1 : 200;
      await evaluateReputation(database.db, reputationConfig.parse({ minVolume }), new Date(now));
      for (const sender of senders) {
        const stored = await getSubject(database.db, 'sender', sender);
        const expected = windowCounts(happenings, sender, now);
        if (!stored) {
          expect(expected.sent30d + expected.complaints30d, `${sender} at pass ${pass}`).toBe(0);
          continue;
        }
        expect(
          { sent24h: stored.sent24h, complaints24h: stored.complaints24h, sent7d: stored.sent7d, complaints7d: stored.complaints7d, sent30d: stored.sent30d, complaints30d: stored.complaints30d },
          `${sender} at pass ${pass} (${new Date(now).toISOString()})`,
        ).toEqual(expected);
      }
    }
  });
});
