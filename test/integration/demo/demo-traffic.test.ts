// The demo's relay traffic on a simulated clock, against the product in-process on both engines:
// the day of history, then 40 minutes of live traffic at the demo's rates (ten minutes of
// `npm run demo -- --speed 4`). Send events go through the API with the relay token, feedback mail
// into the Maildir, every message past the real Postfix policy server (simulated clock), and
// mailbox ingestion and the evaluate-reputation job run every simulated minute. The demo must stop
// its three trouble-makers and never an ordinary sender, whose only link is a shared template: the
// relay's content fingerprints give each template a volume to weigh its complaints against.
import { eq, sql } from 'drizzle-orm';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { demoConfig, newDemoSecrets } from '../../../demo/config';
import { DemoBlocklists } from '../../../demo/blocklists';
import { backfillHistory } from '../../../demo/history';
import { Maildir } from '../../../demo/mail/maildir';
import { PolicyConnection, type SendEvent } from '../../../demo/relay-client';
import { demoSenders } from '../../../demo/senders';
import { RelayTraffic } from '../../../demo/traffic';
import { allJobs } from '../../../src/jobs';
import { evaluateReputationJob } from '../../../src/jobs/evaluate-reputation';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { alerts, campaigns, complaintFingerprints, hourlyRollups, reputationSubjects } from '../../../src/db/schema';
import { routeOutbox } from '../../../src/alerts/outbox-router';
import { ingestMailboxes } from '../../../src/ingest/run';
import { HourlyCounter } from '../../../src/relay/hourly-counter';
import { PolicySnapshot } from '../../../src/relay/policy-snapshot';
import { PostfixPolicyServer } from '../../../src/relay/postfix-policy-server';
import { resolveJobs } from '../../../src/scheduler/scheduler';
import { testEngines } from '../../support/engines';

const logger = pino({ level: 'silent' });
const liveMinutes = 40;
/**
 * Seconds of traffic per tick. The demo's loop sends 2 s of it per tick at --speed 4; longer ticks
 * here mean fewer API requests, and the same messages, each still asked of the policy server.
 */
const tickSeconds = 15;

describe.each(testEngines())('the demo relay on $name', (engine) => {
  let database: Database;
  let dataDir: string;
  const stops: Array<() => Promise<void> | void> = [];
  beforeEach(async () => {
    database = await engine.open();
    dataDir = mkdtempSync(join(tmpdir(), 'warden-demo-traffic-'));
  });
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops the three trouble-makers and no ordinary sender, through a campaign or otherwise', async () => {
    const secrets = newDemoSecrets();
    const maildir = new Maildir(join(dataDir, 'fbl'));
    // The demo's own config (thresholds, tiers, campaigns, attribution), at --speed 4.
    const config = wardenConfigSchema.parse(
      demoConfig({ secrets, port: 0, dataDir: join(dataDir, 'pglite'), maildir: maildir.path, dns: { host: '127.0.0.1', port: 53 }, receiverUrl: 'http://127.0.0.1:9/', speed: 4 }),
    );
    const liveFrom = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    let now = liveFrom;
    const clock = () => now;

    const snapshot = new PolicySnapshot(database, { throttleLimitPerHour: config.reputation.throttleLimitPerHour, tiers: config.tiers, campaigns: config.campaigns, refreshSeconds: 3600, logger });
    await snapshot.start();
    stops.push(() => snapshot.stop());
    const counter = new HourlyCounter(database.db, { flushMs: 3_600_000, logger });
    stops.push(() => counter.stop());
    const policyServer = new PostfixPolicyServer({ config: config.relay.policyServer, snapshot, counter, logger, recordSendEvents: false, clock });
    const { port } = await policyServer.listen();
    stops.push(() => policyServer.close());
    const policy = new PolicyConnection('127.0.0.1', port);
    stops.push(() => policy.close());

    const app = createApp({ database, config, logger, jobs: resolveJobs(allJobs, {}), clock, policySnapshot: snapshot });
    const reportSendEvents = async (events: SendEvent[]) => {
      const response = await app.request('/api/v1/events', {
        method: 'POST',
        headers: { authorization: `Bearer ${secrets.relayToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(events),
      });
      const body = (await response.json()) as { stored: number; rejected: unknown[] };
      expect(response.status).toBe(200);
      expect(body.rejected).toEqual([]);
    };

    const senders = demoSenders();
    await backfillHistory({ senders, reportSendEvents, maildir, regularShare: 0.25, now: liveFrom });
    const problems: string[] = [];
    const traffic = new RelayTraffic({
      senders,
      askPolicy: (question) => policy.ask(question),
      reportSendEvents,
      maildir,
      blocklists: new DemoBlocklists(() => (now.getTime() - liveFrom.getTime()) / 1000),
      speed: 1,
      onProblem: (message) => problems.push(message),
      clock,
    });

    for (let minute = 1; minute <= liveMinutes; minute++) {
      for (let second = tickSeconds; second <= 60; second += tickSeconds) {
        now = new Date(liveFrom.getTime() + ((minute - 1) * 60 + second) * 1000);
        await traffic.tick(tickSeconds);
      }
      const ingested = await ingestMailboxes({ db: database.db, config, logger, now });
      expect(ingested.failures).toEqual([]);
      await evaluateReputationJob.run({ db: database.db, config, logger } as never, now);
      await snapshot.refresh();
    }
    expect(problems).toEqual([]);
    expect(traffic.stats.accepted).toBeGreaterThan(20_000);

    const raised = await database.db.select().from(campaigns);
    const regular = new Set(senders.filter((sender) => sender.profile === 'regular').map((sender) => sender.id));
    const caught = (await database.db.select().from(reputationSubjects))
      .filter((row) => row.kind === 'sender' && regular.has(row.id) && row.campaignAction !== null)
      .map((row) => `${row.id}: ${row.campaignReason}`);
    const included = raised.flatMap((campaign) => campaign.members.filter((member) => member.included && regular.has(member.sender)).map((member) => `${member.sender} in #${campaign.id} ${campaign.rule}`));
    expect(caught).toEqual([]);
    expect(included).toEqual([]);
    // What keeps the shared templates from reading as campaigns: every ordinary complaint carries
    // its template's fingerprint, and the relay's sends of that template are counted.
    const ordinaryPrints = (await database.db.select().from(complaintFingerprints)).filter((print) => print.kind === 'content' && regular.has(print.sender));
    const volumes = new Map(
      (await database.db
        .select({ key: hourlyRollups.key, sent: sql<number>`sum(${hourlyRollups.sent})::int` })
        .from(hourlyRollups)
        .where(eq(hourlyRollups.dimension, 'fingerprint'))
        .groupBy(hourlyRollups.key)).map((row) => [row.key, row.sent]),
    );
    expect(ordinaryPrints.length).toBeGreaterThan(0);
    for (const print of ordinaryPrints) expect(volumes.get(print.value) ?? 0).toBeGreaterThanOrEqual(config.reputation.minVolume);
    const stopped = senders.filter((sender) => ['throttle', 'suspend'].includes(snapshot.lookup(sender.id, undefined, now).action));
    expect(stopped.filter((sender) => sender.profile === 'regular').map((sender) => sender.id)).toEqual([]);

    const actionOf = (id: string) => snapshot.lookup(id, undefined, now).action;
    expect(actionOf('promo-blaster')).toBe('suspend');
    expect(['throttle', 'suspend']).toContain(actionOf('winbig-rewards'));
    expect(actionOf('lead-harvest')).toBe('throttle');

    // On-call hears of each trouble-maker once: a sender and its domain are one incident, and an
    // escalation resolves the throttle it replaces.
    await routeOutbox(database.db, config.webhooks, now);
    const firing = await database.db.select().from(alerts).where(eq(alerts.state, 'firing'));
    const offenders = new Set(senders.filter((sender) => sender.profile !== 'regular').flatMap((sender) => [`sender:${sender.id}`, `domain:${sender.domain}`]));
    const aboutOffenders = firing.filter((alert) => alert.subjects.some((subject) => offenders.has(subject)));
    // One alert per trouble-maker, holding both the sender and its domain.
    expect(aboutOffenders.map((alert) => alert.dedupKey.replace(/^reputation:(throttled|suspended):/, '')).sort()).toEqual(
      ['domain:lead-harvest.example', 'domain:megadeals-now.example', 'domain:winbig-rewards.example'],
    );
    expect(aboutOffenders.every((alert) => alert.subjects.length === 2)).toBe(true);
  }, 180_000);
});
