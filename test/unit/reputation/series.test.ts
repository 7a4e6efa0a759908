import { describe, expect, it } from 'vitest';
import { fillSeries, seriesRange } from '../../../src/reputation/series';

describe('rate series', () => {
  it('ends with the bucket holding now and spans count buckets', () => {
    const { from, to } = seriesRange(new Date('2026-11-20T12:34:56Z'), 'hour', 3);
    expect(from.toISOString()).toBe('2026-11-20T10:00:00.000Z');
    expect(to.toISOString()).toBe('2026-11-20T13:00:00.000Z');
    expect(seriesRange(new Date('2026-11-20T12:34:56Z'), 'day', 2).from.toISOString()).toBe('2026-11-19T00:00:00.000Z');
  });

  it('fills empty buckets with zeros and computes each bucket’s rates', () => {
    const from = new Date('2026-11-20T10:00:00Z');
    const points = fillSeries([{ at: new Date('2026-11-20T11:00:00Z'), sent: 2000, complaints: 3, hardBounces: 40 }], from, 3, 'hour');
    expect(points.map((p) => p.at.toISOString())).toEqual(['2026-11-20T10:00:00.000Z', '2026-11-20T11:00:00.000Z', '2026-11-20T12:00:00.000Z']);
    expect(points[0]).toMatchObject({ sent: 0, complaintRate: 0, hardBounceRate: 0 });
    expect(points[1]).toMatchObject({ sent: 2000, complaints: 3, complaintRate: 0.0015, hardBounceRate: 0.02 });
  });

  it('adds rows of one bucket together', () => {
    const from = new Date('2026-11-20T00:00:00Z');
    const points = fillSeries(
      [
        { at: new Date('2026-11-20T00:00:00Z'), sent: 100, complaints: 1 },
        { at: new Date('2026-11-20T00:00:00Z'), sent: 300, complaints: 1 },
      ],
      from,
      1,
      'day',
    );
    expect(points[0]).toMatchObject({ sent: 400, complaints: 2, complaintRate: 0.005 });
  });
});
