// The senders list in severity order, on both engines: what is stopped first, then the rate we are
// confident of (its Wilson lower bound against its suspend line), then volume; never the raw rate.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allJobs } from '../../../src/jobs';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { recordFacts } from '../../../src/enforcement/facts';
import { storeSendEvents } from '../../../src/db/send-events';
import { evaluateReputation } from '../../../src/enforcement/evaluation';
import { resolveJobs } from '../../../src/scheduler/scheduler';
import { testEngines } from '../../support/engines';
import { json } from '../../support/http';

const opsToken = 'ops-token-0123456789abcdef01';
const config = wardenConfigSchema.parse({ auth: { tokens: [{ name: 'ops', token: opsToken, scopes: ['ops'] }] } });
const now = new Date('2026-11-20T12:30:00Z');
const sentAt = new Date('2026-11-20T10:00:00Z');

async function traffic(db: Database['db'], sender: string, sends: number, complaints: number) {
  await storeSendEvents(
    db,
    Array.from({ length: sends }, (_, i) => ({
      messageId: `<${sender}.${i}@relay.example>`, recipientKey: `user${i}@gmail.example`, sender, senderDomain: `${sender}.example`,
      recipientDomain: 'gmail.example', ip: '192.0.2.10', at: new Date(sentAt.getTime() + i),
    })),
  );
  await recordFacts(
    db,
    Array.from({ length: complaints }, (_, i) => ({
      kind: 'complaint' as const, feedbackType: 'abuse', dedupKey: `fbl-${sender}-${i}`, sender, senderDomain: `${sender}.example`,
      recipient: `user${i}@gmail.example`, source: 'test', occurredAt: new Date(sentAt.getTime() + 60_000),
    })),
  );
}

describe.each(testEngines())('senders in severity order ($name)', (engine) => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    database = await engine.open();
    await traffic(database.db, 'tiny', 3, 1); // 33% raw, under the volume floor: no action
    await traffic(database.db, 'abuser', 4000, 40); // 1%: suspended
    await traffic(database.db, 'noisy', 4000, 3); // 0.075%: under every line
    await traffic(database.db, 'quiet-big', 6000, 0);
    await traffic(database.db, 'quiet-small', 500, 0);
    await evaluateReputation(database.db, config.reputation, now);
    app = createApp({ database, config, logger: pino({ level: 'silent' }), jobs: resolveJobs(allJobs, {}), clock: () => now });
  });
  afterAll(() => database.close());

  const ids = async (query: string) =>
    ((await json(app.request(`/api/v1/senders${query}`, { headers: { authorization: `Bearer ${opsToken}` } }))).items as { id: string }[]).map((s) => s.id);

  it('puts a suspended sender above one with 1 complaint in 3 sends, and breaks ties by volume', async () => {
    // 1 in 3 is still a worse rate than 3 in 4,000 at any confidence (lower bounds ≈ 6% and 0.03%).
    expect(await ids('')).toEqual(['abuser', 'tiny', 'noisy', 'quiet-big', 'quiet-small']);
    expect(await ids('?sort=severity')).toEqual(await ids(''));
    // The raw rate, still available, is what put the 3-send sender first.
    expect((await ids('?sort=complaintRate'))[0]).toBe('tiny');
  });
});
