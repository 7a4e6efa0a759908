// The blocklist monitor's storage on both engines: runs, checks, confirmed state and its events.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/client';
import { currentDnsblState, dnsblTargetHistory, loadDnsblState, pruneDnsblState, storeDnsblRun } from '../../../src/db/dnsbl-queries';
import { dnsblEventRow } from '../../../src/dnsbl/events';
import { recentEvents } from '../../../src/db/events';
import type { ZoneHealth } from '../../../src/dnsbl/health';
import type { DnsblRun } from '../../../src/dnsbl/run';
import { advanceState } from '../../../src/dnsbl/state';
import type { CheckOutcome, CheckResult } from '../../../src/db/schema/dnsbl';
import { parseTarget } from '../../../src/dnsbl/targets';
import { zoneDefinitionSchema } from '../../../src/config/dnsbl-zone';
import { testEngines } from '../../support/engines';

const zone = zoneDefinitionSchema.parse({
  id: 'good',
  name: 'Good List',
  zone: 'good.test',
  kinds: ['ipv4'],
  codes: [{ code: '127.0.0.3', meaning: 'spam source', severity: 'critical' }],
  testPoints: { listed: ['127.0.0.2'], notListed: ['127.0.0.1'] },
  delistUrl: 'https://good.test/delist',
  usage: { access: 'free', summary: 'test zone' },
});
const ip = '192.0.2.10';
const healthy: ZoneHealth = { zoneId: 'good', status: 'healthy', reason: null, testPoints: [] };

function check(outcome: CheckOutcome, value = ip): CheckResult {
  const listed = outcome === 'listed';
  return {
    target: parseTarget(value),
    zoneId: 'good',
    zone: 'good.test',
    outcome,
    codes: listed ? ['127.0.0.3'] : [],
    meanings: listed ? [{ code: '127.0.0.3', meaning: 'spam source', severity: 'critical' }] : [],
    severity: listed ? 'critical' : null,
    txt: listed ? ['see https://good.test/lookup'] : [],
    explanation: null,
    durationMs: 3,
  };
}

describe.each(testEngines())('dnsbl storage on $name', (engine) => {
  let database: Database;
  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(async () => {
    await database.close();
  });

  /** One run through the pure state machine and into storage, as the job does it. */
  async function storeRun(outcomes: CheckOutcome[], at: string, targets = [ip]) {
    const checks = outcomes.map((outcome, index) => check(outcome, targets[index] ?? ip));
    const run: DnsblRun = {
      checks,
      zoneHealth: [healthy],
      queryCount: checks.length + 2,
      durationMs: 12,
      zones: [{ definition: zone, queryZone: zone.zone }],
      targets: targets.map(parseTarget),
    };
    const now = new Date(at);
    const { state, events } = advanceState({ previous: await loadDnsblState(database.db), checks, zoneHealth: run.zoneHealth, zones: [zone], confirmations: 2, now });
    return storeDnsblRun(database.db, { run, state, events: events.map(dnsblEventRow), startedAt: now, finishedAt: new Date(now.getTime() + 12), durationMs: 12 });
  }

  it('stores a run with its counts, every check and the zone state', async () => {
    const stored = await storeRun(['listed', 'clear', 'error'], '2026-01-01T00:00:00Z', [ip, '192.0.2.11', '192.0.2.12']);
    expect(stored).toMatchObject({ checks: 3, listed: 1, refused: 0, errors: 1, unhealthyZones: 0, events: 0 });
    const history = await dnsblTargetHistory(database.db, parseTarget(ip), 10);
    expect(history.checks).toHaveLength(1);
    expect(history.checks[0]).toMatchObject({ runId: stored.runId, zoneId: 'good', outcome: 'listed', codes: ['127.0.0.3'], severity: 'critical', txt: ['see https://good.test/lookup'], durationMs: 3 });
    expect(history.checks[0]!.meanings).toEqual([{ code: '127.0.0.3', meaning: 'spam source', severity: 'critical' }]);
    // An error says nothing about a listing: no state row for 192.0.2.12.
    const current = await currentDnsblState(database.db, ['ipv4']);
    expect(current.listings.map((row) => row.target)).toEqual([ip, '192.0.2.11']);
    expect(current.zones).toEqual([expect.objectContaining({ zoneId: 'good', status: 'unknown', pendingStatus: 'healthy', pendingCount: 1 })]);
    expect(current.lastRun).toMatchObject({ id: stored.runId, checks: 3, listed: 1, errors: 1, targets: 3, zones: 1 });
  });

  it('needs two agreeing checks to flip a listing, and records pending progress in between', async () => {
    await storeRun(['listed'], '2026-01-01T00:00:00Z');
    let state = await loadDnsblState(database.db);
    expect(state.listings[0]).toMatchObject({ status: 'unknown', pending: { status: 'listed', count: 1 } });
    expect(state.listings[0]!.pending!.firstSeenAt.toISOString()).toBe('2026-01-01T00:00:00.000Z');

    const second = await storeRun(['listed'], '2026-01-01T00:15:00Z');
    state = await loadDnsblState(database.db);
    expect(state.listings[0]).toMatchObject({ status: 'listed', pending: null, codes: ['127.0.0.3'], severity: 'critical' });
    expect(state.listings[0]!.since!.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(second.events).toBe(1);

    // One clear answer does not delist.
    await storeRun(['clear'], '2026-01-01T00:30:00Z');
    state = await loadDnsblState(database.db);
    expect(state.listings[0]).toMatchObject({ status: 'listed', pending: { status: 'clear', count: 1 } });
  });

  it('writes listed and delisted events with severity, codes and the delisting link', async () => {
    for (const [outcome, at] of [
      ['listed', '2026-01-01T00:00:00Z'],
      ['listed', '2026-01-01T00:15:00Z'],
      ['clear', '2026-01-01T00:30:00Z'],
      ['clear', '2026-01-01T00:45:00Z'],
    ] as const) {
      await storeRun([outcome], at);
    }
    const rows = (await recentEvents(database.db, { limit: 10 })).reverse();
    const dnsbl = rows.filter((row) => row.type.startsWith('dnsbl.'));
    expect(dnsbl.map((row) => [row.type, row.severity, row.subject])).toEqual([
      ['dnsbl.listed', 'critical', ip],
      ['dnsbl.delisted', 'info', ip],
    ]);
    const listed = dnsbl[0]!;
    expect(listed.summary).toContain('192.0.2.10 listed on Good List (good.test): spam source');
    expect(listed.summary).toContain('https://good.test/delist');
    expect(listed.payload).toMatchObject({ zoneId: 'good', target: ip, targetKind: 'ipv4', codes: ['127.0.0.3'], delistUrl: 'https://good.test/delist' });
    expect(listed.at.toISOString()).toBe('2026-01-01T00:15:00.000Z');
    expect(dnsbl[1]!.at.toISOString()).toBe('2026-01-01T00:45:00.000Z');
  });

  it('answers one IP’s history: checks and state changes, newest first', async () => {
    for (const at of ['2026-01-01T00:00:00Z', '2026-01-01T00:15:00Z', '2026-01-01T00:30:00Z']) await storeRun(['listed'], at);
    const history = await dnsblTargetHistory(database.db, parseTarget(ip), 2);
    expect(history.checks.map((row) => row.at.toISOString())).toEqual(['2026-01-01T00:30:00.000Z', '2026-01-01T00:15:00.000Z']);
    expect(history.changes.map((row) => row.type)).toEqual(['dnsbl.listed']);
    expect(history.listings).toEqual([expect.objectContaining({ zoneId: 'good', status: 'listed' })]);
    const unknown = await dnsblTargetHistory(database.db, parseTarget('198.51.100.1'), 10);
    expect(unknown).toEqual({ listings: [], checks: [], changes: [] });
  });

  it('drops state of zones no longer enabled and targets no longer configured', async () => {
    await storeRun(['listed', 'clear'], '2026-01-01T00:00:00Z', [ip, '192.0.2.11']);
    expect(await pruneDnsblState(database.db, ['good'], [parseTarget(ip)])).toEqual({ listings: 1, zones: 0 });
    expect((await loadDnsblState(database.db)).listings.map((row) => row.target.value)).toEqual([ip]);
    // More targets than PostgreSQL takes parameters in one statement (expanded ranges add up).
    const many = Array.from({ length: 70_000 }, (_, index) => parseTarget(`10.${index >> 16}.${(index >> 8) & 255}.${index & 255}`));
    expect(await pruneDnsblState(database.db, ['good'], [...many, parseTarget(ip)])).toEqual({ listings: 0, zones: 0 });
    expect(await pruneDnsblState(database.db, ['other'])).toEqual({ listings: 1, zones: 1 });
    expect(await loadDnsblState(database.db)).toEqual({ listings: [], zones: [] });
  });
});
