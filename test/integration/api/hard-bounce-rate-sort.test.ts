// Sorting senders by the 7-day hard-bounce rate under its one name, hardBounceRate; the old name
// bounceRate still sorts the same for one release, answered with RFC 9745's Deprecation header and
// logged once per process.
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

const opsToken = 'ops-token-0123456789abcdef01';
const config = wardenConfigSchema.parse({ auth: { tokens: [{ name: 'ops', token: opsToken, scopes: ['ops'] }] } });
const now = new Date('2026-11-20T12:30:00Z');
const sentAt = new Date('2026-11-20T10:00:00Z');
/** Every warning any app of this file logged: the deprecation is logged once per process, not per app. */
const warnings: { deprecated?: string }[] = [];

async function traffic(db: Database['db'], sender: string, sends: number, hardBounces: number, complaints: number) {
  await storeSendEvents(
    db,
    Array.from({ length: sends }, (_, i) => ({
      messageId: `<${sender}.${i}@relay.example>`, recipientKey: `user${i}@gmail.example`, sender, senderDomain: `${sender}.example`,
      recipientDomain: 'gmail.example', ip: '192.0.2.10', at: new Date(sentAt.getTime() + i),
    })),
  );
  const at = new Date(sentAt.getTime() + 60_000);
  await recordFacts(db, [
    ...Array.from({ length: hardBounces }, (_, i) => ({
      kind: 'bounce' as const, reason: 'userunknown', hardBounce: true, status: '5.1.1', dedupKey: `dsn-${sender}-${i}`, sender, senderDomain: `${sender}.example`,
      recipient: `user${i}@gmail.example`, source: 'test', occurredAt: at,
    })),
    ...Array.from({ length: complaints }, (_, i) => ({
      kind: 'complaint' as const, feedbackType: 'abuse', dedupKey: `fbl-${sender}-${i}`, sender, senderDomain: `${sender}.example`,
      recipient: `user${i}@gmail.example`, source: 'test', occurredAt: at,
    })),
  ]);
}

describe.each(testEngines())('senders sorted by hard-bounce rate ($name)', (engine) => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    database = await engine.open();
    await traffic(database.db, 'bouncy', 1000, 60, 0); // 6% hard bounces
    await traffic(database.db, 'complainy', 1000, 0, 20); // no hard bounce, the worst complaint rate
    await traffic(database.db, 'careful', 1000, 8, 0); // 0.8%
    await evaluateReputation(database.db, config.reputation, now);
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    app = createApp({ database, config, logger, jobs: resolveJobs(allJobs, {}), clock: () => now });
  });
  afterAll(() => database.close());

  const sorted = async (sort: string) => {
    const response = await app.request(`/api/v1/senders?sort=${sort}`, { headers: { authorization: `Bearer ${opsToken}` } });
    expect(response.status).toBe(200);
    return { ids: ((await response.json()) as { items: { id: string }[] }).items.map((item) => item.id), deprecation: response.headers.get('deprecation') };
  };

  it('sorts by the 7-day hard-bounce rate under its name, with no Deprecation header', async () => {
    expect(await sorted('hardBounceRate')).toEqual({ ids: ['bouncy', 'careful', 'complainy'], deprecation: null });
    expect((await sorted('hardBounceRate&order=asc')).ids).toEqual(['complainy', 'careful', 'bouncy']);
    expect((await sorted('complaintRate')).ids[0]).toBe('complainy');
  });

  it('still sorts by the old name bounceRate, with a Deprecation date (RFC 9745) and one warning per process', async () => {
    const old = await sorted('bounceRate');
    expect(old.ids).toEqual((await sorted('hardBounceRate')).ids);
    expect(old.deprecation).toMatch(/^@\d+$/);
    expect(new Date(Number(old.deprecation!.slice(1)) * 1000).toISOString()).toBe('2026-12-03T00:00:00.000Z');
    await sorted('bounceRate');
    expect(warnings.filter((line) => line.deprecated === 'sort=bounceRate')).toHaveLength(1);
  });

  it('refuses a sort it does not know', async () => {
    const response = await app.request('/api/v1/senders?sort=bounces', { headers: { authorization: `Bearer ${opsToken}` } });
    expect(response.status).toBe(400);
  });
});
