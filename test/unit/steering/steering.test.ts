// Which relay IPs take new mail (listings, drains, quiet period, warm-back), the sticky weighted
// choice per sender, and the events and audit rows of a change.
import { describe, expect, it } from 'vitest';
import { steeringChanges, steeringRecords } from '../../../src/steering/changes';
import { chooseIp } from '../../../src/steering/choice';
import { ipStatus, type IpListingFact, type SteeringRules } from '../../../src/steering/ip-status';

const rules: SteeringRules = { listingSeverity: 'error', quietPeriodMinutes: 60, warmBackMinutes: 120, warmBackShare: 0.25 };
const at = (iso: string) => new Date(iso);
const listing = (over: Partial<IpListingFact>): IpListingFact => ({ zoneId: 'zen', status: 'listed', severity: 'critical', since: at('2026-01-01T10:00:00Z'), lastListedAt: at('2026-01-01T10:00:00Z'), ...over });
const status = (listings: IpListingFact[], now: string, drain = null as null | { since: Date; by: string; reason: string }) =>
  ipStatus({ ip: '192.0.2.10', transport: 'out-a', weight: 2, listings, drain }, rules, at(now));

describe('ipStatus', () => {
  it('takes an IP out while it is listed at the configured severity or above', () => {
    expect(status([listing({})], '2026-01-01T11:00:00Z')).toMatchObject({ state: 'listed', weightShare: 0, zones: ['zen'] });
  });

  it('keeps an IP in use while its only listing is below the configured severity', () => {
    expect(status([listing({ severity: 'warning' })], '2026-01-01T11:00:00Z')).toMatchObject({ state: 'active', weightShare: 1 });
  });

  it('after a delisting: quiet for the quiet period, then warming at the warm-back share, then active', () => {
    const delisted = [listing({ status: 'clear', since: at('2026-01-01T12:00:00Z'), lastListedAt: at('2026-01-01T11:45:00Z') })];
    expect(status(delisted, '2026-01-01T12:59:59Z')).toMatchObject({ state: 'quiet', weightShare: 0, until: at('2026-01-01T13:00:00Z') });
    expect(status(delisted, '2026-01-01T13:00:00Z')).toMatchObject({ state: 'warming', weightShare: 0.25, until: at('2026-01-01T15:00:00Z') });
    expect(status(delisted, '2026-01-01T15:00:00Z')).toMatchObject({ state: 'active', weightShare: 1 });
  });

  it('a drain mark wins over everything', () => {
    expect(status([], '2026-01-01T11:00:00Z', { since: at('2026-01-01T10:00:00Z'), by: 'ops', reason: 'maintenance' })).toMatchObject({ state: 'draining', weightShare: 0 });
  });

  it('a listing that was never listed (clear from the start) has no quiet period', () => {
    expect(status([listing({ status: 'clear', lastListedAt: null })], '2026-01-01T10:01:00Z')).toMatchObject({ state: 'active' });
  });
});

describe('chooseIp', () => {
  const ips = [
    { ip: '192.0.2.10', effectiveWeight: 1 },
    { ip: '192.0.2.11', effectiveWeight: 1 },
    { ip: '192.0.2.12', effectiveWeight: 2 },
  ];
  const senders = Array.from({ length: 4000 }, (_, index) => `sender${index}@shop.example`);

  it('spreads senders by weight', () => {
    const counts = new Map<string, number>();
    for (const sender of senders) counts.set(chooseIp(sender, ips)!.ip, (counts.get(chooseIp(sender, ips)!.ip) ?? 0) + 1);
    expect(counts.get('192.0.2.12')! / senders.length).toBeGreaterThan(0.45);
    expect(counts.get('192.0.2.12')! / senders.length).toBeLessThan(0.55);
    expect(counts.get('192.0.2.10')! / senders.length).toBeGreaterThan(0.2);
  });

  it('moves only the senders of an IP that leaves, and gives them back when it returns', () => {
    const before = new Map(senders.map((sender) => [sender, chooseIp(sender, ips)!.ip]));
    const without = ips.map((ip) => (ip.ip === '192.0.2.10' ? { ...ip, effectiveWeight: 0 } : ip));
    for (const sender of senders) {
      const now = chooseIp(sender, without)!.ip;
      expect(now).not.toBe('192.0.2.10');
      if (before.get(sender) !== '192.0.2.10') expect(now).toBe(before.get(sender));
    }
    for (const sender of senders) expect(chooseIp(sender, ips)!.ip).toBe(before.get(sender));
  });

  it('chooses nothing when no IP has weight', () => {
    expect(chooseIp('a@b.example', ips.map((ip) => ({ ...ip, effectiveWeight: 0 })))).toBeNull();
  });
});

describe('steering records', () => {
  const now = at('2026-01-01T11:00:00Z');
  const listed = status([listing({})], '2026-01-01T11:00:00Z');
  const other = { ...status([], '2026-01-01T11:00:00Z'), ip: '192.0.2.11', transport: 'out-b' };

  it('an IP taken out is one warning event and one audit row naming where mail goes', () => {
    const changes = steeringChanges(new Map(), [listed, other]);
    expect(changes.map((change) => [change.ip, change.from, change.to])).toEqual([['192.0.2.10', 'active', 'listed']]);
    const { events, audit } = steeringRecords({ changes, statuses: [listed, other], wasExhausted: false, now, actor: 'steering', source: 'automatic' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'steering.steered', severity: 'warning', subject: 'ip:192.0.2.10' });
    expect(events[0]!.summary).toContain('new mail leaves by 192.0.2.11');
    expect(audit).toEqual([expect.objectContaining({ kind: 'ip', subject: '192.0.2.10', reason: expect.stringContaining('active → listed') })]);
  });

  it('every IP out of use fires a critical exhausted event, and no IP is chosen', () => {
    const otherListed = { ...listed, ip: '192.0.2.11' };
    const changes = steeringChanges(new Map([['192.0.2.10', 'listed']]), [listed, otherListed]);
    const { events } = steeringRecords({ changes, statuses: [listed, otherListed], wasExhausted: false, now, actor: 'steering', source: 'automatic' });
    expect(events.map((event) => [event.type, event.severity])).toEqual([
      ['steering.steered', 'warning'],
      ['steering.exhausted', 'critical'],
    ]);
    expect(events[1]!.summary).toContain('not steered');
  });

  it('a delisted IP going quiet, warming and back says so, each as an info event', () => {
    const delisted = listing({ status: 'clear', since: at('2026-01-01T10:00:00Z') });
    const quiet = status([delisted], '2026-01-01T10:30:00Z');
    const warming = status([delisted], '2026-01-01T12:00:00Z');
    const active = status([delisted], '2026-01-01T14:00:00Z');
    const recordsOf = (from: 'listed' | 'quiet' | 'warming', next: typeof quiet) =>
      steeringRecords({ changes: steeringChanges(new Map([['192.0.2.10', from]]), [next]), statuses: [next, other], wasExhausted: false, now, actor: 'steering', source: 'automatic' }).events;
    expect(recordsOf('listed', quiet).map((event) => [event.type, event.severity, event.summary])).toEqual([
      ['steering.quiet', 'info', '192.0.2.10 delisted from zen; quiet until 2026-01-01T11:00:00.000Z'],
    ]);
    expect(recordsOf('quiet', warming).map((event) => [event.type, event.severity, event.summary])).toEqual([
      ['steering.warming', 'info', '192.0.2.10 back after delisting from zen at 25% of its weight until 2026-01-01T13:00:00.000Z'],
    ]);
    expect(recordsOf('warming', active).map((event) => [event.type, event.severity, event.summary])).toEqual([
      ['steering.restored', 'info', '192.0.2.10 back in use at its full weight'],
    ]);
  });
});
