// The submitting client's network, as campaigns remember it, and the networks that never count:
// hosts submitting for many users (webmail, application servers on loopback or private
// addresses) would otherwise tie every one of their users into one campaign.
import { isIP } from 'node:net';
import { bigIntToIp, ipToBigInt, parseIpRange, type IpRange } from '../config/ip-range';

export interface NetworkOptions {
  networkPrefixV4: number;
  networkPrefixV6: number;
  allowNetworks: string[];
}

const alwaysAllowed = ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '::1/128', 'fc00::/7', 'fe80::/10'];

/** The network of an address as CIDR text (`192.0.2.7/32`, `2001:db8::/64`), or null for a non-address. */
export function clientNetwork(address: string, options: Pick<NetworkOptions, 'networkPrefixV4' | 'networkPrefixV6'>): string | null {
  const version = isIP(address);
  if (version === 0) return null;
  const bits = version === 4 ? 32 : 128;
  const prefix = version === 4 ? options.networkPrefixV4 : options.networkPrefixV6;
  const host = BigInt(bits - prefix);
  const first = (ipToBigInt(address) >> host) << host;
  return `${bigIntToIp(first, version as 4 | 6)}/${prefix}`;
}

/** A predicate telling whether an address is on an allowed (never-a-campaign) network. */
export function allowedNetworkMatcher(allowNetworks: string[]): (address: string) => boolean {
  const ranges: IpRange[] = [...alwaysAllowed, ...allowNetworks].map((text) => parseIpRange(text));
  return (address) => {
    const version = isIP(address);
    if (version === 0) return true;
    const value = ipToBigInt(address);
    return ranges.some((range) => range.version === version && value >= range.first && value < range.first + range.size);
  };
}
