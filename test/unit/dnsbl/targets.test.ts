import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DnsblTargetError, expandAddressRange, expandTargets, parseTarget } from '../../../src/dnsbl/targets';

describe('targets', () => {
  it('expands a /24 into its 256 addresses', () => {
    const targets = expandAddressRange('192.0.2.0/24');
    expect(targets).toHaveLength(256);
    expect(targets[0]).toEqual({ kind: 'ipv4', value: '192.0.2.0' });
    expect(targets[255]).toEqual({ kind: 'ipv4', value: '192.0.2.255' });
  });

  it('masks host bits of a range written from an address inside it', () => {
    expect(expandAddressRange('198.51.100.77/30').map((target) => target.value)).toEqual([
      '198.51.100.76',
      '198.51.100.77',
      '198.51.100.78',
      '198.51.100.79',
    ]);
  });

  it('expands an IPv6 /120 into 256 canonical addresses', () => {
    const targets = expandAddressRange('2001:DB8:0:0::FF/120');
    expect(targets).toHaveLength(256);
    expect(targets[0]).toEqual({ kind: 'ipv6', value: '2001:db8::' });
    expect(targets[255]).toEqual({ kind: 'ipv6', value: '2001:db8::ff' });
  });

  it('rejects an oversized range with an error naming the range and the limit', () => {
    const attempt = () => expandTargets({ ips: ['10.0.0.0/16'], domains: [], maxRangeAddresses: 1024 });
    expect(attempt).toThrow(DnsblTargetError);
    expect(attempt).toThrow(/10\.0\.0\.0\/16 expands to 65,536 addresses; the limit is 1,024 per range \(relay\.maxRangeAddresses\)/);
    try {
      attempt();
    } catch (error) {
      expect((error as DnsblTargetError).code).toBe('E_DNSBL_RANGE_TOO_LARGE');
    }
  });

  it('rejects an IPv6 /64 without trying to expand it', () => {
    expect(() => expandAddressRange('2001:db8::/64')).toThrow(/18,446,744,073,709,551,616 addresses/);
  });

  it('accepts up to 4,096 addresses by default, like relay.maxRangeAddresses', () => {
    expect(expandAddressRange('10.0.0.0/20')).toHaveLength(4096);
    expect(() => expandAddressRange('10.0.0.0/19')).toThrow(/limit is 4,096/);
  });

  it('honours a configured limit', () => {
    expect(expandAddressRange('192.0.2.0/22', 1024)).toHaveLength(1024);
    expect(() => expandAddressRange('192.0.2.0/24', 100)).toThrow(/limit is 100/);
  });

  it('rejects malformed entries with E_DNSBL_TARGET_INVALID', () => {
    for (const entry of ['192.0.2.0/33', '300.1.1.1', '192.0.2.0/x', 'mail.example.com/24', 'example.com']) {
      expect(() => expandAddressRange(entry), entry).toThrow(expect.objectContaining({ code: 'E_DNSBL_TARGET_INVALID' }));
    }
  });

  it('deduplicates and keeps config order, domains last', () => {
    const targets = expandTargets({ ips: ['192.0.2.1', '192.0.2.0/31', '2001:db8::1'], domains: ['Mail.Example.COM.', 'mail.example.com'] });
    expect(targets).toEqual([
      { kind: 'ipv4', value: '192.0.2.1' },
      { kind: 'ipv4', value: '192.0.2.0' },
      { kind: 'ipv6', value: '2001:db8::1' },
      { kind: 'domain', value: 'mail.example.com' },
    ]);
  });

  it('treats an IPv4-mapped IPv6 address as the IPv4 host', () => {
    expect(parseTarget('::ffff:192.0.2.5')).toEqual({ kind: 'ipv4', value: '192.0.2.5' });
  });

  it('refuses an IP address as a sender domain', () => {
    expect(() => expandTargets({ ips: [], domains: ['192.0.2.1'] })).toThrow(/relay domain "192.0.2.1" is an IP address/);
  });

  it('expands every IPv4 prefix up to the limit into exactly 2^(32-p) distinct addresses', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 22, max: 32 }), (address, prefix) => {
        const targets = expandAddressRange(`${address}/${prefix}`);
        expect(targets).toHaveLength(2 ** (32 - prefix));
        expect(new Set(targets.map((target) => target.value)).size).toBe(targets.length);
        expect(targets.map((target) => target.value)).toContain(address);
      }),
      { numRuns: 50 },
    );
  });
});
