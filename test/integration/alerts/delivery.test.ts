// Alert delivery end to end against a real HTTP receiver on loopback, on both storage engines.
// Time is a value passed to the job: backoff waits and quiet periods pass without sleeping.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deliverAlertsJob } from '../../../src/jobs/deliver-alerts';
import { wardenConfigSchema, type WardenConfig } from '../../../src/config/schema';
import { deliveriesOfAlert, listAlerts, listDeliveries, replayDeliveries } from '../../../src/db/alert-queries';
import type { Database } from '../../../src/db/client';
import { insertEvents, type EventWrite } from '../../../src/db/events';
import { alertOutbox, events } from '../../../src/db/schema';
import { createLogger } from '../../../src/logger';
import { runJobOnce } from '../../../src/scheduler/run-job';
import { testEngines } from '../../support/engines';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const logger = createLogger('silent');
const t0 = new Date('2026-11-25T10:00:00Z');
const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);

function configFor(receivers: Record<string, WebhookReceiver>, webhooks: Record<string, unknown> = {}): WardenConfig {
  return wardenConfigSchema.parse({
    webhooks: {
      destinations: Object.entries(receivers).map(([name, receiver]) => ({ name, url: receiver.url, secret, minSeverity: 'info', timeoutMs: 2000 })),
      groupWaitSeconds: 30,
      retry: { baseSeconds: 1, capSeconds: 20 },
      ...webhooks,
    },
  });
}

const listing = (ip: string, zone = 'zen.spamhaus.org', at = t0): EventWrite => ({
  type: 'dnsbl.listed', severity: 'critical', subject: `ip:${ip}`, summary: `${ip} listed on ${zone}`, payload: { zone, delistUrl: 'https://check.example/' }, at,
});
const senderEvent = (type: string, sender: string, at = t0): EventWrite => ({
  type, severity: type.endsWith('released') ? 'info' : 'error', subject: `sender:${sender}`, summary: `${sender} ${type}`, payload: null, at,
});

describe.each(testEngines())('alert delivery on $name', (engine) => {
  let database: Database;
  const receivers: WebhookReceiver[] = [];
  const receiver = async (behaviour?: Parameters<typeof startWebhookReceiver>[1]) => {
    const started = await startWebhookReceiver(secret, behaviour);
    receivers.push(started);
    return started;
  };
  /** Runs the delivery job at successive virtual times until `done` holds; returns the time reached. */
  const runUntil = async (config: WardenConfig, from: number, done: () => boolean | Promise<boolean>, stepSeconds = 30, maxRuns = 60) => {
    let seconds = from;
    for (let run = 0; run < maxRuns; run++, seconds += stepSeconds) {
      await deliverAlertsJob.run({ db: database.db, config, logger }, later(seconds));
      if (await done()) return seconds;
    }
    throw new Error(`not done after ${maxRuns} runs`);
  };

  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(async () => {
    await Promise.all(receivers.splice(0).map((r) => r.close()));
    await database.close();
  });

  it('writes an outbox row with every event, in the event’s transaction', async () => {
    await insertEvents(database.db, [senderEvent('sender.suspended', 'alice')]);
    await database.db
      .transaction(async (tx) => {
        await insertEvents(tx, [senderEvent('sender.suspended', 'bob')]);
        tx.rollback();
      })
      .catch(() => {});
    expect(await database.db.select().from(events)).toHaveLength(1);
    expect(await database.db.select().from(alertOutbox)).toHaveLength(1);
  });

  it('(1) delivers every alert exactly once per dedup key, in order, signed, after the receiver was down for its first attempts; a down destination does not hold back another', async () => {
    const flaky = await receiver(({ index }) => (index < 4 ? 503 : 200));
    const steady = await receiver();
    const config = configFor({ flaky, steady });
    await insertEvents(database.db, [senderEvent('sender.suspended', 'alice'), senderEvent('sender.suspended', 'bob'), senderEvent('sender.throttled', 'carol')]);
    await deliverAlertsJob.run({ db: database.db, config, logger }, later(0));
    expect(flaky.received).toHaveLength(0); // quiet period
    await deliverAlertsJob.run({ db: database.db, config, logger }, later(31));
    expect(steady.accepted()).toHaveLength(3);
    await insertEvents(database.db, [senderEvent('sender.released', 'alice', later(40))]);
    await runUntil(config, 60, () => flaky.accepted().length === 4);

    const expected = ['trigger reputation:suspended:sender:alice', 'trigger reputation:suspended:sender:bob', 'trigger reputation:throttled:sender:carol', 'resolve reputation:suspended:sender:alice'];
    for (const target of [flaky, steady]) {
      const accepted = target.accepted();
      expect(accepted.map((r) => `${r.body.kind} ${r.body.alert.dedupKey}`)).toEqual(expected);
      expect(accepted.every((r) => r.signatureValid && r.idempotencyKey === r.webhookId)).toBe(true);
      expect(new Set(accepted.map((r) => r.webhookId)).size).toBe(4);
    }
    // The refused attempts were of the head only, each retried under the same id.
    const refused = flaky.received.filter((r) => r.answered === 503);
    expect(refused).toHaveLength(4);
    expect(new Set(refused.map((r) => r.webhookId))).toEqual(new Set([flaky.accepted()[0]!.webhookId]));
    const [alice] = (await listAlerts(database.db, { limit: 10 })).filter((a) => a.dedupKey === 'reputation:suspended:sender:alice');
    expect(alice).toMatchObject({ state: 'resolved' });
    const deliveries = await deliveriesOfAlert(database.db, alice!.id);
    const flakyTrigger = deliveries.find((d) => d.destination === 'flaky' && d.kind === 'trigger')!;
    expect(flakyTrigger).toMatchObject({ status: 'delivered', attempts: 5 });
    expect(flakyTrigger.attemptLog.map((a) => a.httpStatus)).toEqual([503, 503, 503, 503, 200]);
    expect(flakyTrigger.attemptLog[0]!.responseSnippet!.length).toBeLessThanOrEqual(2048);
  });

  it('(2) dead-letters a delivery the receiver refuses until giveUpAfterHours, and a replay delivers it once the receiver recovers', async () => {
    const target = await receiver(() => 500);
    const config = configFor({ target }, { giveUpAfterHours: 0.1 }); // 6 minutes
    await insertEvents(database.db, [senderEvent('sender.suspended', 'mallory')]);
    await runUntil(config, 0, async () => (await listDeliveries(database.db, { status: 'dead', limit: 10 })).length === 1);
    const attempts = target.received.length;
    expect(attempts).toBeGreaterThan(2);
    expect(new Set(target.received.map((r) => r.webhookId)).size).toBe(1);
    // Dead-lettered: further runs leave it alone.
    await deliverAlertsJob.run({ db: database.db, config, logger }, later(3600));
    expect(target.received).toHaveLength(attempts);

    target.behave(() => 200);
    const [dead] = await listDeliveries(database.db, { status: 'dead', limit: 10 });
    expect(await replayDeliveries(database.db, { id: dead!.id }, later(3600), later(3600 + 360))).toHaveLength(1);
    await deliverAlertsJob.run({ db: database.db, config, logger }, later(3601));
    await deliverAlertsJob.run({ db: database.db, config, logger }, later(3602));
    expect(target.accepted()).toHaveLength(1);
    expect(target.accepted()[0]!.webhookId).toBe(dead!.messageId);
    expect((await listDeliveries(database.db, { limit: 10 }))[0]).toMatchObject({ status: 'delivered' });
  });

  it('(4) turns a listing of a whole /24 on one zone into one grouped alert, and its delisting into one resolve', async () => {
    const target = await receiver();
    const config = configFor({ target });
    await insertEvents(database.db, Array.from({ length: 256 }, (_, host) => listing(`192.0.2.${host}`, 'zen.spamhaus.org', later(host % 10))));
    await insertEvents(database.db, [listing('198.51.100.7', 'zen.spamhaus.org')]);
    await runUntil(config, 0, () => target.accepted().length >= 2, 15);
    await deliverAlertsJob.run({ db: database.db, config, logger }, later(300));
    const triggers = target.accepted();
    expect(triggers).toHaveLength(2);
    const grouped = triggers.find((r) => r.body.alert.labels.network === '192.0.2.0/24')!;
    expect(grouped.body).toMatchObject({ version: 1, kind: 'trigger', alert: { state: 'firing', severity: 'critical', eventCount: 256, labels: { zone: 'zen.spamhaus.org' } } });
    expect(grouped.body.alert.subjects).toHaveLength(256);

    await insertEvents(
      database.db,
      Array.from({ length: 256 }, (_, host) => ({ ...listing(`192.0.2.${host}`), type: 'dnsbl.delisted', severity: 'info' as const, at: later(400) })),
    );
    await deliverAlertsJob.run({ db: database.db, config, logger }, later(401));
    expect(target.accepted()).toHaveLength(3);
    expect(target.accepted()[2]!.body).toMatchObject({ kind: 'resolve', alert: { state: 'resolved', dedupKey: grouped.body.alert.dedupKey } });
  });

  it('raises one job.failing alert when a job starts failing, resolved when it succeeds again', async () => {
    const target = await receiver();
    const config = configFor({ target }, { groupWaitSeconds: 0 });
    let fail = true;
    const flaky = { name: 'poll-mailbox', description: 'test', defaultSchedule: '* * * * *', run: async () => { if (fail) throw new Error('IMAP login refused'); return {}; } };
    const run = () => runJobOnce(flaky, { db: database.db, config, logger }, { trigger: 'manual', slot: null, instance: 'test' });
    // The job records real times; the delivery job runs just after them.
    const sinceT0 = () => Math.ceil((Date.now() - t0.getTime()) / 1000) + 1;
    await run();
    await run();
    await runUntil(config, sinceT0(), () => target.accepted().length === 1, 1);
    fail = false;
    await run();
    await run();
    const types = (await database.db.select().from(events)).map((e) => e.type);
    expect(types).toEqual(['job.failing', 'job.recovered']);
    await runUntil(config, sinceT0(), () => target.accepted().length === 2, 1);
    expect(target.accepted().map((r) => `${r.body.kind} ${r.body.alert.dedupKey}`)).toEqual(['trigger job:failing:job:poll-mailbox', 'resolve job:failing:job:poll-mailbox']);
    expect(target.accepted()[0]!.body.alert.title).toContain('IMAP login refused');
  });

  it('does not follow redirects', async () => {
    const target = await receiver(() => 302);
    const config = configFor({ target }, { giveUpAfterHours: 0 });
    await insertEvents(database.db, [senderEvent('sender.suspended', 'eve')]);
    await runUntil(config, 0, async () => (await listDeliveries(database.db, { status: 'dead', limit: 1 })).length === 1);
    const [dead] = await listDeliveries(database.db, { status: 'dead', limit: 1 });
    expect(dead!.lastError).toBe('HTTP 302: redirect not followed');
    expect(target.received).toHaveLength(1);
  });
  it('waits as long as a refusing receiver asks with Retry-After before trying again', async () => {
    const target = await receiver(({ index }) => (index === 0 ? { status: 429, headers: { 'retry-after': '120' } } : 200));
    const config = configFor({ target });
    await insertEvents(database.db, [senderEvent('sender.suspended', 'fay')]);
    const refusedAt = await runUntil(config, 0, () => target.received.length === 1, 10);
    // The backoff alone (base 1 s) would have tried again at the next run.
    for (const seconds of [10, 60, 110]) await deliverAlertsJob.run({ db: database.db, config, logger }, later(refusedAt + seconds));
    expect(target.received).toHaveLength(1);
    await deliverAlertsJob.run({ db: database.db, config, logger }, later(refusedAt + 125));
    expect(target.received.map((r) => r.answered)).toEqual([429, 200]);
    expect((await listDeliveries(database.db, { limit: 1 }))[0]).toMatchObject({ status: 'delivered', attempts: 2 });
  });
  it('sends a firing alert again every repeatIntervalHours until it resolves', async () => {
    const target = await receiver();
    const config = configFor({ target }, { repeatIntervalHours: 1 });
    await insertEvents(database.db, [senderEvent('sender.suspended', 'gus'), senderEvent('sender.suspended', 'hal')]);
    const sentAt = await runUntil(config, 0, () => target.accepted().length === 2);
    const triggersOf = (sender: string) =>
      target.accepted().filter((r) => r.body?.kind === 'trigger' && JSON.stringify(r.body).includes(`sender:${sender}`)).length;
    // hal is released; gus stays suspended.
    await insertEvents(database.db, [senderEvent('sender.released', 'hal', later(sentAt + 60))]);
    await runUntil(config, sentAt + 60, () => target.accepted().length === 3);
    await deliverAlertsJob.run({ db: database.db, config, logger }, later(sentAt + 3000));
    expect(triggersOf('gus')).toBe(1);
    await runUntil(config, sentAt + 3601, () => triggersOf('gus') === 2);
    await deliverAlertsJob.run({ db: database.db, config, logger }, later(sentAt + 7300));
    await deliverAlertsJob.run({ db: database.db, config, logger }, later(sentAt + 7330));
    expect({ gus: triggersOf('gus'), hal: triggersOf('hal') }).toEqual({ gus: 3, hal: 1 });
  });
});
