import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { buildQueryName, reverseIpv4, reverseIpv6Nibbles } from '../../../src/dnsbl/query-name';
import { bigIntToIpv6, canonicalIpv6, ipv6ToBigInt } from '../../../src/dnsbl/ip-address';

describe('query names (RFC 5782 §2)', () => {
  it('reverses IPv4 octets under the zone', () => {
    expect(buildQueryName({ kind: 'ipv4', value: '192.0.2.99' }, 'zen.spamhaus.org')).toBe('99.2.0.192.zen.spamhaus.org');
    expect(reverseIpv4('127.0.0.2')).toBe('2.0.0.127');
  });

  it('writes IPv6 as 32 reversed nibbles (RFC 5782 §2.4 example)', () => {
    expect(reverseIpv6Nibbles('2001:db8:1:2:3:4:567:89ab')).toBe(
      'b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2',
    );
    expect(buildQueryName({ kind: 'ipv6', value: '2001:db8::1' }, 'zen.spamhaus.org')).toBe(
      '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.zen.spamhaus.org',
    );
  });

  it('expands :: and embedded IPv4 before reversing', () => {
    expect(reverseIpv6Nibbles('::ffff:127.0.0.2')).toBe(reverseIpv6Nibbles('0:0:0:0:0:ffff:7f00:2'));
    expect(reverseIpv6Nibbles('::')).toBe(Array(32).fill('0').join('.'));
  });

  it('appends a domain as it is', () => {
    expect(buildQueryName({ kind: 'domain', value: 'mail.example.com' }, 'dbl.spamhaus.org')).toBe('mail.example.com.dbl.spamhaus.org');
  });

  it('round-trips every IPv6 value through text and nibbles', () => {
    const ipv6 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n });
    fc.assert(
      fc.property(ipv6, (value) => {
        const text = bigIntToIpv6(value);
        expect(ipv6ToBigInt(text)).toBe(value);
        expect(canonicalIpv6(text)).toBe(text);
        const nibbles = reverseIpv6Nibbles(text).split('.');
        expect(nibbles).toHaveLength(32);
        expect(BigInt(`0x${nibbles.reverse().join('')}`)).toBe(value);
      }),
    );
  });

  it('agrees with node:net on the canonical form of generated addresses', () => {
    fc.assert(
      fc.property(fc.ipV6(), (address) => {
        const url = new URL(`http://[${address}]/`);
        expect(`[${canonicalIpv6(address)}]`).toBe(url.hostname);
      }),
    );
  });
});
