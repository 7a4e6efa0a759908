// The blocklist section of a test's configuration: the built-in zones off, and one zone of IPv4
// addresses (127.0.0.2: a critical listing, RFC 5782 §2.1) asked of a DNS server on loopback.
import { zoneCatalogue } from '../../src/dnsbl/catalogue';

export interface TestZoneOptions {
  id: string;
  name: string;
  /** The zone's DNS name, e.g. `bl.steer.test`. */
  zone: string;
  /** The address the zone's sanity check expects to be listed. */
  listedTestPoint: string;
  nameserver: { host: string; port: number };
  retries: number;
}

/** The `dnsbl` section of a warden.yaml, as a value for `wardenConfigSchema.parse`. */
export function oneTestZoneDnsbl(options: TestZoneOptions) {
  return {
    disable: zoneCatalogue.filter((zone) => zone.enabledByDefault).map((zone) => zone.id),
    customZones: [
      {
        id: options.id,
        name: options.name,
        zone: options.zone,
        kinds: ['ipv4'],
        codes: [{ code: '127.0.0.2', meaning: 'spam source', severity: 'critical' }],
        testPoints: { listed: [options.listedTestPoint], notListed: ['127.0.0.1'] },
        usage: { access: 'free', summary: 'test zone' },
      },
    ],
    resolver: { nameserver: options.nameserver.host, port: options.nameserver.port, timeoutMs: 500, retries: options.retries, perZoneQueriesPerSecond: 0 },
    confirmations: 1,
  };
}
