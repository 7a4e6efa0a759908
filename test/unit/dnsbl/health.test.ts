import { describe, expect, it } from 'vitest';
import { findCatalogueZone } from '../../../src/dnsbl/catalogue';
import { assessZoneHealth, type TestPointResult } from '../../../src/dnsbl/health';
import { interpretAnswer, type DnsblAnswer } from '../../../src/dnsbl/interpret';

const zen = findCatalogueZone('spamhaus-zen')!;
function point(testPoint: string, expectation: 'listed' | 'not_listed', answer: DnsblAnswer): TestPointResult {
  return { testPoint, expectation, interpretation: interpretAnswer(zen, answer) };
}
const a = (...addresses: string[]): DnsblAnswer => ({ status: 'answer', addresses, txt: [] });

describe('assessZoneHealth', () => {
  it('is healthy when 127.0.0.2 is listed and 127.0.0.1 is not', () => {
    const health = assessZoneHealth(zen, [point('127.0.0.2', 'listed', a('127.0.0.2')), point('127.0.0.1', 'not_listed', { status: 'nxdomain' })]);
    expect(health).toMatchObject({ zoneId: 'spamhaus-zen', status: 'healthy', reason: null });
  });

  it('marks a zone that lists 127.0.0.1 unhealthy: it lists everything', () => {
    const health = assessZoneHealth(zen, [point('127.0.0.2', 'listed', a('127.0.0.2')), point('127.0.0.1', 'not_listed', a('127.0.0.2'))]);
    expect(health.status).toBe('unhealthy');
    expect(health.reason).toMatch(/lists 127\.0\.0\.1 .*answers "listed" for everything/);
  });

  it('marks a zone that does not list its test point unhealthy', () => {
    const health = assessZoneHealth(zen, [point('127.0.0.2', 'listed', { status: 'nxdomain' }), point('127.0.0.1', 'not_listed', { status: 'nxdomain' })]);
    expect(health.status).toBe('unhealthy');
    expect(health.reason).toMatch(/does not list its test point 127\.0\.0\.2/);
  });

  it('marks a parked list domain answering outside 127/8 unhealthy', () => {
    const health = assessZoneHealth(zen, [point('127.0.0.2', 'listed', a('198.51.100.1')), point('127.0.0.1', 'not_listed', a('198.51.100.1'))]);
    expect(health.status).toBe('unhealthy');
    expect(health.reason).toMatch(/parked or hijacked/);
  });

  it('reports refused test points as refused with the list explanation', () => {
    const health = assessZoneHealth(zen, [point('127.0.0.2', 'listed', a('127.255.255.254')), point('127.0.0.1', 'not_listed', a('127.255.255.254'))]);
    expect(health.status).toBe('refused');
    expect(health.reason).toMatch(/public or open resolver/);
  });

  it('reports unanswered test points as unreachable, not unhealthy', () => {
    const timeout: DnsblAnswer = { status: 'error', code: 'E_DNS_TIMEOUT', message: 'no answer' };
    const health = assessZoneHealth(zen, [point('127.0.0.2', 'listed', timeout), point('127.0.0.1', 'not_listed', timeout)]);
    expect(health.status).toBe('unreachable');
  });
});
