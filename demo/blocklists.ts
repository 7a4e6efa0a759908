// The demo's blocklists: copies of three catalogue zones (same return codes, severities and test
// points) under names of our own, served on loopback, with a script of which relay addresses they
// list and when. Real list names are never answered for, so nothing here can be mistaken for a
// real listing.
import type { LocalDnsQuery, LocalDnsReply } from '../src/dnsbl/local-dns-server';
import { findCatalogueZone } from '../src/dnsbl/catalogue';
import { buildQueryName } from '../src/dnsbl/query-name';
import { parseTarget } from '../src/dnsbl/targets';
import type { ZoneDefinitionInput } from '../src/config/dnsbl-zone';

const demoZoneOf = (catalogueId: string, id: string, zone: string): ZoneDefinitionInput => {
  const original = findCatalogueZone(catalogueId);
  if (!original) throw new Error(`the zone catalogue has no ${catalogueId}: update demo/blocklists.ts`);
  return {
    id,
    name: `${original.name} (demo copy)`,
    zone,
    kinds: original.kinds,
    codes: original.codes,
    refusedCodes: original.refusedCodes,
    defaultSeverity: original.defaultSeverity,
    testPoints: original.testPoints,
    delistUrl: original.delistUrl,
    usage: { access: 'free', summary: `Served on loopback by npm run demo, with the return codes of ${original.zone}` },
  };
};

export const demoZones: ZoneDefinitionInput[] = [
  demoZoneOf('spamhaus-zen', 'demo-zen', 'zen.demo-dnsbl.test'),
  demoZoneOf('barracuda', 'demo-barracuda', 'b.demo-dnsbl.test'),
  demoZoneOf('spamhaus-dbl', 'demo-dbl', 'dbl.demo-dnsbl.test'),
];

export interface ScriptedListing {
  zoneId: string;
  target: string;
  code: string;
  txt: string;
  /** Seconds after the demo starts (at speed 1) when the list starts and stops answering. */
  fromSecond: number;
  untilSecond?: number;
}

const barracudaTxt = (ip: string) => `Client host blocked using Barracuda Reputation, see http://www.barracudanetworks.com/reputation/?r=1&ip=${ip}`;

export const listingScript: ScriptedListing[] = [
  // Listed before the demo began; the delisting request is granted a minute and a half in.
  { zoneId: 'demo-zen', target: '192.0.2.21', code: '127.0.0.2', txt: 'Listed in SBL, see https://check.spamhaus.org/sbl/query/SBL612345', fromSecond: 0, untilSecond: 90 },
  { zoneId: 'demo-zen', target: '2001:db8:25::10', code: '127.0.0.3', txt: 'Listed in CSS, see https://check.spamhaus.org/css/', fromSecond: 0 },
  { zoneId: 'demo-barracuda', target: '192.0.2.21', code: '127.0.0.2', txt: barracudaTxt('192.0.2.21'), fromSecond: 0 },
  // The address promo-blaster and winbig-rewards send from, listed after their spam run starts.
  { zoneId: 'demo-barracuda', target: '192.0.2.27', code: '127.0.0.2', txt: barracudaTxt('192.0.2.27'), fromSecond: 30 },
];

const zoneNameOf = new Map(demoZones.map((zone) => [zone.id, zone.zone]));

/** Answers DNS questions for the demo zones as they stand `elapsedSeconds` (at speed 1) in. */
export class DemoBlocklists {
  constructor(private readonly elapsedSeconds: () => number) {}

  /** The listings in force now. */
  current(): ScriptedListing[] {
    const at = this.elapsedSeconds();
    return listingScript.filter((listing) => listing.fromSecond <= at && (listing.untilSecond === undefined || at < listing.untilSecond));
  }

  /** The zone names listing `ip` now (for the blocked bounces receivers send). */
  zonesListing(ip: string): string[] {
    return this.current()
      .filter((listing) => listing.target === ip)
      .map((listing) => zoneNameOf.get(listing.zoneId)!);
  }

  answer(name: string, type: LocalDnsQuery['type']): LocalDnsReply {
    for (const zone of demoZones) {
      if (!name.endsWith(`.${zone.zone}`)) continue;
      // RFC 5782 §5: the test points answer like a listing (and 127.0.0.1 / "invalid" never do).
      const testCode = zone.codes?.[0]?.code ?? '127.0.0.2';
      for (const point of zone.testPoints?.listed ?? []) {
        if (name === buildQueryName(parseTarget(point), zone.zone)) return { kind: 'answer', a: [testCode], txt: ['test point'] };
      }
      const listing = this.current().find((entry) => entry.zoneId === zone.id && name === buildQueryName(parseTarget(entry.target), zone.zone));
      if (listing) return type === 'TXT' ? { kind: 'answer', txt: [listing.txt] } : { kind: 'answer', a: [listing.code] };
      return { kind: 'nxdomain' };
    }
    // Not one of ours: this server is no recursive resolver.
    return { kind: 'servfail' };
  }
}
