// Parsing of IPv4/IPv6 addresses and CIDR ranges for config validation and target expansion.
import { isIPv4, isIPv6 } from 'node:net';

export interface IpRange {
  version: 4 | 6;
  /** First address of the range as an integer (IPv4 fits in 32 bits, IPv6 needs 128). */
  first: bigint;
  prefix: number;
  /** Number of addresses in the range. */
  size: bigint;
  /** The range as written canonically, e.g. 192.0.2.0/24. */
  text: string;
}

export function ipToBigInt(address: string): bigint {
  if (isIPv4(address)) {
    return address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n);
  }
  if (!isIPv6(address)) throw new Error(`not an IP address: ${address}`);
  let text = address;
  // An embedded IPv4 tail (::ffff:192.0.2.1) is two hextets.
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail) {
    const v4 = ipToBigInt(v4Tail[1]!);
    text = text.slice(0, -v4Tail[1]!.length) + `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const missing = 8 - headParts.length - tailParts.length;
  const parts = tail === undefined ? headParts : [...headParts, ...Array(missing).fill('0'), ...tailParts];
  return parts.reduce((acc, hextet) => (acc << 16n) | BigInt(parseInt(hextet, 16)), 0n);
}

export function bigIntToIp(value: bigint, version: 4 | 6): string {
  if (version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => ((value >> shift) & 0xffn).toString()).join('.');
  }
  const hextets: string[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) hextets.push(((value >> shift) & 0xffffn).toString(16));
  // Compress the longest run of zero hextets (RFC 5952).
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (hextets[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && hextets[j] === '0') j++;
    if (j - i > bestLength && j - i > 1) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  if (bestStart < 0) return hextets.join(':');
  return `${hextets.slice(0, bestStart).join(':')}::${hextets.slice(bestStart + bestLength).join(':')}`;
}

/** Parses "192.0.2.7", "192.0.2.0/24" or "2001:db8::/48"; throws an Error saying what is wrong. */
export function parseIpRange(text: string): IpRange {
  const [address, prefixText, extra] = text.trim().split('/');
  if (extra !== undefined || !address) throw new Error('is not an IP address or CIDR range');
  const version = isIPv4(address) ? 4 : isIPv6(address) ? 6 : 0;
  if (version === 0) throw new Error('is not an IP address or CIDR range');
  const bits = version === 4 ? 32 : 128;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
      throw new Error(`has an invalid prefix length /${prefixText} (expected 0-${bits})`);
    }
    prefix = Number(prefixText);
  }
  const value = ipToBigInt(address);
  const hostBits = BigInt(bits - prefix);
  const first = (value >> hostBits) << hostBits;
  if (first !== value) {
    throw new Error(`has host bits set (did you mean ${bigIntToIp(first, version)}/${prefix}?)`);
  }
  return { version, first, prefix, size: 1n << hostBits, text: `${bigIntToIp(first, version)}/${prefix}` };
}
