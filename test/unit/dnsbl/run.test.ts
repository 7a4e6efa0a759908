import { describe, expect, it } from 'vitest';
import { dnsblConfig } from '../../../src/config/dnsbl';
import type { DnsblLookupClient, LookupResult } from '../../../src/dnsbl/resolver';
import { checkOneTarget, sweepRelayTargets } from '../../../src/dnsbl/run';

/** A client standing in for DNS: test points behave, 192.0.2.7 is on every IPv4 list. */
function fakeClient(names: string[]): DnsblLookupClient {
  return {
    lookup: async (name: string): Promise<LookupResult> => {
      names.push(name);
      const listed = name.startsWith('2.0.0.127.') || name.startsWith('7.2.0.192.') || name.startsWith('dbltest.com.') || name.startsWith('test.');
      const code = name.includes('dbl.') ? '127.0.1.2' : name.includes('uribl') ? '127.0.0.2' : name.includes('surbl') ? '127.0.0.8' : '127.0.0.2';
      return { answer: listed ? { status: 'answer', addresses: [code], txt: [] } : { status: 'nxdomain' }, durationMs: 1, queries: 1, transport: 'udp' };
    },
  };
}

describe('sweepRelayTargets', () => {
  it('checks every relay address and domain against the default zones', async () => {
    const names: string[] = [];
    const run = await sweepRelayTargets(dnsblConfig.parse({}), { ips: ['192.0.2.6/31'], domains: ['example.com'] }, { client: fakeClient(names) });
    const ipv4Zones = run.zones.filter((zone) => zone.definition.kinds.includes('ipv4')).length;
    const domainZones = run.zones.filter((zone) => zone.definition.kinds.includes('domain')).length;
    expect(run.checks).toHaveLength(2 * ipv4Zones + domainZones);
    expect(run.checks.filter((check) => check.outcome === 'listed').map((check) => check.target.value)).toEqual(Array(ipv4Zones).fill('192.0.2.7'));
    expect(run.zoneHealth.every((health) => health.status === 'healthy')).toBe(true);
  });

  it('rejects an oversized range before sending any query', async () => {
    const names: string[] = [];
    await expect(sweepRelayTargets(dnsblConfig.parse({}), { ips: ['10.0.0.0/23'], domains: [], maxRangeAddresses: 256 }, { client: fakeClient(names) })).rejects.toThrow(/10\.0\.0\.0\/23 expands to 512/);
    expect(names).toEqual([]);
  });

  it('never puts the DQS key in check results', async () => {
    const names: string[] = [];
    const run = await checkOneTarget(dnsblConfig.parse({ dqsKey: 'secretkey123' }), '192.0.2.7', { client: fakeClient(names) });
    expect(names.some((name) => name.includes('secretkey123.zen.dq.spamhaus.net'))).toBe(true);
    expect(JSON.stringify(run.checks)).not.toContain('secretkey123');
    expect(run.checks.find((check) => check.zoneId === 'spamhaus-zen-dqs')).toMatchObject({ outcome: 'listed', zone: 'zen.dq.spamhaus.net' });
  });
});
