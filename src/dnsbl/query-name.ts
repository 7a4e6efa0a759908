// RFC 5782 query names: reversed octets (IPv4, §2.1), reversed nibbles (IPv6, §2.4), domain (§2.3).
import type { DnsblTarget } from '../db/schema/dnsbl';
import { ipv6ToBigInt } from './ip-address';

export function reverseIpv4(address: string): string {
  return address.split('.').reverse().join('.');
}

/** 32 nibbles, least significant first: 2001:db8::1 -> 1.0.0.0...8.b.d.0.1.0.0.2 */
export function reverseIpv6Nibbles(address: string): string {
  return ipv6ToBigInt(address).toString(16).padStart(32, '0').split('').reverse().join('.');
}

/** The labels before the zone: reversed octets, reversed nibbles or the domain itself. */
export function queryPrefix(target: DnsblTarget): string {
  switch (target.kind) {
    case 'ipv4':
      return reverseIpv4(target.value);
    case 'ipv6':
      return reverseIpv6Nibbles(target.value);
    case 'domain':
      return target.value;
  }
}

/**
 * The name queried for `target` under `zone`. `zone` is the effective zone, which for keyed zones
 * (Spamhaus DQS) already starts with the key label.
 */
export function buildQueryName(target: DnsblTarget, zone: string): string {
  return `${queryPrefix(target)}.${zone}`;
}
