// What the monitor checks: relay IPv4/IPv6 addresses and CIDR ranges (expanded), and sender domains.
import { isIPv4, isIPv6 } from 'node:net';
import type { DnsblTarget } from '../db/schema/dnsbl';
import { WardenError } from '../errors';
import { bigIntToIpv6, canonicalIpv6, ipv4ToNumber, ipv6ToBigInt, numberToIpv4 } from './ip-address';

export type DnsblTargetErrorCode = 'E_DNSBL_TARGET_INVALID' | 'E_DNSBL_RANGE_TOO_LARGE';

/** An address, range or domain that cannot be checked: a request's mistake, or the config's. */
export class DnsblTargetError extends WardenError {
  constructor(
    override readonly code: DnsblTargetErrorCode,
    message: string,
  ) {
    super(code, message, 400);
  }
}

/** relay.maxRangeAddresses' default: each address is one check per zone. */
export const DEFAULT_MAX_ADDRESSES_PER_RANGE = 4096;

const domainPattern = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** One address or domain, e.g. the argument of `warden check`. */
export function parseTarget(text: string): DnsblTarget {
  const trimmed = text.trim();
  if (isIPv4(trimmed)) return { kind: 'ipv4', value: trimmed };
  if (isIPv6(trimmed)) {
    const value = ipv6ToBigInt(trimmed);
    // An IPv4-mapped address (::ffff:192.0.2.1) is the IPv4 host: lists index it that way.
    if (value >> 32n === 0xffffn) return { kind: 'ipv4', value: numberToIpv4(Number(value & 0xffffffffn)) };
    return { kind: 'ipv6', value: canonicalIpv6(trimmed) };
  }
  const domain = trimmed.toLowerCase().replace(/\.$/, '');
  if (domainPattern.test(domain) && !/^[\d.]+$/.test(domain)) return { kind: 'domain', value: domain };
  throw new DnsblTargetError('E_DNSBL_TARGET_INVALID', `"${text}" is not an IP address or a domain name`);
}

function rangeTooLarge(entry: string, size: bigint, limit: number): DnsblTargetError {
  return new DnsblTargetError(
    'E_DNSBL_RANGE_TOO_LARGE',
    `relay range ${entry} expands to ${size.toLocaleString('en-US')} addresses; the limit is ` +
      `${limit.toLocaleString('en-US')} per range (relay.maxRangeAddresses). List smaller ranges ` +
      'or only the addresses the relay sends from.',
  );
}

/** An address or CIDR range (`192.0.2.0/24`, `2001:db8::/120`) as targets; host bits are masked. */
export function expandAddressRange(entry: string, maxAddressesPerRange = DEFAULT_MAX_ADDRESSES_PER_RANGE): DnsblTarget[] {
  const trimmed = entry.trim();
  const slash = trimmed.indexOf('/');
  if (slash === -1) {
    const target = parseTarget(trimmed);
    if (target.kind === 'domain') {
      throw new DnsblTargetError('E_DNSBL_TARGET_INVALID', `relay address "${entry}" is not an IP address or CIDR range`);
    }
    return [target];
  }
  const address = trimmed.slice(0, slash);
  const prefixText = trimmed.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (isIPv4(address) && prefix >= 0 && prefix <= 32) {
    const size = 2 ** (32 - prefix);
    if (size > maxAddressesPerRange) throw rangeTooLarge(trimmed, BigInt(size), maxAddressesPerRange);
    const network = prefix === 0 ? 0 : (ipv4ToNumber(address) & (~0 << (32 - prefix))) >>> 0;
    return Array.from({ length: size }, (_, index) => ({ kind: 'ipv4', value: numberToIpv4(network + index) }));
  }
  if (isIPv6(address) && prefix >= 0 && prefix <= 128) {
    const size = 1n << BigInt(128 - prefix);
    if (size > BigInt(maxAddressesPerRange)) throw rangeTooLarge(trimmed, size, maxAddressesPerRange);
    const network = ipv6ToBigInt(address) & ~(size - 1n);
    return Array.from({ length: Number(size) }, (_, index) => ({
      kind: 'ipv6',
      value: bigIntToIpv6(network + BigInt(index)),
    }));
  }
  throw new DnsblTargetError('E_DNSBL_TARGET_INVALID', `relay range "${entry}" is not a valid IPv4 or IPv6 CIDR range`);
}

/** The `relay` config section, or the part of it the monitor needs. */
export interface RelayTargetsInput {
  /** `relay.ips`: addresses and CIDR ranges. */
  ips: readonly string[];
  /** `relay.domains`: the domains we send from, for domain lists. */
  domains: readonly string[];
  /** `relay.maxRangeAddresses`: largest range accepted (default 4,096). */
  maxRangeAddresses?: number;
}

/** All targets of the relay, deduplicated, in config order. */
export function expandTargets(relay: RelayTargetsInput): DnsblTarget[] {
  const seen = new Set<string>();
  const targets: DnsblTarget[] = [];
  const add = (target: DnsblTarget) => {
    const key = `${target.kind}:${target.value}`;
    if (seen.has(key)) return;
    seen.add(key);
    targets.push(target);
  };
  for (const entry of relay.ips) {
    for (const target of expandAddressRange(entry, relay.maxRangeAddresses)) add(target);
  }
  for (const entry of relay.domains) {
    const target = parseTarget(entry);
    if (target.kind !== 'domain') {
      throw new DnsblTargetError('E_DNSBL_TARGET_INVALID', `relay domain "${entry}" is an IP address; put it in relay.ips`);
    }
    add(target);
  }
  return targets;
}
