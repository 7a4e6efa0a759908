import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findCatalogueZone } from '../../../src/dnsbl/catalogue';
import type { ZoneHealth } from '../../../src/dnsbl/health';
import { advanceState, emptyDnsblState, type DnsblEvent } from '../../../src/dnsbl/state';
import type { CheckOutcome, CheckResult, DnsblState } from '../../../src/db/schema/dnsbl';

const zen = findCatalogueZone('spamhaus-zen')!;
const target = { kind: 'ipv4' as const, value: '192.0.2.10' };
const healthy: ZoneHealth = { zoneId: zen.id, status: 'healthy', reason: null, testPoints: [] };

function check(outcome: CheckOutcome): CheckResult {
  const listed = outcome === 'listed';
  return {
    target,
    zoneId: zen.id,
    zone: zen.zone,
    outcome,
    codes: listed ? ['127.0.0.2'] : outcome === 'refused' ? ['127.255.255.254'] : [],
    meanings: listed ? [{ code: '127.0.0.2', meaning: 'SBL', severity: 'critical' }] : [],
    severity: listed ? 'critical' : null,
    txt: listed ? ['https://check.spamhaus.org/sbl/query/SBL1'] : [],
    explanation: outcome === 'refused' ? 'public resolver' : null,
    durationMs: 3,
  };
}

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute));

/** Feeds one outcome per run; returns the state and every event, with the run index. */
function runs(outcomes: CheckOutcome[], confirmations = 2, health: ZoneHealth = healthy) {
  let state: DnsblState = emptyDnsblState;
  const events: (DnsblEvent & { run: number })[] = [];
  outcomes.forEach((outcome, run) => {
    const next = advanceState({ previous: state, checks: [check(outcome)], zoneHealth: [health], zones: [zen], confirmations, now: at(run * 15) });
    state = next.state;
    events.push(...next.events.map((event) => ({ ...event, run })));
  });
  return { state, events };
}

describe('advanceState', () => {
  it('reports a listing only after two agreeing checks, dated from the first', () => {
    const once = runs(['listed']);
    expect(once.events).toEqual([]);
    expect(once.state.listings[0]).toMatchObject({ status: 'unknown', pending: { status: 'listed', count: 1 }, lastListedAt: at(0) });

    const twice = runs(['listed', 'listed']);
    expect(twice.events).toHaveLength(1);
    expect(twice.events[0]).toMatchObject({
      type: 'listed',
      run: 1,
      severity: 'critical',
      delistUrl: 'https://check.spamhaus.org/',
      target,
      codes: ['127.0.0.2'],
      txt: ['https://check.spamhaus.org/sbl/query/SBL1'],
      at: at(15),
    });
    expect(twice.state.listings[0]).toMatchObject({ status: 'listed', since: at(0), lastListedAt: at(15), pending: null });
  });

  it('does not flap on a listing seen once and gone on the next check', () => {
    const { events, state } = runs(['clear', 'clear', 'listed', 'clear', 'listed', 'clear']);
    expect(events).toEqual([]);
    expect(state.listings[0]).toMatchObject({ status: 'clear', pending: null, lastListedAt: at(60) });
  });

  it('reports delisted after two clear checks, with the delisting link', () => {
    const { events } = runs(['listed', 'listed', 'clear', 'listed', 'clear', 'clear']);
    expect(events.map((event) => [event.type, event.run])).toEqual([
      ['listed', 1],
      ['delisted', 5],
    ]);
    expect(events[1]).toMatchObject({ severity: 'info', delistUrl: 'https://check.spamhaus.org/', codes: ['127.0.0.2'] });
  });

  it('lets errors, refusals and unhealthy runs neither confirm nor break a pending change', () => {
    const { events } = runs(['listed', 'error', 'refused', 'unhealthy', 'unknown', 'listed']);
    expect(events.filter((event) => event.type === 'listed').map((event) => event.run)).toEqual([5]);
  });

  it('does not report a first confirmed clear as a change', () => {
    expect(runs(['clear', 'clear', 'clear']).events).toEqual([]);
  });

  it('changes state on every check with confirmations = 1', () => {
    const { events } = runs(['listed', 'clear', 'listed'], 1);
    expect(events.map((event) => event.type)).toEqual(['listed', 'delisted', 'listed']);
  });

  it('needs three agreeing checks with confirmations = 3', () => {
    const { events } = runs(['listed', 'listed', 'clear', 'listed', 'listed', 'listed'], 3);
    expect(events.map((event) => [event.type, event.run])).toEqual([['listed', 5]]);
  });

  it('reports a zone unhealthy after two failing runs and recovered after two good ones', () => {
    const unhealthy: ZoneHealth = { zoneId: zen.id, status: 'unhealthy', reason: 'lists 127.0.0.1', testPoints: [] };
    let state: DnsblState = emptyDnsblState;
    const types: string[][] = [];
    const sequence = [healthy, unhealthy, unhealthy, healthy, unhealthy, healthy, healthy];
    sequence.forEach((health, run) => {
      const next = advanceState({
        previous: state,
        checks: [check(health.status === 'unhealthy' ? 'unhealthy' : 'clear')],
        zoneHealth: [health],
        zones: [zen],
        confirmations: 2,
        now: at(run * 15),
      });
      state = next.state;
      types.push(next.events.map((event) => event.type));
    });
    expect(types).toEqual([[], [], ['zone_unhealthy'], [], [], [], ['zone_recovered']]);
    expect(state.zones[0]).toMatchObject({ status: 'healthy', since: at(75) });
  });

  it('reports refused once per zone, not once per target, with the explanation', () => {
    const checks = ['192.0.2.1', '192.0.2.2', '192.0.2.3'].map((value) => ({ ...check('refused'), target: { kind: 'ipv4' as const, value } }));
    let state: DnsblState = emptyDnsblState;
    const events: DnsblEvent[] = [];
    for (const run of [0, 1]) {
      const next = advanceState({ previous: state, checks, zoneHealth: [healthy], zones: [zen], confirmations: 2, now: at(run) });
      state = next.state;
      events.push(...next.events);
    }
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'refused', target: null, severity: 'warning', explanation: 'public resolver' });
  });

  it('never emits two listed events in a row for a pair, whatever the check sequence', () => {
    const outcome = fc.constantFrom<CheckOutcome>('listed', 'clear', 'error', 'refused', 'unknown', 'unhealthy');
    fc.assert(
      fc.property(fc.array(outcome, { maxLength: 30 }), fc.integer({ min: 1, max: 4 }), (outcomes, confirmations) => {
        const types = runs(outcomes, confirmations).events.filter((event) => event.target).map((event) => event.type);
        for (let index = 1; index < types.length; index++) expect(types[index]).not.toBe(types[index - 1]);
        if (types.length > 0) expect(types[0]).toBe('listed');
      }),
    );
  });
});
