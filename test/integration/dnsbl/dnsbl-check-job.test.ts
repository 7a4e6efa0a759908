// The dnsbl-check job end to end: a real DNS server on loopback, custom zones, both engines.
import { createSocket, type Socket } from 'node:dgram';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dnsblCheckJob } from '../../../src/jobs/dnsbl-check';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { currentDnsblState, dnsblTargetHistory } from '../../../src/db/dnsbl-queries';
import { recentEvents } from '../../../src/db/events';
import { zoneCatalogue } from '../../../src/dnsbl/catalogue';
import { parseTarget } from '../../../src/dnsbl/targets';
import { resolveJobs } from '../../../src/scheduler/scheduler';
import { runJobOnce } from '../../../src/scheduler/run-job';
import { startTestDnsServer, type TestDnsServer } from '../../support/dns-server';
import { testEngines } from '../../support/engines';

const logger = pino({ level: 'silent' });

// good.test lists 192.0.2.10 (spam source) and its test point; refuse.test answers every query
// with a Spamhaus-style refusal; all.test lists everything, 127.0.0.1 included.
const listedInGood = new Set(['2.0.0.127', '10.2.0.192']);
let server: TestDnsServer;
beforeAll(async () => {
  server = await startTestDnsServer((name) => {
    const [, labels, zoneName] = /^(.*)\.([a-z]+\.test)$/.exec(name) ?? [];
    if (zoneName === 'good.test' && labels && listedInGood.has(labels)) {
      return { kind: 'answer', a: [labels === '2.0.0.127' ? '127.0.0.2' : '127.0.0.3'], txt: ['https://good.test/lookup'] };
    }
    if (zoneName === 'refuse.test') return { kind: 'answer', a: ['127.255.255.254'] };
    if (zoneName === 'all.test') return { kind: 'answer', a: ['127.0.0.2'] };
    return { kind: 'nxdomain' };
  });
});
afterAll(() => server.close());

const customZone = (id: string) => ({
  id,
  name: `${id} list`,
  zone: `${id}.test`,
  kinds: ['ipv4'],
  codes: [
    { code: '127.0.0.2', meaning: 'test point', severity: 'error' },
    { code: '127.0.0.3', meaning: 'spam source', severity: 'critical' },
  ],
  refusedCodes: [{ code: '127.255.255.254', explanation: 'query came through a public resolver' }],
  testPoints: { listed: ['127.0.0.2'], notListed: ['127.0.0.1'] },
  delistUrl: `https://${id}.test/delist`,
  usage: { access: 'free', summary: 'test zone' },
});

function configWith(relay: { ips: string[]; domains?: string[] }, resolver: { host: string; port: number } = server, zones = ['good', 'refuse', 'all']) {
  return wardenConfigSchema.parse({
    relay,
    dnsbl: {
      disable: zoneCatalogue.filter((zone) => zone.enabledByDefault).map((zone) => zone.id),
      customZones: zones.map(customZone),
      resolver: { nameserver: resolver.host, port: resolver.port, timeoutMs: 500, retries: 0, perZoneQueriesPerSecond: 0 },
    },
  });
}

// Resolvers that fail: one answers REFUSED (RCODE 5) to everything, one is a bound UDP socket that
// never replies (every query times out).
let refusingResolver: TestDnsServer;
let silentResolver: Socket;
beforeAll(async () => {
  refusingResolver = await startTestDnsServer(() => ({ kind: 'refused' }));
  silentResolver = createSocket('udp4');
  await new Promise<void>((resolve) => silentResolver.bind(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await refusingResolver.close();
  await new Promise<void>((resolve) => silentResolver.close(() => resolve()));
});

describe.each(testEngines())('dnsbl-check job on $name', (engine) => {
  let database: Database;
  beforeEach(async () => {
    database = await engine.open();
    listedInGood.add('10.2.0.192');
  });
  afterEach(async () => {
    await database.close();
  });

  const runAt = (config: ReturnType<typeof configWith>, at: string) =>
    runJobOnce(dnsblCheckJob, { db: database.db, config, logger }, { trigger: 'manual', slot: null, instance: 'test', now: () => new Date(at) });

  it('lists a relay IP after the second agreeing run, with an event; refused and unhealthy zones never list', async () => {
    const config = configWith({ ips: ['192.0.2.10/31'] });
    const first = await runAt(config, '2026-01-01T00:00:00Z');
    expect(first.outcome).toBe('succeeded');
    expect(first.summary).toMatchObject({ targets: 2, zones: 3, checks: 6, listed: 1, refused: 2, errors: 0, unhealthyZones: 1, events: 0 });
    let state = await currentDnsblState(database.db, ['ipv4']);
    expect(state.listings.filter((row) => row.status === 'listed')).toEqual([]);

    const second = await runAt(config, '2026-01-01T00:15:00Z');
    expect(second.summary).toMatchObject({ listed: 1, events: 3 });
    state = await currentDnsblState(database.db, ['ipv4']);
    const byKey = Object.fromEntries(state.listings.map((row) => [`${row.zoneId} ${row.target}`, row.status]));
    expect(byKey).toEqual({ 'good 192.0.2.10': 'listed', 'good 192.0.2.11': 'clear' });
    expect(Object.fromEntries(state.zones.map((row) => [row.zoneId, row.status]))).toEqual({ good: 'healthy', refuse: 'refused', all: 'unhealthy' });

    const history = await dnsblTargetHistory(database.db, parseTarget('192.0.2.10'), 10);
    const outcomes = Object.fromEntries(history.checks.filter((row) => row.at.toISOString() === '2026-01-01T00:15:00.000Z').map((row) => [row.zoneId, row.outcome]));
    expect(outcomes).toEqual({ good: 'listed', refuse: 'refused', all: 'unhealthy' });

    const events = (await recentEvents(database.db, { limit: 10 })).reverse();
    expect(events.map((row) => [row.type, row.subject, row.severity])).toEqual([
      ['dnsbl.refused', 'refuse.test', 'warning'],
      ['dnsbl.zone_unhealthy', 'all.test', 'warning'],
      ['dnsbl.listed', '192.0.2.10', 'critical'],
    ]);
    expect(events[2]!.payload).toMatchObject({ zoneId: 'good', delistUrl: 'https://good.test/delist', meanings: [{ code: '127.0.0.3', meaning: 'spam source', severity: 'critical' }] });
  });

  it('delists after two clear runs', async () => {
    const config = configWith({ ips: ['192.0.2.10'] });
    await runAt(config, '2026-01-01T00:00:00Z');
    await runAt(config, '2026-01-01T00:15:00Z');
    listedInGood.delete('10.2.0.192');
    expect((await runAt(config, '2026-01-01T00:30:00Z')).summary).toMatchObject({ listed: 0, events: 0 });
    expect((await runAt(config, '2026-01-01T00:45:00Z')).summary).toMatchObject({ listed: 0, events: 1 });
    const history = await dnsblTargetHistory(database.db, parseTarget('192.0.2.10'), 20);
    expect(history.changes.map((row) => row.type)).toEqual(['dnsbl.delisted', 'dnsbl.listed']);
    expect(history.listings.find((row) => row.zoneId === 'good')).toMatchObject({ status: 'clear' });

    // Runs and checks older than dnsbl.historyDays go; the state and its events stay.
    const later = await runAt(config, '2026-01-31T00:20:00Z');
    expect(later.summary).toMatchObject({ runsPruned: 2 });
    const kept = await dnsblTargetHistory(database.db, parseTarget('192.0.2.10'), 20);
    expect(new Set(kept.checks.map((row) => row.at.toISOString()))).toEqual(new Set(['2026-01-01T00:30:00.000Z', '2026-01-01T00:45:00.000Z', '2026-01-31T00:20:00.000Z']));
    expect(kept.changes).toHaveLength(2);
    expect(kept.listings.find((row) => row.zoneId === 'good')).toMatchObject({ status: 'clear' });
  });

  it.each([
    ['answers REFUSED', () => ({ host: refusingResolver.host, port: refusingResolver.port }), 'E_DNS_RCODE'],
    ['never answers', () => ({ host: '127.0.0.1', port: silentResolver.address().port }), 'E_DNS_TIMEOUT'],
  ])('a zone whose resolver %s becomes unknown with an event, keeps its listing, and recovers with an event', async (_, failing, code) => {
    const working = configWith({ ips: ['192.0.2.10'] }, server, ['good']);
    const broken = configWith({ ips: ['192.0.2.10'] }, failing(), ['good']);
    await runAt(working, '2026-01-01T00:00:00Z');
    await runAt(working, '2026-01-01T00:15:00Z');
    let state = await currentDnsblState(database.db, ['ipv4']);
    expect(state.zones.map((row) => [row.zoneId, row.status])).toEqual([['good', 'healthy']]);
    expect(state.listings.map((row) => [row.target, row.status])).toEqual([['192.0.2.10', 'listed']]);

    for (const at of ['2026-01-01T00:30:00Z', '2026-01-01T00:45:00Z', '2026-01-01T01:00:00Z']) {
      expect((await runAt(broken, at)).summary).toMatchObject({ listed: 0, errors: 1 });
    }
    state = await currentDnsblState(database.db, ['ipv4']);
    expect(state.zones[0]).toMatchObject({ zoneId: 'good', status: 'unknown', since: new Date('2026-01-01T00:30:00Z'), reason: expect.stringContaining(code) });
    // A failed answer neither clears nor confirms: the listing stands, and says its check failed.
    expect(state.listings[0]).toMatchObject({ target: '192.0.2.10', status: 'listed', lastCheck: { outcome: 'error', at: new Date('2026-01-01T01:00:00Z') } });
    let events = (await recentEvents(database.db, { limit: 10 })).reverse();
    expect(events.map((row) => [row.type, row.subject, row.severity])).toEqual([
      ['dnsbl.listed', '192.0.2.10', 'critical'],
      ['dnsbl.zone_unknown', 'good.test', 'warning'],
    ]);
    expect(events[1]!.summary).toContain(code);

    await runAt(working, '2026-01-01T01:15:00Z');
    await runAt(working, '2026-01-01T01:30:00Z');
    state = await currentDnsblState(database.db, ['ipv4']);
    expect(state.zones[0]).toMatchObject({ status: 'healthy' });
    expect(state.listings[0]).toMatchObject({ status: 'listed', lastCheck: { outcome: 'listed' } });
    events = (await recentEvents(database.db, { limit: 10 })).reverse();
    expect(events.map((row) => row.type)).toEqual(['dnsbl.listed', 'dnsbl.zone_unknown', 'dnsbl.zone_recovered']);
  });

  it('a zone whose resolver fails from its first run on is unknown with an event', async () => {
    const broken = configWith({ ips: ['192.0.2.11'] }, refusingResolver, ['good']);
    await runAt(broken, '2026-01-01T00:00:00Z');
    await runAt(broken, '2026-01-01T00:15:00Z');
    expect((await currentDnsblState(database.db, ['ipv4'])).zones[0]).toMatchObject({ status: 'unknown' });
    expect((await recentEvents(database.db, { limit: 10 })).map((row) => row.type)).toEqual(['dnsbl.zone_unknown']);
  });

  it('reports that nothing is configured instead of failing', async () => {
    const result = await runAt(configWith({ ips: [] }), '2026-01-01T00:00:00Z');
    expect(result.outcome).toBe('succeeded');
    expect(result.summary).toMatchObject({ skipped: expect.stringContaining('no relay.ips or relay.domains'), targets: 0 });
  });
});

describe('dnsbl-check schedule', () => {
  it('runs every 15 minutes by default, on dnsbl.schedule if set, and jobs.dnsbl-check.schedule wins', () => {
    const scheduleOf = (input: unknown) => {
      const config = wardenConfigSchema.parse(input);
      return resolveJobs([dnsblCheckJob], config.jobs, config)[0]!.schedule;
    };
    expect(scheduleOf({})).toBe('*/15 * * * *');
    expect(scheduleOf({ dnsbl: { schedule: '*/5 * * * *' } })).toBe('*/5 * * * *');
    expect(scheduleOf({ dnsbl: { schedule: '*/5 * * * *' }, jobs: { 'dnsbl-check': { schedule: '0 * * * *' } } })).toBe('0 * * * *');
    expect(() => wardenConfigSchema.parse({ dnsbl: { schedule: 'every minute' } })).toThrow(/cron expression/);
  });
});
