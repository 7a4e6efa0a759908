// The blocklists Relay Warden knows: zones, return codes, severities, delisting and usage terms.
// Codes come from each list's own documentation; where a detail is not certain the entry says so
// in `note` rather than guessing. Users add zones of their own in config (`dnsbl.customZones`).
import { zoneDefinitionSchema, type ZoneDefinition, type ZoneDefinitionInput } from '../config/dnsbl-zone';

// Spamhaus answers 127.255.255.0/24 for errors, never for listings (Spamhaus' return code
// documentation, and its 2022 notice "Using our public mirrors? Check your return codes now").
const spamhausRefused: ZoneDefinitionInput['refusedCodes'] = [
  {
    code: '127.255.255.252',
    explanation: 'Spamhaus: typing error in the DNSBL name. Check the zone name in dnsbl config.',
  },
  {
    code: '127.255.255.254',
    explanation:
      'Spamhaus: query came through a public or open resolver. Point dnsbl.resolver.nameserver at ' +
      'a resolver of your own, or set dnsbl.dqsKey to use the Data Query Service zones.',
  },
  {
    code: '127.255.255.255',
    explanation:
      'Spamhaus: excessive number of queries from this resolver. Use a resolver of your own with ' +
      'a low volume, or set dnsbl.dqsKey to use the Data Query Service zones.',
  },
];

const zenCodes: ZoneDefinitionInput['codes'] = [
  { code: '127.0.0.2', meaning: 'SBL: Spamhaus SBL data (direct spam source)', severity: 'critical' },
  { code: '127.0.0.3', meaning: 'SBL CSS: Spamhaus Combined Spam Sources (snowshoe, low reputation)', severity: 'critical' },
  { code: '127.0.0.4', meaning: 'XBL: exploited host (CBL data: botnet, compromised, open proxy)', severity: 'critical' },
  { code: '127.0.0.5', meaning: 'XBL: exploited host', severity: 'critical', note: 'Reserved XBL code; Spamhaus documents .4-.7 as XBL.' },
  { code: '127.0.0.6', meaning: 'XBL: exploited host', severity: 'critical', note: 'Reserved XBL code; Spamhaus documents .4-.7 as XBL.' },
  { code: '127.0.0.7', meaning: 'XBL: exploited host', severity: 'critical', note: 'Reserved XBL code; Spamhaus documents .4-.7 as XBL.' },
  { code: '127.0.0.9', meaning: 'SBL DROP: hijacked or leased to criminals (Don\'t Route Or Peer)', severity: 'critical' },
  { code: '127.0.0.10', meaning: 'PBL: end-user range, listed by the ISP (should not send direct to MX)', severity: 'error' },
  { code: '127.0.0.11', meaning: 'PBL: end-user range, listed by Spamhaus (should not send direct to MX)', severity: 'error' },
];

const dblCodes: ZoneDefinitionInput['codes'] = [
  { code: '127.0.1.2', meaning: 'DBL: spam domain', severity: 'critical' },
  { code: '127.0.1.4', meaning: 'DBL: phishing domain', severity: 'critical' },
  { code: '127.0.1.5', meaning: 'DBL: malware domain', severity: 'critical' },
  { code: '127.0.1.6', meaning: 'DBL: botnet C&C domain', severity: 'critical' },
  { code: '127.0.1.102', meaning: 'DBL: abused legitimate domain (spam)', severity: 'error' },
  { code: '127.0.1.103', meaning: 'DBL: abused legitimate spammed redirector domain', severity: 'error' },
  { code: '127.0.1.104', meaning: 'DBL: abused legitimate domain (phishing)', severity: 'error' },
  { code: '127.0.1.105', meaning: 'DBL: abused legitimate domain (malware)', severity: 'error' },
  { code: '127.0.1.106', meaning: 'DBL: abused legitimate domain (botnet C&C)', severity: 'error' },
];

const ipv4TestPoints = { listed: ['127.0.0.2'], notListed: ['127.0.0.1'] };

const catalogueInput: ZoneDefinitionInput[] = [
  {
    id: 'spamhaus-zen',
    name: 'Spamhaus ZEN',
    zone: 'zen.spamhaus.org',
    kinds: ['ipv4', 'ipv6'],
    codes: zenCodes,
    refusedCodes: spamhausRefused,
    defaultSeverity: 'critical',
    testPoints: ipv4TestPoints,
    delistUrl: 'https://check.spamhaus.org/',
    usage: {
      access: 'free_low_volume',
      summary:
        'Public mirrors are free for low-volume, non-commercial use through a resolver of your own; ' +
        'queries through public resolvers (8.8.8.8, 1.1.1.1, cloud providers) are refused.',
      url: 'https://www.spamhaus.org/blocklists/dnsbl-fair-use-policy/',
    },
    enabledByDefault: true,
    note: 'ZEN answers IPv6 queries (nibble format) for SBL, CSS, XBL and PBL data.',
  },
  {
    id: 'spamhaus-zen-dqs',
    name: 'Spamhaus ZEN (DQS)',
    zone: 'zen.dq.spamhaus.net',
    kinds: ['ipv4', 'ipv6'],
    codes: zenCodes,
    refusedCodes: spamhausRefused,
    defaultSeverity: 'critical',
    testPoints: ipv4TestPoints,
    delistUrl: 'https://check.spamhaus.org/',
    usage: {
      access: 'key_required',
      summary: 'Data Query Service: queried as <key>.zen.dq.spamhaus.net; free DQS accounts for low volume.',
      url: 'https://www.spamhaus.com/free-trial/sign-up-for-a-free-data-query-service-account/',
    },
    keyed: true,
    replaces: 'spamhaus-zen',
  },
  {
    id: 'spamhaus-dbl',
    name: 'Spamhaus DBL',
    zone: 'dbl.spamhaus.org',
    kinds: ['domain'],
    codes: dblCodes,
    refusedCodes: spamhausRefused,
    defaultSeverity: 'critical',
    testPoints: { listed: ['dbltest.com'], notListed: ['invalid'] },
    delistUrl: 'https://check.spamhaus.org/',
    usage: {
      access: 'free_low_volume',
      summary: 'Same terms as the ZEN public mirrors: low volume, a resolver of your own.',
      url: 'https://www.spamhaus.org/blocklists/dnsbl-fair-use-policy/',
    },
    enabledByDefault: true,
    note: 'dbltest.com is the documented DBL test domain (answers 127.0.1.2).',
  },
  {
    id: 'spamhaus-dbl-dqs',
    name: 'Spamhaus DBL (DQS)',
    zone: 'dbl.dq.spamhaus.net',
    kinds: ['domain'],
    codes: dblCodes,
    refusedCodes: spamhausRefused,
    defaultSeverity: 'critical',
    testPoints: { listed: ['dbltest.com'], notListed: ['invalid'] },
    delistUrl: 'https://check.spamhaus.org/',
    usage: {
      access: 'key_required',
      summary: 'Data Query Service: queried as <key>.dbl.dq.spamhaus.net.',
      url: 'https://www.spamhaus.com/free-trial/sign-up-for-a-free-data-query-service-account/',
    },
    keyed: true,
    replaces: 'spamhaus-dbl',
  },
  {
    id: 'barracuda',
    name: 'Barracuda Reputation Block List',
    zone: 'b.barracudacentral.org',
    kinds: ['ipv4'],
    codes: [{ code: '127.0.0.2', meaning: 'Listed on the Barracuda Reputation Block List', severity: 'error' }],
    defaultSeverity: 'error',
    testPoints: ipv4TestPoints,
    delistUrl: 'https://www.barracudacentral.org/rbl/removal-request',
    usage: {
      access: 'registered_resolver',
      summary: 'Free, but the querying DNS server must be registered at barracudacentral.org.',
      url: 'https://www.barracudacentral.org/rbl/how-to-use',
    },
    enabledByDefault: true,
  },
  {
    id: 'spamcop',
    name: 'SpamCop Blocking List',
    zone: 'bl.spamcop.net',
    kinds: ['ipv4'],
    codes: [{ code: '127.0.0.2', meaning: 'Listed on the SpamCop Blocking List (recent spam reports)', severity: 'error' }],
    defaultSeverity: 'error',
    testPoints: ipv4TestPoints,
    delistUrl: 'https://www.spamcop.net/bl.shtml',
    usage: { access: 'free', summary: 'Free public DNS queries; listings expire on their own after reports stop.' },
    enabledByDefault: true,
  },
  ...([1, 2, 3] as const).map(
    (level): ZoneDefinitionInput => ({
      id: `uceprotect-l${level}`,
      name: `UCEPROTECT Level ${level}`,
      zone: `dnsbl-${level}.uceprotect.net`,
      kinds: ['ipv4'],
      codes: [
        {
          code: '127.0.0.2',
          meaning:
            level === 1
              ? 'UCEPROTECT L1: this IP sent to spam traps'
              : level === 2
                ? 'UCEPROTECT L2: the allocation around this IP has too many L1 listings'
                : 'UCEPROTECT L3: the ASN of this IP has too many L1 listings',
          severity: level === 1 ? 'warning' : 'info',
        },
      ],
      defaultSeverity: level === 1 ? 'warning' : 'info',
      testPoints: ipv4TestPoints,
      delistUrl: 'https://www.uceprotect.net/en/rblcheck.php',
      usage: {
        access: 'free_low_volume',
        summary: 'Free DNS queries for low volume; L1 listings expire after 7 days without new trap hits.',
        url: 'https://www.uceprotect.net/en/index.php?m=6&s=0',
      },
      enabledByDefault: level === 1,
      note: 'Few large providers block on UCEPROTECT; L2/L3 list whole networks, not this IP.',
    }),
  ),
  {
    id: 'psbl',
    name: 'Passive Spam Block List',
    zone: 'psbl.surriel.com',
    kinds: ['ipv4'],
    codes: [{ code: '127.0.0.2', meaning: 'Listed on PSBL (sent mail to PSBL spam traps)', severity: 'warning' }],
    defaultSeverity: 'warning',
    testPoints: ipv4TestPoints,
    delistUrl: 'https://psbl.org/',
    usage: { access: 'free', summary: 'Free; self-service removal on psbl.org.' },
    enabledByDefault: true,
  },
  {
    id: 'mailspike-bl',
    name: 'Mailspike Blacklist',
    zone: 'bl.mailspike.net',
    kinds: ['ipv4'],
    codes: [
      { code: '127.0.0.2', meaning: 'Mailspike Z: seen in a distributed spam wave', severity: 'error' },
      { code: '127.0.0.10', meaning: 'Mailspike L5: worst reputation', severity: 'error' },
      { code: '127.0.0.11', meaning: 'Mailspike L4: very bad reputation', severity: 'error' },
      { code: '127.0.0.12', meaning: 'Mailspike L3: bad reputation', severity: 'warning' },
    ],
    defaultSeverity: 'warning',
    testPoints: ipv4TestPoints,
    delistUrl: 'https://mailspike.org/iplookup.html',
    usage: {
      access: 'free_low_volume',
      summary: 'Free under 100,000 messages and 100,000 DNS queries a day.',
      url: 'https://mailspike.org/usage.html',
    },
    enabledByDefault: true,
    note: 'bl combines z.mailspike.net (127.0.0.2) with rep.mailspike.net levels L3-L5.',
  },
  {
    id: 'mailspike-rep',
    name: 'Mailspike Reputation',
    zone: 'rep.mailspike.net',
    kinds: ['ipv4'],
    codes: [
      { code: '127.0.0.10', meaning: 'Mailspike L5: worst reputation', severity: 'error' },
      { code: '127.0.0.11', meaning: 'Mailspike L4: very bad reputation', severity: 'error' },
      { code: '127.0.0.12', meaning: 'Mailspike L3: bad reputation', severity: 'warning' },
      { code: '127.0.0.13', meaning: 'Mailspike L2: suspicious reputation', severity: 'info' },
      { code: '127.0.0.14', meaning: 'Mailspike L1: slightly suspicious reputation', severity: 'info' },
      {
        code: '127.0.0.15',
        meaning: 'Mailspike H0: neutral reputation',
        severity: 'info',
        effect: 'not_listed',
        note: 'H0-H5 (.15-.20) are good-reputation levels; check mailspike.org/usage.html for the exact mapping.',
      },
      { code: '127.0.0.16', meaning: 'Mailspike H1: good reputation', severity: 'info', effect: 'not_listed' },
      { code: '127.0.0.17', meaning: 'Mailspike H2: good reputation', severity: 'info', effect: 'not_listed' },
      { code: '127.0.0.18', meaning: 'Mailspike H3: very good reputation', severity: 'info', effect: 'not_listed' },
      { code: '127.0.0.19', meaning: 'Mailspike H4: very good reputation', severity: 'info', effect: 'not_listed' },
      { code: '127.0.0.20', meaning: 'Mailspike H5: excellent reputation', severity: 'info', effect: 'not_listed' },
    ],
    defaultSeverity: 'info',
    testPoints: { listed: [], notListed: ['127.0.0.1'] },
    delistUrl: 'https://mailspike.org/iplookup.html',
    usage: {
      access: 'free_low_volume',
      summary: 'Free under 100,000 messages and 100,000 DNS queries a day.',
      url: 'https://mailspike.org/usage.html',
    },
    note: 'A reputation score, not a block list: most IPs get some level. Off by default.',
  },
  {
    id: 'surbl-multi',
    name: 'SURBL multi',
    zone: 'multi.surbl.org',
    kinds: ['domain'],
    bitmask: [
      { bit: 8, meaning: 'SURBL PH: phishing', severity: 'critical' },
      { bit: 16, meaning: 'SURBL MW: malware', severity: 'critical' },
      { bit: 64, meaning: 'SURBL ABUSE: spam and abuse', severity: 'error' },
      { bit: 128, meaning: 'SURBL CR: cracked sites', severity: 'error' },
    ],
    refusedCodes: [
      {
        code: '127.0.0.1',
        explanation:
          'SURBL: access blocked for this resolver (public resolver or too many queries). Use a ' +
          'resolver of your own, or a SURBL data feed.',
      },
    ],
    defaultSeverity: 'error',
    testPoints: { listed: ['test.surbl.org'], notListed: ['invalid'] },
    delistUrl: 'https://www.surbl.org/surbl-analysis',
    usage: {
      access: 'free_low_volume',
      summary: 'Free public DNS queries for small sites; larger users need a data feed.',
      url: 'https://www.surbl.org/usage-policy',
    },
    enabledByDefault: true,
    note:
      'The last octet is a bitmask (8 PH, 16 MW, 64 ABUSE, 128 CR); other octets are reserved. ' +
      'test.surbl.org is the documented test entry; its exact code is not pinned here (any listing passes).',
  },
  {
    id: 'uribl-multi',
    name: 'URIBL multi',
    zone: 'multi.uribl.com',
    kinds: ['domain'],
    bitmask: [
      { bit: 2, meaning: 'URIBL black: domain seen in spam, high confidence', severity: 'error' },
      { bit: 4, meaning: 'URIBL grey: bulk sender domain, may be legitimate', severity: 'warning' },
      { bit: 8, meaning: 'URIBL red: domain newly seen in spam (gold/red early list)', severity: 'warning' },
    ],
    refusedCodes: [
      {
        code: '127.0.0.1',
        explanation:
          'URIBL: query refused (public resolver or excessive queries). Use a resolver of your own; ' +
          'high volume needs a URIBL data feed.',
      },
    ],
    defaultSeverity: 'warning',
    testPoints: { listed: ['test.uribl.com'], notListed: ['invalid'] },
    delistUrl: 'https://admin.uribl.com/',
    usage: {
      access: 'free_low_volume',
      summary: 'Free for low volume through a resolver of your own; public resolvers are refused.',
      url: 'https://uribl.com/about.shtml',
    },
    enabledByDefault: true,
    note: 'test.uribl.com answers 127.0.0.14 (black + grey + red).',
  },
  {
    id: 'sorbs',
    name: 'SORBS',
    zone: 'dnsbl.sorbs.net',
    kinds: ['ipv4'],
    codes: [],
    defaultSeverity: 'info',
    testPoints: ipv4TestPoints,
    usage: { access: 'free', summary: 'Shut down; do not query.' },
    status: 'dead',
    deadSince: '2024-06: SORBS was shut down by its owner (Proofpoint).',
    note: 'A dead list can answer "listed" for every query; never enable.',
  },
  {
    id: 'ahbl',
    name: 'AHBL',
    zone: 'dnsbl.ahbl.org',
    kinds: ['ipv4'],
    codes: [],
    defaultSeverity: 'info',
    testPoints: ipv4TestPoints,
    usage: { access: 'free', summary: 'Shut down; do not query.' },
    status: 'dead',
    deadSince: '2015-01: AHBL closed and later answered every query as listed to make users remove it.',
  },
  {
    id: 'njabl',
    name: 'NJABL',
    zone: 'dnsbl.njabl.org',
    kinds: ['ipv4'],
    codes: [],
    defaultSeverity: 'info',
    testPoints: ipv4TestPoints,
    usage: { access: 'free', summary: 'Shut down; do not query.' },
    status: 'dead',
    deadSince: '2013-03: NJABL was discontinued.',
  },
];

/** Every zone the project ships, validated and defaulted at load (a bad entry fails at start-up). */
export const zoneCatalogue: readonly ZoneDefinition[] = Object.freeze(
  catalogueInput.map((entry) => zoneDefinitionSchema.parse(entry)),
);

export function findCatalogueZone(id: string): ZoneDefinition | undefined {
  return zoneCatalogue.find((zone) => zone.id === id);
}
