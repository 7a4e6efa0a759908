import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsblResolver, type ResolverClock, type ResolverOptions } from '../../../src/dnsbl/resolver';
import { startTestDnsServer, type TestDnsServer } from '../../support/dns-server';

let server: TestDnsServer;
let inFlight = 0;
let maxInFlight = 0;

beforeAll(async () => {
  server = await startTestDnsServer((name, type) => {
    if (name === '10.2.0.192.listed.test') return { kind: 'answer', a: ['127.0.0.2'], txt: ['Listed: see https://example.test/?ip=192.0.2.10'] };
    if (name.endsWith('.silent.test')) return { kind: 'silent' };
    if (name.endsWith('.servfail.test')) return { kind: 'servfail' };
    if (name.endsWith('.big.test') && type === 'A') {
      // 40 A records do not fit 512 bytes: dns2 answers UDP with TC=1 and the full set over TCP.
      return { kind: 'answer', a: Array.from({ length: 40 }, (_, index) => `127.0.1.${index + 1}`) };
    }
    if (name.endsWith('.big.test')) return { kind: 'answer', txt: ['big'] };
    if (name.endsWith('.slow.test')) {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => inFlight--, 30);
      return { kind: 'answer', a: [], delayMs: 30 };
    }
    return { kind: 'nxdomain' };
  });
});
afterAll(() => server.close());

function resolver(overrides: Partial<ResolverOptions> = {}, clock?: ResolverClock) {
  return new DnsblResolver(
    { nameserver: server.host, port: server.port, timeoutMs: 150, retries: 1, concurrency: 8, perZoneQueriesPerSecond: 0, ...overrides },
    clock,
  );
}
const queriesFor = (name: string) => server.queries.filter((query) => query.name === name);

describe('DnsblResolver against a dns2 server on loopback', () => {
  it('asks A, then TXT for a listed entry', async () => {
    const result = await resolver().lookup('10.2.0.192.listed.test', 'listed');
    expect(result.answer).toEqual({ status: 'answer', addresses: ['127.0.0.2'], txt: ['Listed: see https://example.test/?ip=192.0.2.10'] });
    expect(result.queries).toBe(2);
    expect(queriesFor('10.2.0.192.listed.test').map((query) => query.type)).toEqual(['A', 'TXT']);
  });

  it('reads NXDOMAIN as not listed and asks no TXT', async () => {
    const result = await resolver().lookup('11.2.0.192.listed.test', 'listed');
    expect(result.answer).toEqual({ status: 'nxdomain' });
    expect(queriesFor('11.2.0.192.listed.test').map((query) => query.type)).toEqual(['A']);
  });

  it('times out a zone that never answers, retrying, and reports an error', async () => {
    const result = await resolver({ timeoutMs: 100, retries: 2 }).lookup('1.2.0.192.silent.test', 'silent');
    expect(result.answer).toMatchObject({ status: 'error', code: 'E_DNS_TIMEOUT' });
    expect(result.answer.status === 'error' && result.answer.message).toMatch(/within 100 ms \(3 attempts\)/);
    expect(queriesFor('1.2.0.192.silent.test')).toHaveLength(3);
    expect(result.durationMs).toBeGreaterThanOrEqual(280);
  });

  it('reports SERVFAIL as an error after its retries', async () => {
    const result = await resolver({ retries: 1 }).lookup('1.2.0.192.servfail.test', 'servfail');
    expect(result.answer).toMatchObject({ status: 'error', code: 'E_DNS_SERVFAIL' });
    expect(queriesFor('1.2.0.192.servfail.test')).toHaveLength(2);
  });

  it('retries a truncated UDP answer over TCP and gets the whole set', async () => {
    const result = await resolver().lookup('1.2.0.192.big.test', 'big');
    expect(result.transport).toBe('tcp');
    expect(result.answer.status === 'answer' && result.answer.addresses).toHaveLength(40);
    expect(queriesFor('1.2.0.192.big.test').filter((query) => query.type === 'A').map((query) => query.transport)).toEqual(['udp', 'tcp']);
  });

  it('keeps at most `concurrency` queries in flight', async () => {
    maxInFlight = 0;
    const client = resolver({ concurrency: 3 });
    const names = Array.from({ length: 12 }, (_, index) => `${index}.2.0.192.slow.test`);
    const results = await Promise.all(names.map((name) => client.lookup(name, 'slow')));
    expect(results.every((result) => result.answer.status === 'nodata')).toBe(true);
    expect(maxInFlight).toBeLessThanOrEqual(3);
    expect(maxInFlight).toBeGreaterThanOrEqual(2);
  });

  it('spaces queries of one zone by the per-zone rate, leaving other zones alone', async () => {
    const waits: { ms: number }[] = [];
    // A frozen clock: every wait the limiter asks for is recorded and returns at once.
    const clock: ResolverClock = { now: () => 0, sleep: async (ms) => void waits.push({ ms }) };
    const client = resolver({ perZoneQueriesPerSecond: 20 }, clock);
    await Promise.all([
      ...[1, 2, 3, 4].map((index) => client.query(`${index}.2.0.192.listed.test`, 'A', 'zone-a')),
      client.query('9.2.0.192.listed.test', 'A', 'zone-b'),
    ]);
    expect(waits.map((wait) => wait.ms)).toEqual([50, 100, 150]);
  });
});
