// Interoperability with rbldnsd, the server many lists run: ip4set and ip6trie zones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsblResolver } from '../../../src/dnsbl/resolver';
import { runSweep } from '../../../src/dnsbl/sweep';
import { expandTargets } from '../../../src/dnsbl/targets';
import { zoneDefinitionSchema } from '../../../src/config/dnsbl-zone';
import { findRbldnsd, startRbldnsd, type RunningRbldnsd } from '../../support/rbldnsd';

const binary = findRbldnsd();
const required = process.env.CI === 'true';
if (!binary && !required) {
  console.warn('NOTICE: rbldnsd is not installed; skipping the rbldnsd interoperability tests (apt-get install rbldnsd).');
}

const v4 = zoneDefinitionSchema.parse({
  id: 'rbl-v4',
  name: 'rbldnsd ip4set',
  zone: 'bl.rbldnsd.test',
  kinds: ['ipv4'],
  codes: [
    { code: '127.0.0.2', meaning: 'spam source', severity: 'error' },
    { code: '127.0.0.4', meaning: 'exploited host', severity: 'critical' },
  ],
  testPoints: { listed: ['127.0.0.2'], notListed: ['127.0.0.1'] },
  delistUrl: 'https://bl.rbldnsd.test/remove',
  usage: { access: 'free', summary: 'test' },
});
const v6 = zoneDefinitionSchema.parse({
  id: 'rbl-v6',
  name: 'rbldnsd ip6trie',
  zone: 'bl6.rbldnsd.test',
  kinds: ['ipv6'],
  codes: [{ code: '127.0.0.2', meaning: 'IPv6 spam source', severity: 'error' }],
  // RFC 5782 §5: an IPv6 list's test points are ::FFFF:7F00:2 (listed) and ::FFFF:7F00:1 (not).
  testPoints: { listed: ['127.0.0.2'], notListed: ['127.0.0.1'] },
  usage: { access: 'free', summary: 'test' },
});

describe.skipIf(!binary && !required)('resolver and sweep against rbldnsd', () => {
  let rbldnsd: RunningRbldnsd;

  beforeAll(async () => {
    if (!binary) throw new Error('rbldnsd is required when CI=true (apt-get install rbldnsd)');
    rbldnsd = await startRbldnsd([
      {
        name: v4.zone,
        type: 'ip4set',
        lines: [':127.0.0.2:Listed: see https://bl.rbldnsd.test/lookup?ip=$', '127.0.0.2', '192.0.2.10', '192.0.2.64/26 :127.0.0.4:Exploited host $'],
      },
      { name: v6.zone, type: 'ip6trie', lines: [':127.0.0.2:IPv6 listed', '::ffff:7f00:2', '2001:db8::25', '2001:db8:1::/48'] },
    ]);
  });
  afterAll(() => rbldnsd?.stop());

  function client() {
    return new DnsblResolver({ nameserver: rbldnsd.host, port: rbldnsd.port, timeoutMs: 500, retries: 1, concurrency: 8, perZoneQueriesPerSecond: 0 });
  }

  it('answers an ip4set listing with A and a TXT that substitutes the address', async () => {
    const result = await client().lookup('10.2.0.192.bl.rbldnsd.test', 'rbl-v4');
    expect(result.answer).toEqual({ status: 'answer', addresses: ['127.0.0.2'], txt: ['Listed: see https://bl.rbldnsd.test/lookup?ip=192.0.2.10'] });
    expect((await client().lookup('11.2.0.192.bl.rbldnsd.test', 'rbl-v4')).answer).toEqual({ status: 'nxdomain' });
  });

  it('sweeps IPv4 and IPv6 targets, with range entries and test points', async () => {
    const targets = expandTargets({ ips: ['192.0.2.8/29', '192.0.2.64/30', '2001:db8::24/127', '2001:db8:1::7'], domains: [] });
    const result = await runSweep({ zones: [v4, v6].map((definition) => ({ definition, queryZone: definition.zone })), targets, client: client() });
    expect(result.zoneHealth.map((health) => [health.zoneId, health.status])).toEqual([
      ['rbl-v4', 'healthy'],
      ['rbl-v6', 'healthy'],
    ]);
    const listed = result.checks.filter((check) => check.outcome === 'listed').map((check) => `${check.zoneId} ${check.target.value} ${check.codes.join(',')}`);
    expect(listed.sort()).toEqual(
      [
        'rbl-v4 192.0.2.10 127.0.0.2',
        'rbl-v4 192.0.2.64 127.0.0.4',
        'rbl-v4 192.0.2.65 127.0.0.4',
        'rbl-v4 192.0.2.66 127.0.0.4',
        'rbl-v4 192.0.2.67 127.0.0.4',
        'rbl-v6 2001:db8::25 127.0.0.2',
        'rbl-v6 2001:db8:1::7 127.0.0.2',
      ].sort(),
    );
    expect(result.checks.find((check) => check.target.value === '192.0.2.64')).toMatchObject({ severity: 'critical', txt: ['Exploited host 192.0.2.64'] });
    expect(result.checks.filter((check) => check.outcome !== 'listed').every((check) => check.outcome === 'clear')).toBe(true);
    expect(result.checks).toHaveLength(12 + 3);
  });
});
