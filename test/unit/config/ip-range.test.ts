import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bigIntToIp, ipToBigInt, parseIpRange } from '../../../src/config/ip-range';

describe('IP ranges', () => {
  it('round-trips every IPv4 and IPv6 address through its integer form', () => {
    fc.assert(
      fc.property(fc.ipV4(), (address) => {
        expect(bigIntToIp(ipToBigInt(address), 4)).toBe(address);
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), (address) => {
        const value = ipToBigInt(address);
        expect(ipToBigInt(bigIntToIp(value, 6))).toBe(value);
      }),
    );
  });

  it('writes IPv6 in the RFC 5952 short form', () => {
    expect(bigIntToIp(ipToBigInt('2001:0db8:0000:0000:0000:0000:0000:0001'), 6)).toBe('2001:db8::1');
    expect(bigIntToIp(ipToBigInt('::ffff:192.0.2.1'), 6)).toBe('::ffff:c000:201');
  });

  it('sizes ranges and treats a bare address as a single-address range', () => {
    expect(parseIpRange('192.0.2.0/24')).toMatchObject({ version: 4, prefix: 24, size: 256n, text: '192.0.2.0/24' });
    expect(parseIpRange('192.0.2.9')).toMatchObject({ prefix: 32, size: 1n });
    expect(parseIpRange('2001:db8::/120').size).toBe(256n);
  });

  it('rejects malformed input with a reason', () => {
    expect(() => parseIpRange('192.0.2.0/33')).toThrow('invalid prefix length /33');
    expect(() => parseIpRange('mail.example.com')).toThrow('is not an IP address or CIDR range');
    expect(() => parseIpRange('192.0.2.0/24/1')).toThrow('is not an IP address or CIDR range');
  });
});
