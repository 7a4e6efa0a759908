// The dashboard's pure formatting and routing helpers (web/js/format.js), run in Node.
import { describe, expect, it } from 'vitest';
import { ago, dateTime, fingerprintEvidence, listedBySeverity, listedFirst, parseRoute, percent, rateWithBound, ratio, routeHash } from '../../../web/js/format.js';

describe('dashboard formatting', () => {
  it('shows rates as percentages, with more digits under 1%', () => {
    expect(percent(0.003)).toBe('0.300%');
    expect(percent(0.05)).toBe('5.00%');
    expect(percent(0)).toBe('0.00%');
    expect(percent(0.001, 1)).toBe('0.1%');
    expect(percent(null)).toBe('–');
    expect(ratio(3, 1000)).toBe('0.300%');
    expect(ratio(3, 0)).toBe('–');
  });

  it('shows a rate with its lower bound, and a campaign fingerprint by its volume or else its explanation', () => {
    expect(rateWithBound({ rate: 0.025, lower: 0.01151, upper: 0.0536 })).toBe('2.50% (≥ 1.15%)');
    const volume = { footing: 'volume', complaints: 6, volume: 1240, complaintRate: { rate: 6 / 1240, lower: 0.0022, upper: 0.01 }, explanation: 'volume: 6 complaints in 1240 sends (...)' };
    expect(fingerprintEvidence(volume)).toBe('6 complaints in 1,240 sends: 0.484% (≥ 0.220%)');
    const distinct = { footing: 'distinct', complaints: 5, volume: null, complaintRate: null, explanation: 'distinctiveness (no volume from the relay): 0 of 5 senders are established with clean records' };
    expect(fingerprintEvidence(distinct)).toBe(distinct.explanation);
  });

  it('shows times in UTC and coarse ages', () => {
    expect(dateTime('2026-11-20T12:30:45.123Z')).toBe('2026-11-20 12:30 UTC');
    expect(dateTime(null)).toBe('–');
    const now = new Date('2026-11-20T12:00:00Z');
    expect(ago('2026-11-20T11:55:00Z', now)).toBe('5 min ago');
    expect(ago('2026-11-20T09:00:00Z', now)).toBe('3 h ago');
    expect(ago('2026-11-18T12:00:00Z', now)).toBe('2 d ago');
  });

  it('counts listed targets by their highest severity', () => {
    expect(listedBySeverity([{ listed: true, severity: 'critical' }, { listed: false, severity: null }, { listed: true, severity: 'warning' }, { listed: true, severity: 'critical' }])).toEqual({
      critical: 2,
      error: 0,
      warning: 1,
      info: 0,
    });
  });

  it('round-trips a route whose id holds slashes and question marks', () => {
    const hash = routeHash(['senders', 'a/b?c@shop.example'], { sort: 'volume', q: '', offset: 0 });
    expect(hash).toBe('#/senders/a%2Fb%3Fc%40shop.example?sort=volume&offset=0');
    const route = parseRoute(hash);
    expect(route.segments).toEqual(['senders', 'a/b?c@shop.example']);
    expect(route.params.get('sort')).toBe('volume');
    expect(parseRoute('').segments).toEqual([]);
  });

  it('puts listed addresses first, the most severe first, and keeps the order of the others', () => {
    const targets = [
      { ip: '192.0.2.1', listed: false, severity: null },
      { ip: '192.0.2.2', listed: true, severity: 'warning' },
      { ip: '192.0.2.3', listed: false, severity: null },
      { ip: '192.0.2.4', listed: true, severity: 'critical' },
      { ip: '192.0.2.5', listed: true, severity: null },
    ];
    expect(listedFirst(targets).map((target: { ip: string }) => target.ip)).toEqual(['192.0.2.4', '192.0.2.2', '192.0.2.5', '192.0.2.1', '192.0.2.3']);
    expect(targets[0]!.ip).toBe('192.0.2.1');
  });
});
