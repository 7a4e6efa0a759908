import { describe, expect, it } from 'vitest';
import { reputationConfig } from '../../../src/config/reputation';
import { countsOfFact, zeroCounts } from '../../../src/reputation/counts';
import { decide, type WindowStats } from '../../../src/reputation/decide';
import { effectivePolicy } from '../../../src/reputation/effective-policy';

const rules = reputationConfig.parse({});
const now = new Date('2026-11-25T12:00:00Z');
const later = (hours: number) => new Date(now.getTime() + hours * 3_600_000);
const stats = (sent: number, complaints: number, hardBounces = 0): WindowStats => {
  const counts = { ...zeroCounts(), sent, complaints, hardBounces };
  return { '24h': counts, '7d': counts, '30d': counts };
};
const allowed = { action: 'allow' as const, since: null, clearSince: null };

describe('automatic decisions', () => {
  it('throttles at 3 complaints in 1,000 and suspends at 10', () => {
    expect(decide(stats(1000, 3), allowed, rules, now)).toMatchObject({ action: 'throttle', changed: true, evidence: { metric: 'complaintRate', window: '24h' } });
    expect(decide(stats(1000, 10), allowed, rules, now).action).toBe('suspend');
  });

  it('takes no action under the volume floor, however bad the rate', () => {
    expect(decide(stats(199, 50), allowed, rules, now)).toMatchObject({ action: 'allow', changed: false });
  });

  it('suspends on hard bounces at the SES pause line', () => {
    expect(decide(stats(1000, 0, 150), allowed, rules, now)).toMatchObject({ action: 'suspend', evidence: { metric: 'hardBounceRate' } });
    expect(decide(stats(1000, 0, 10), allowed, rules, now).action).toBe('allow');
  });

  it('escalates at once but lifts only after the cool-down under the warn line', () => {
    const throttled = decide(stats(1000, 3), allowed, rules, now);
    const suspended = decide(stats(1000, 10), throttled, rules, later(1));
    expect(suspended).toMatchObject({ action: 'suspend', changed: true });
    const cleanStart = decide(stats(5000, 0), suspended, rules, later(2));
    expect(cleanStart).toMatchObject({ action: 'suspend', changed: false, clearSince: later(2) });
    const stillCooling = decide(stats(5000, 0), cleanStart, rules, later(20));
    expect(stillCooling).toMatchObject({ action: 'suspend', clearSince: later(2) });
    expect(stillCooling.reason).toMatch(/cool-down/);
    const relapse = decide(stats(5000, 20), stillCooling, rules, later(21));
    expect(relapse).toMatchObject({ action: 'suspend', clearSince: null });
    const released = decide(stats(5000, 0), decide(stats(5000, 0), relapse, rules, later(22)), rules, later(46));
    expect(released).toMatchObject({ action: 'allow', changed: true });
  });
});

describe('what a fact counts as', () => {
  it('counts abuse complaints but not not-spam reports', () => {
    expect(countsOfFact({ kind: 'complaint', feedbackType: 'abuse' }).complaints).toBe(1);
    expect(countsOfFact({ kind: 'complaint', feedbackType: 'not-spam' }).complaints).toBe(0);
    expect(countsOfFact({ kind: 'complaint' }).complaints).toBe(1);
  });

  it('counts a blocked IP as IP evidence, a user-unknown as the sender’s hard bounce', () => {
    expect(countsOfFact({ kind: 'bounce', reason: 'blocked', hardBounce: true })).toMatchObject({ blocked: 1, hardBounces: 0 });
    expect(countsOfFact({ kind: 'bounce', reason: 'userunknown', hardBounce: true })).toMatchObject({ hardBounces: 1, blocked: 0 });
    expect(countsOfFact({ kind: 'bounce', reason: 'mailboxfull', hardBounce: false }).softBounces).toBe(1);
    expect(countsOfFact({ kind: 'autoreply', reason: 'vacation' })).toEqual(zeroCounts());
  });
});

describe('effective policy', () => {
  const auto = (action: 'allow' | 'throttle' | 'suspend') => ({ automatic: { action, reason: `auto ${action}`, since: now }, override: null });
  it('prefers a live manual override, then the stricter of sender and domain', () => {
    const manual = { ...auto('suspend'), override: { action: 'allow' as const, reason: 'vetted', until: later(1), limitPerHour: null, by: 'ops' } };
    expect(effectivePolicy(manual, { name: 'd.example', policy: auto('suspend') }, now, 100)).toMatchObject({ action: 'allow', source: 'manual' });
    expect(effectivePolicy(manual, null, later(2), 100)).toMatchObject({ action: 'suspend', source: 'automatic' });
    expect(effectivePolicy(auto('throttle'), { name: 'd.example', policy: auto('suspend') }, now, 100)).toMatchObject({ action: 'suspend', source: 'domain' });
    expect(effectivePolicy(auto('throttle'), { name: 'd.example', policy: auto('allow') }, now, 100)).toMatchObject({ action: 'throttle', limitPerHour: 100 });
  });
});
