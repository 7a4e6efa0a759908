import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalQuantile, wilsonInterval } from '../../../src/reputation/wilson';

describe('Wilson interval', () => {
  it('uses the normal quantiles of the textbooks', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 5);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.575829, 5);
  });

  it('matches a hand-computed interval for 3 complaints in 1,000 sends', () => {
    const { rate, lower, upper } = wilsonInterval(3, 1000, 0.95);
    expect(rate).toBe(0.003);
    expect(lower).toBeCloseTo(0.0010209, 6);
    expect(upper).toBeCloseTo(0.0088, 4);
  });

  it('brackets the observed rate, and narrows as volume grows at the same rate', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 0, max: 100_000 }), (trials, rawEvents) => {
        const events = rawEvents % (trials + 1);
        const interval = wilsonInterval(events, trials, 0.95);
        expect(interval.lower).toBeLessThanOrEqual(interval.rate + 1e-12);
        expect(interval.upper).toBeGreaterThanOrEqual(interval.rate - 1e-12);
        expect(interval.lower).toBeGreaterThanOrEqual(0);
        expect(interval.upper).toBeLessThanOrEqual(1);
        const tenfold = wilsonInterval(events * 10, trials * 10, 0.95);
        expect(tenfold.upper - tenfold.lower).toBeLessThanOrEqual(interval.upper - interval.lower + 1e-12);
      }),
    );
  });

  it('says nothing is known with no volume', () => {
    expect(wilsonInterval(0, 0, 0.95)).toEqual({ rate: 0, lower: 0, upper: 1 });
  });
});
