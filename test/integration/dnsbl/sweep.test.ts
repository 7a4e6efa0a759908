import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DnsblResolver } from '../../../src/dnsbl/resolver';
import type { DnsblState } from '../../../src/db/schema/dnsbl';
import { advanceState, emptyDnsblState, type DnsblEvent } from '../../../src/dnsbl/state';
import { runSweep } from '../../../src/dnsbl/sweep';
import { expandTargets } from '../../../src/dnsbl/targets';
import { zoneDefinitionSchema, type ZoneDefinitionInput } from '../../../src/config/dnsbl-zone';
import type { ActiveZone } from '../../../src/dnsbl/zones';
import { startTestDnsServer, type TestDnsServer } from '../../support/dns-server';

const spamhausLikeRefusal = [{ code: '127.255.255.254', explanation: 'query came through a public resolver: use a resolver of your own or a DQS key' }];

function zone(input: Partial<ZoneDefinitionInput> & { id: string; zone: string }): ActiveZone {
  const definition = zoneDefinitionSchema.parse({
    name: input.id,
    kinds: ['ipv4', 'ipv6'],
    codes: [
      { code: '127.0.0.2', meaning: 'test listing', severity: 'error' },
      { code: '127.0.0.3', meaning: 'spam source', severity: 'critical' },
    ],
    refusedCodes: spamhausLikeRefusal,
    testPoints: { listed: ['127.0.0.2'], notListed: ['127.0.0.1'] },
    delistUrl: `https://${input.zone}/delist`,
    usage: { access: 'free', summary: 'test zone' },
    ...input,
  });
  return { definition, queryZone: definition.zone };
}

// good.test: a proper list. refuse.test: answers every query with a Spamhaus-style refusal.
// all.test: a dead list answering "listed" for everything. silent.test: never answers.
// big.test: a listing too large for UDP. dom.test: a domain list.
const listedInGood = new Map<string, string>([
  ['2.0.0.127', '127.0.0.2'],
  ['10.2.0.192', '127.0.0.3'],
  ['5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2', '127.0.0.2'],
]);

let server: TestDnsServer;
beforeAll(async () => {
  server = await startTestDnsServer((name, type) => {
    const [, labels, zoneName] = /^(.*)\.([a-z]+\.test)$/.exec(name) ?? [];
    if (zoneName === 'good.test' && labels && listedInGood.has(labels)) {
      return { kind: 'answer', a: [listedInGood.get(labels)!], txt: [`listed: https://good.test/lookup?q=${labels}`] };
    }
    if (zoneName === 'refuse.test') return { kind: 'answer', a: ['127.255.255.254'], txt: ['public resolver'] };
    if (zoneName === 'all.test') return { kind: 'answer', a: ['127.0.0.2'] };
    if (zoneName === 'silent.test') return { kind: 'silent' };
    if (zoneName === 'big.test' && (labels === '2.0.0.127' || labels === '11.2.0.192')) {
      return type === 'A' ? { kind: 'answer', a: Array.from({ length: 40 }, () => '127.0.0.2') } : { kind: 'answer', txt: ['big listing'] };
    }
    if (zoneName === 'dom.test' && (labels === 'test' || labels === 'spammy.example')) return { kind: 'answer', a: ['127.0.1.2'] };
    return { kind: 'nxdomain' };
  });
});
afterAll(() => server.close());

const zones = [
  zone({ id: 'good', zone: 'good.test' }),
  zone({ id: 'refuse', zone: 'refuse.test' }),
  zone({ id: 'all', zone: 'all.test' }),
  zone({ id: 'silent', zone: 'silent.test', kinds: ['ipv4'] }),
  zone({ id: 'big', zone: 'big.test', kinds: ['ipv4'] }),
  zone({ id: 'dom', zone: 'dom.test', kinds: ['domain'], codes: [{ code: '127.0.1.2', meaning: 'spam domain', severity: 'critical' }], testPoints: { listed: ['test'], notListed: ['invalid'] } }),
];
const targets = expandTargets({ ips: ['192.0.2.10/31', '2001:db8::5'], domains: ['spammy.example', 'clean.example'] });

function sweep() {
  const client = new DnsblResolver({ nameserver: server.host, port: server.port, timeoutMs: 500, retries: 1, concurrency: 16, perZoneQueriesPerSecond: 0 });
  return runSweep({ zones, targets, client });
}
const find = (result: Awaited<ReturnType<typeof sweep>>, zoneId: string, value: string) =>
  result.checks.find((check) => check.zoneId === zoneId && check.target.value === value);

describe('runSweep against a real DNS server', () => {
  it('checks test points first and judges each zone', async () => {
    const result = await sweep();
    const health = Object.fromEntries(result.zoneHealth.map((entry) => [entry.zoneId, entry.status]));
    expect(health).toEqual({ good: 'healthy', refuse: 'refused', all: 'unhealthy', silent: 'unreachable', big: 'healthy', dom: 'healthy' });
  });

  it('reports listings with codes, meanings, severity, TXT and duration', async () => {
    const result = await sweep();
    expect(find(result, 'good', '192.0.2.10')).toMatchObject({
      outcome: 'listed',
      codes: ['127.0.0.3'],
      meanings: [{ meaning: 'spam source', severity: 'critical' }],
      severity: 'critical',
      txt: ['listed: https://good.test/lookup?q=10.2.0.192'],
      zone: 'good.test',
    });
    expect(find(result, 'good', '192.0.2.10')!.durationMs).toBeGreaterThan(0);
    expect(find(result, 'good', '192.0.2.11')).toMatchObject({ outcome: 'clear', codes: [] });
    expect(find(result, 'good', '2001:db8::5')).toMatchObject({ outcome: 'listed', codes: ['127.0.0.2'] });
    expect(find(result, 'dom', 'spammy.example')).toMatchObject({ outcome: 'listed', severity: 'critical' });
    expect(find(result, 'dom', 'clean.example')).toMatchObject({ outcome: 'clear' });
  });

  it('only sends each zone the kinds of target it takes', async () => {
    const result = await sweep();
    expect(result.checks.filter((check) => check.zoneId === 'dom').map((check) => check.target.kind)).toEqual(['domain', 'domain']);
    expect(result.checks.filter((check) => check.zoneId === 'silent').map((check) => check.target.kind)).toEqual(['ipv4', 'ipv4']);
    expect(result.checks).toHaveLength(3 * 3 + 2 + 2 + 2);
  });

  it('marks refusal codes refused with their explanation, never listed', async () => {
    const result = await sweep();
    for (const check of result.checks.filter((entry) => entry.zoneId === 'refuse')) {
      expect(check).toMatchObject({ outcome: 'refused', codes: ['127.255.255.254'], severity: null });
      expect(check.explanation).toMatch(/resolver of your own/);
    }
  });

  it('does not trust a zone that lists 127.0.0.1, and does not query it for targets', async () => {
    const before = server.queries.length;
    const result = await sweep();
    const allChecks = result.checks.filter((check) => check.zoneId === 'all');
    expect(allChecks.map((check) => check.outcome)).toEqual(['unhealthy', 'unhealthy', 'unhealthy']);
    expect(allChecks[0]!.explanation).toMatch(/lists 127\.0\.0\.1/);
    const queried = server.queries.slice(before).filter((query) => query.name.endsWith('.all.test')).map((query) => query.name);
    expect(new Set(queried)).toEqual(new Set(['2.0.0.127.all.test', '1.0.0.127.all.test']));
  });

  it('reports a zone that never answers as error, not listed, without waiting on every target', async () => {
    const before = server.queries.length;
    const result = await sweep();
    for (const check of result.checks.filter((entry) => entry.zoneId === 'silent')) {
      expect(check.outcome).toBe('error');
      expect(check.explanation).toMatch(/not queried: .*E_DNS_TIMEOUT/);
    }
    const queried = new Set(server.queries.slice(before).filter((query) => query.name.endsWith('.silent.test')).map((query) => query.name));
    expect(queried).toEqual(new Set(['2.0.0.127.silent.test', '1.0.0.127.silent.test']));
  });

  it('follows a truncated answer over TCP', async () => {
    const result = await sweep();
    expect(find(result, 'big', '192.0.2.11')).toMatchObject({ outcome: 'listed', txt: ['big listing'] });
    expect(server.queries.some((query) => query.name === '11.2.0.192.big.test' && query.transport === 'tcp')).toBe(true);
  });

  it('turns two agreeing sweeps into listed and zone events with delisting links', async () => {
    let state: DnsblState = emptyDnsblState;
    const events: DnsblEvent[] = [];
    for (const minute of [0, 15]) {
      const result = await sweep();
      const next = advanceState({
        previous: state,
        checks: result.checks,
        zoneHealth: result.zoneHealth,
        zones: zones.map((entry) => entry.definition),
        confirmations: 2,
        now: new Date(Date.UTC(2026, 0, 1, 0, minute)),
      });
      state = next.state;
      events.push(...next.events);
    }
    const summary = events.map((event) => `${event.type} ${event.zoneId} ${event.target?.value ?? '-'}`).sort();
    expect(summary).toEqual(
      [
        'listed good 192.0.2.10',
        'listed good 2001:db8::5',
        'listed big 192.0.2.11',
        'listed dom spammy.example',
        'refused refuse -',
        'zone_unhealthy all -',
        // A zone whose queries time out is not trusted to be healthy: it is unknown, and said so.
        'zone_unknown silent -',
      ].sort(),
    );
    expect(events.find((event) => event.type === 'listed' && event.zoneId === 'good')?.delistUrl).toBe('https://good.test/delist');
  });
});
