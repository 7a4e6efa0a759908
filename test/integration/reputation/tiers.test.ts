// Earned limits end to end on both engines: a new sender held to its tier's limits by the Postfix
// policy server (counts shared through the database and kept across a restart), promoted after
// clean history, demoted on a decision, pinned by ops.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { policyServerConfig } from '../../../src/config/relay';
import { reputationConfig } from '../../../src/config/reputation';
import { tiersConfig } from '../../../src/config/tiers';
import type { Database } from '../../../src/db/client';
import { recentEvents } from '../../../src/db/events';
import { recordFacts } from '../../../src/enforcement/facts';
import { storeSendEvents } from '../../../src/db/send-events';
import { auditLog, getSubject, writePinnedTier } from '../../../src/db/subjects';
import { HourlyCounter } from '../../../src/relay/hourly-counter';
import { PolicySnapshot } from '../../../src/relay/policy-snapshot';
import { PostfixPolicyServer } from '../../../src/relay/postfix-policy-server';
import { evaluateReputation } from '../../../src/enforcement/evaluation';
import { testEngines } from '../../support/engines';
import { PolicyClient } from '../../support/policy-client';

const logger = pino({ level: 'silent' });
const rules = reputationConfig.parse({});
const tiers = tiersConfig.parse({});
const t0 = new Date('2026-11-02T00:00:00Z');
const hours = (n: number) => new Date(t0.getTime() + n * 3_600_000);

/** `perDay` clean sends a day for `days` days, starting at t0. */
async function sendDaily(db: Database['db'], sender: string, days: number, perDay: number) {
  for (let day = 0; day < days; day++) {
    await storeSendEvents(
      db,
      Array.from({ length: perDay }, (_, i) => ({
        messageId: `<${sender}-${day}-${i}@relay.example>`,
        recipientKey: `r${i}@gmail.example`,
        sender,
        senderDomain: 'customers.example',
        recipientDomain: 'gmail.example',
        ip: '192.0.2.10',
        at: new Date(hours(day * 24 + 10).getTime() + i * 1000),
      })),
    );
  }
}

describe.each(testEngines())('earned limits on $name', (engine) => {
  let database: Database;
  let snapshot: PolicySnapshot;
  beforeEach(async () => {
    database = await engine.open();
    snapshot = new PolicySnapshot(database, { throttleLimitPerHour: rules.throttleLimitPerHour, tiers, refreshSeconds: 3600, logger });
    await snapshot.start();
  });
  afterEach(async () => {
    await snapshot.stop();
    await database.close();
  });

  it('holds a new sender to the new tier’s hourly and daily limits, with counts kept across a restart', async () => {
    let now = hours(9);
    const started: { server: PostfixPolicyServer; client: PolicyClient; counter: HourlyCounter }[] = [];
    const start = async () => {
      const counter = new HourlyCounter(database.db, { flushMs: 3_600_000, logger });
      const server = new PostfixPolicyServer({ config: policyServerConfig.parse({ port: 0 }), snapshot, counter, logger, recordSendEvents: false, clock: () => now });
      const client = await PolicyClient.open((await server.listen()).port);
      started.push({ server, client, counter });
      return { counter, server, client };
    };
    const first = await start();
    for (let i = 0; i < 50; i++) expect(await first.client.ask({ sasl_username: 'fresh', queue_id: `H${i}` })).toBe('DUNNO');
    expect(await first.client.ask({ sasl_username: 'fresh', queue_id: 'H50' })).toMatch(/^DEFER_IF_PERMIT 4\.7\.1 Sender fresh is over its limit of 50 messages per hour/);
    await first.counter.flush();

    // Another (or a restarted) instance reads the shared count: the limit still holds this hour.
    const relay = await start();
    expect(await relay.counter.count('fresh', now)).toBe(50);
    expect(await relay.client.ask({ sasl_username: 'fresh', queue_id: 'R1' })).toMatch(/^DEFER_IF_PERMIT/);
    // Three more hours of 50 make the day's 200; the fifth hour is refused for the day.
    for (const hour of [10, 11, 12]) {
      now = hours(hour);
      await relay.counter.load('fresh', now);
      for (let i = 0; i < 50; i++) expect(await relay.client.ask({ sasl_username: 'fresh', queue_id: `D${hour}-${i}` })).toBe('DUNNO');
      await relay.counter.flush();
    }
    now = hours(13);
    expect(await relay.counter.countToday('fresh', now)).toBe(200);
    expect(await relay.client.ask({ sasl_username: 'fresh', queue_id: 'D13' })).toMatch(/^DEFER_IF_PERMIT 4\.7\.1 Sender fresh is over its limit of 200 messages per day/);
    // The next UTC day starts afresh.
    now = hours(24 + 9);
    await relay.counter.load('fresh', now);
    expect(await relay.client.ask({ sasl_username: 'fresh', queue_id: 'N1' })).toBe('DUNNO');
    for (const { client, server, counter } of started) {
      client.close();
      await server.close();
      await counter.stop();
    }
  });

  it('promotes a sender to established after a week of clean history, and lifts its limits to the tier’s', async () => {
    await sendDaily(database.db, 'steady', 8, 200);
    await evaluateReputation(database.db, rules, hours(24 * 3), undefined, tiers);
    expect(await getSubject(database.db, 'sender', 'steady')).toMatchObject({ tier: 'new', tierReason: expect.stringMatching(/not yet established: 3\.0 days old, under 7/) });
    const summary = await evaluateReputation(database.db, rules, hours(24 * 7 + 20), undefined, tiers);
    expect(summary.promoted).toBe(1);
    expect(await getSubject(database.db, 'sender', 'steady')).toMatchObject({ tier: 'established', tierReason: expect.stringMatching(/^promoted to established: 1600 sends in 30 days with 0 complaints/) });
    await snapshot.refresh();
    expect(snapshot.lookup('steady', undefined, hours(24 * 8))).toMatchObject({ action: 'allow', tier: 'established', limitPerHour: 1000, limitPerDay: null });
    expect((await recentEvents(database.db, { type: 'sender.promoted', limit: 5 })).map((e) => e.subject)).toEqual(['sender:steady']);
  });

  it('demotes a sender when the reputation engine decides against it', async () => {
    await sendDaily(database.db, 'slipping', 8, 200);
    await evaluateReputation(database.db, rules, hours(24 * 7 + 20), undefined, tiers);
    expect((await getSubject(database.db, 'sender', 'slipping'))!.tier).toBe('established');
    await recordFacts(
      database.db,
      Array.from({ length: 10 }, (_, i) => ({
        dedupKey: `fbl-slipping-${i}`, kind: 'complaint' as const, feedbackType: 'abuse', sender: 'slipping', source: 'test', occurredAt: hours(24 * 7 + 21),
      })),
    );
    const summary = await evaluateReputation(database.db, rules, hours(24 * 7 + 22), undefined, tiers);
    expect(summary).toMatchObject({ demoted: 1 });
    const row = await getSubject(database.db, 'sender', 'slipping');
    expect(row).toMatchObject({ tier: 'new', tierReason: expect.stringMatching(/^demoted from established to new: the reputation engine decided (throttle|suspend)/) });
    const audit = await auditLog(database.db, 'sender', 'slipping', 10);
    expect(audit.some((entry) => /demoted from established/.test(entry.reason))).toBe(true);
  });

  it('lets ops pin a tier, which wins over the earned one until unpinned', async () => {
    await writePinnedTier(database.db, 'partner', 'trusted', 'ops', 'contracted bulk sender', t0);
    await snapshot.refresh();
    expect(snapshot.lookup('partner', undefined, t0)).toMatchObject({ tier: 'trusted', limitPerHour: null, limitPerDay: null });
    await writePinnedTier(database.db, 'partner', null, 'ops', 'contract ended', t0);
    await snapshot.refresh();
    expect(snapshot.lookup('partner', undefined, t0)).toMatchObject({ tier: 'new', limitPerHour: 50, limitPerDay: 200 });
  });
});
