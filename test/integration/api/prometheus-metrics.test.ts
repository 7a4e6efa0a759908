// /metrics as Prometheus scrapes it, on both engines: a gauge for every state on-call pages on
// (listings by zone, firing alerts, dead deliveries, policy snapshot age, send-event queue,
// ingestion lag, quarantine), read at scrape time; the text passes `promtool check metrics`, and
// the sample alerting rules in deploy/prometheus pass `promtool check rules` and their unit tests,
// and only name metrics the process exports.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { alertDeliveries, alerts } from '../../../src/db/schema';
import { policyDecisionTally } from '../../../src/metrics';
import { PolicySnapshot } from '../../../src/relay/policy-snapshot';
import { seedDashboardData } from '../../support/dashboard-seed';
import { testEngines } from '../../support/engines';
import { promtool, promtoolAvailable } from '../../support/promtool';
import { projectRoot } from '../../support/warden-process';

const rulesDirectory = join(projectRoot, 'deploy', 'prometheus');
const logger = pino({ level: 'silent' });
const config = wardenConfigSchema.parse({
  mailboxes: {
    // The seed's sources, plus one never read.
    imap: ['fbl', 'bounces', 'abuse'].map((name) => ({ name, host: '127.0.0.1', port: 1143, tls: 'none', user: name, password: 'secret' })),
  },
  webhooks: {
    destinations: [
      { name: 'oncall', url: 'http://127.0.0.1:9/oncall' },
      { name: 'chat', url: 'http://127.0.0.1:9/chat' },
    ],
  },
});

/** `name{a="x",b="y"} value` lines as name → labels text → value (labels sorted by name). */
function samples(text: string): Map<string, Map<string, number>> {
  const byName = new Map<string, Map<string, number>>();
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels = [...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, name, value]) => `${name}=${value}`).sort().join(',');
    if (!byName.has(match[1]!)) byName.set(match[1]!, new Map());
    byName.get(match[1]!)!.set(labels, Number(match[3]));
  }
  return byName;
}

describe.each(testEngines())('Prometheus metrics ($name)', (engine) => {
  let database: Database;
  let snapshot: PolicySnapshot;
  let app: ReturnType<typeof createApp>;
  const seededAt = new Date();
  const scrape = async () => {
    const response = await app.request('/metrics');
    expect(response.status).toBe(200);
    return response.text();
  };

  beforeAll(async () => {
    database = await engine.open();
    await seedDashboardData(database.db, seededAt);
    snapshot = new PolicySnapshot(database, { throttleLimitPerHour: 100, tiers: config.tiers, campaigns: config.campaigns, refreshSeconds: 3600, logger });
    await snapshot.start();
    app = createApp({ database, config, logger, jobs: [], policySnapshot: snapshot });
  });
  afterAll(async () => {
    await snapshot.stop();
    await database.close();
  });

  it('reports listings by zone, firing alerts by severity, dead deliveries by destination and the open quarantine', async () => {
    const metrics = samples(await scrape());
    expect(Object.fromEntries(metrics.get('warden_dnsbl_listings')!)).toEqual({ 'severity=critical,zone=spamhaus-zen': 1, 'severity=warning,zone=psbl': 1 });
    expect(Object.fromEntries(metrics.get('warden_alerts_firing')!)).toEqual({ 'severity=critical': 1, 'severity=error': 0, 'severity=warning': 0, 'severity=info': 0 });
    expect(Object.fromEntries(metrics.get('warden_alert_deliveries_dead')!)).toEqual({ 'destination=chat': 1, 'destination=oncall': 0 });
    expect(metrics.get('warden_quarantine_messages')!.get('')).toBe(1);
    expect(metrics.get('warden_operational_state_read_failures_total')!.get('')).toBe(0);
  });

  it('reports how long ago each mailbox was last read successfully, and the policy snapshot’s age', async () => {
    const metrics = samples(await scrape());
    const lag = metrics.get('warden_ingest_lag_seconds')!;
    const sinceSeed = (Date.now() - seededAt.getTime()) / 1000;
    // The seed's bounces were read at its "now"; fbl failed 10 minutes before and succeeded 30 minutes before.
    expect(lag.get('source=imap:bounces')).toBeGreaterThanOrEqual(0);
    expect(lag.get('source=imap:bounces')).toBeLessThanOrEqual(sinceSeed + 1);
    expect(lag.get('source=imap:fbl')).toBeGreaterThanOrEqual(1800);
    expect(lag.get('source=imap:fbl')).toBeLessThanOrEqual(1800 + sinceSeed + 1);
    // Never read: at least as long as this process has run.
    expect(lag.get('source=imap:abuse')).toBeGreaterThanOrEqual(Math.floor(process.uptime()) - 1);
    expect(metrics.get('warden_policy_snapshot_age_seconds')!.get('')).toBeLessThan(60);
    // The send-event queue the policy server keeps (its own metrics, from the backpressure work).
    expect(metrics.get('warden_send_events_pending')!.get('')).toBe(0);
    expect(metrics.get('warden_send_events_dropped_total')!.get('')).toBe(0);
  });

  it('takes in the policy server’s answers by action at each scrape, every action it can answer named', async () => {
    const before = samples(await scrape()).get('warden_postfix_policy_decisions_total') ?? new Map<string, number>();
    // The policy server adds to these plain fields per answer; the counter reads them at the scrape.
    policyDecisionTally.FILTER += 3;
    policyDecisionTally.PREPEND += 2;
    policyDecisionTally.REJECT += 1;
    const text = await scrape();
    expect(text).toContain('# HELP warden_postfix_policy_decisions_total Postfix policy server answers by action (DUNNO, DEFER_IF_PERMIT, REJECT, PREPEND, FILTER)');
    const after = samples(text).get('warden_postfix_policy_decisions_total')!;
    const added = (action: string) => after.get(`action=${action}`)! - (before.get(`action=${action}`) ?? 0);
    expect([added('FILTER'), added('PREPEND'), added('REJECT')]).toEqual([3, 2, 1]);
    expect(policyDecisionTally).toMatchObject({ FILTER: 0, PREPEND: 0, REJECT: 0 });
  });

  it('reads the database at each scrape: a replayed delivery and a resolved alert leave the gauges', async () => {
    await database.db.update(alertDeliveries).set({ status: 'pending' }).where(eq(alertDeliveries.status, 'dead'));
    await database.db.update(alerts).set({ state: 'resolved', resolvedAt: new Date() }).where(eq(alerts.state, 'firing'));
    const metrics = samples(await scrape());
    expect(metrics.get('warden_alert_deliveries_dead')!.get('destination=chat')).toBe(0);
    expect(metrics.get('warden_alerts_firing')!.get('severity=critical')).toBe(0);
  });

  it.skipIf(!promtoolAvailable())('passes `promtool check metrics`', async () => {
    const result = await promtool(['check', 'metrics'], { input: await scrape() });
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  });

  it.skipIf(!promtoolAvailable())('ships alerting rules that pass `promtool check rules` and their unit tests', async () => {
    const check = await promtool(['check', 'rules', 'relay-warden.rules.yml'], { cwd: rulesDirectory });
    expect(check.output).toContain('SUCCESS');
    expect(check.code).toBe(0);
    const unit = await promtool(['test', 'rules', 'relay-warden.rules.test.yml'], { cwd: rulesDirectory });
    expect(unit.output).toContain('SUCCESS');
    expect(unit.code).toBe(0);
  });

  it('names in the alerting rules only metrics /metrics exports', async () => {
    const exported = new Set([...(await scrape()).matchAll(/^# TYPE (\S+) /gm)].map(([, name]) => name));
    const rules = parse(readFileSync(join(rulesDirectory, 'relay-warden.rules.yml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const named = new Set(rules.groups.flatMap((group) => group.rules.flatMap((rule) => [...rule.expr.matchAll(/\bwarden_[a-z0-9_]+/g)].map(([name]) => name))));
    expect(named.size).toBeGreaterThan(8);
    expect([...named].filter((name) => !exported.has(name))).toEqual([]);
  });
});
