// The network an address falls in, as CIDR text, for grouping a listed range into one alert.
import { isIPv4, isIPv6 } from 'node:net';
import { bigIntToIpv6, ipv4ToNumber, ipv6ToBigInt, numberToIpv4 } from '../dnsbl/ip-address';

export function networkOf(address: string, ipv4Prefix: number, ipv6Prefix: number): string | undefined {
  if (isIPv4(address)) {
    const size = 2 ** (32 - ipv4Prefix);
    return `${numberToIpv4(Math.floor(ipv4ToNumber(address) / size) * size)}/${ipv4Prefix}`;
  }
  if (isIPv6(address)) {
    const hostBits = BigInt(128 - ipv6Prefix);
    return `${bigIntToIpv6((ipv6ToBigInt(address) >> hostBits) << hostBits)}/${ipv6Prefix}`;
  }
  return undefined;
}
