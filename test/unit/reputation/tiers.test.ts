// Earned limits on plain values: promotion on upper bounds with volume and age, demotion on decisions.
import { describe, expect, it } from 'vitest';
import { tiersConfig } from '../../../src/config/tiers';
import { zeroCounts } from '../../../src/reputation/counts';
import { decideTier, tierLimits, type TierInput } from '../../../src/reputation/tiers';

const config = tiersConfig.parse({});
const now = new Date('2026-11-30T00:00:00Z');
const daysAgo = (n: number) => new Date(now.getTime() - n * 86_400_000);
const input = (over: Partial<TierInput> & { sent?: number; complaints?: number }): TierInput => ({
  current: 'new',
  firstSeenAt: daysAgo(10),
  counts30d: { ...zeroCounts(), sent: over.sent ?? 2000, complaints: over.complaints ?? 0 },
  automaticAction: 'allow',
  escalated: false,
  ...over,
});

describe('tiers', () => {
  it('gives the new tier 50 an hour and 200 a day, trusted no limit', () => {
    expect(tierLimits('new', config)).toEqual({ limitPerHour: 50, limitPerDay: 200 });
    expect(tierLimits('established', config)).toEqual({ limitPerHour: 1000, limitPerDay: null });
    expect(tierLimits('trusted', config)).toEqual({ limitPerHour: null, limitPerDay: null });
    expect(tierLimits('new', { ...config, enabled: false })).toEqual({ limitPerHour: null, limitPerDay: null });
  });

  it('promotes a week-old sender with 2,000 clean sends to established', () => {
    expect(decideTier(input({}), config, 0.95, now)).toMatchObject({ tier: 'established', changed: true });
  });

  it('does not promote on too few sends, too young, or an upper bound over the line', () => {
    expect(decideTier(input({ sent: 900 }), config, 0.95, now).reason).toMatch(/900 sends in 30 days, under 1000/);
    expect(decideTier(input({ firstSeenAt: daysAgo(3) }), config, 0.95, now).reason).toMatch(/3\.0 days old, under 7/);
    // 1,100 sends and no complaints: the upper bound (0.35%) is not yet under 0.3%.
    expect(decideTier(input({ sent: 1100 }), config, 0.95, now)).toMatchObject({ tier: 'new', changed: false });
    expect(decideTier(input({ complaints: 3 }), config, 0.95, now).reason).toMatch(/complaint rate upper bound/);
  });

  it('does not promote while an action is in force', () => {
    expect(decideTier(input({ automaticAction: 'warn' }), config, 0.95, now).changed).toBe(false);
  });

  it('demotes one tier on an escalation of the reputation engine', () => {
    expect(decideTier(input({ current: 'trusted', automaticAction: 'throttle', escalated: true }), config, 0.95, now)).toMatchObject({ tier: 'established', changed: true });
    expect(decideTier(input({ current: 'new', automaticAction: 'suspend', escalated: true }), config, 0.95, now)).toMatchObject({ tier: 'new', changed: false });
  });

  it('promotes to trusted only after a month and 10,000 sends under the throttle lines', () => {
    expect(decideTier(input({ current: 'established', sent: 12_000, firstSeenAt: daysAgo(31) }), config, 0.95, now).tier).toBe('trusted');
    expect(decideTier(input({ current: 'established', sent: 12_000, firstSeenAt: daysAgo(20) }), config, 0.95, now).tier).toBe('established');
  });
});
