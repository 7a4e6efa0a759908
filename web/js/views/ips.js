// IP reputation: every relay address (and domain) against every zone, with state and since (listed
// ones first); one address's history of checks and state changes; delisting links from the zone
// catalogue.
import { get } from '../api.js';
import { append, badge, el, notice, section, table } from '../dom.js';
import { ago, count, dateTime, listedFirst, percent, severityRank } from '../format.js';

function cell(listing) {
  if (!listing) return el('td', { class: 'grid-cell grid-none' }, '–');
  const kind = listing.status === 'listed' ? `listed-${listing.severity ?? 'info'}` : listing.status;
  return el(
    'td',
    { class: `grid-cell grid-${kind}`, title: `${listing.zoneName} (${listing.zone}): ${listing.status}${listing.codes.length ? ` ${listing.codes.join(', ')}` : ''}` },
    el('span', { class: 'grid-status' }, listing.status),
    listing.since ? el('span', { class: 'grid-since' }, ago(listing.since)) : null,
    listing.pending ? el('span', { class: 'grid-pending' }, `${listing.pending.status}? ${listing.pending.count}`) : null,
    listing.status === 'listed' && listing.delistUrl ? el('a', { href: listing.delistUrl, rel: 'noopener noreferrer', target: '_blank', class: 'grid-delist' }, 'delist') : null,
  );
}

function grid(unordered, label, hrefOf) {
  const targets = listedFirst(unordered);
  const zones = new Map();
  for (const target of targets) for (const zone of target.zones) zones.set(zone.zoneId, zone);
  const columns = [...zones.values()].sort((a, b) => (severityRank[a.severity] ?? 4) - (severityRank[b.severity] ?? 4) || a.zoneName.localeCompare(b.zoneName));
  if (targets.length === 0) return notice(`No ${label} has been checked yet (the dnsbl-check job fills this).`);
  return el(
    'div',
    { class: 'table-box' },
    el(
      'table',
      { class: 'grid' },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, label), columns.map((zone) => el('th', { scope: 'col', title: zone.zone }, zone.zoneName)))),
      el(
        'tbody',
        {},
        targets.map((target) => {
          const byZone = new Map(target.zones.map((zone) => [zone.zoneId, zone]));
          const name = target.ip ?? target.domain;
          return el(
            'tr',
            {},
            el('th', { scope: 'row' }, hrefOf ? el('a', { href: hrefOf(name) }, name) : name, target.listed ? [' ', badge(target.severity ?? 'listed')] : null),
            columns.map((zone) => cell(byZone.get(zone.zoneId))),
          );
        }),
      ),
    ),
  );
}

function zoneHealthTable(zones) {
  return table(
    [
      { label: 'list', value: (z) => `${z.zoneName} (${z.zone})` },
      { label: 'health', value: (z) => badge(z.status) },
      { label: 'since', value: (z) => dateTime(z.since) },
      { label: 'why', value: (z) => z.reason ?? '' },
    ],
    zones,
    { empty: 'No zone checked yet.' },
  );
}

// Listed-IP steering: which relay IPs take new mail now, and why the others do not.
function steeringTable(steering) {
  if (!steering.enabled) return notice(steering.message);
  return [
    el('p', { class: 'hint' }, steering.message),
    table(
      [
        { label: 'address', value: (ip) => el('a', { href: `#/ips/${encodeURIComponent(ip.ip)}` }, ip.ip) },
        { label: 'transport', value: (ip) => ip.transport },
        { label: 'state', value: (ip) => badge(ip.state, ip.state === 'active' ? 'clear' : ip.state === 'warming' ? 'info' : 'warning') },
        { label: 'weight in use', numeric: true, value: (ip) => `${ip.effectiveWeight} / ${ip.weight}` },
        { label: 'until', value: (ip) => dateTime(ip.until) },
        { label: 'why', value: (ip) => ip.reason },
      ],
      steering.ips,
    ),
  ];
}

// The senders of the IP's mail before its listing, most to blame first.
function blameTable(blame) {
  return [
    el('p', { class: 'hint' }, `${count(blame.totalSent)} messages from ${dateTime(blame.from)} to the listing (${dateTime(blame.to)}). Ranked by complaints and blocked/spam/reputation bounces, then share of the mail.`),
    table(
      [
        { label: '#', numeric: true, value: (s) => s.rank },
        { label: 'sender', value: (s) => el('a', { href: `#/senders/${encodeURIComponent(s.sender)}` }, s.sender) },
        { label: 'share of mail', numeric: true, value: (s) => percent(s.share, 1) },
        { label: 'sent', numeric: true, value: (s) => count(s.sent) },
        { label: 'complaints', numeric: true, value: (s) => count(s.complaints) },
        { label: 'IP-blaming bounces', numeric: true, value: (s) => count(s.ipBlamingBounces) },
        { label: 'campaign', value: (s) => (s.campaign ? el('a', { href: `#/campaigns/${s.campaign.id}` }, `#${s.campaign.id}`) : '–') },
      ],
      blame.senders,
      { empty: 'No mail from this address is recorded in the window.' },
    ),
  ];
}

export async function renderIps(main) {
  const [ips, domains, steering] = await Promise.all([get('/ips'), get('/dnsbl/domains'), get('/ips/usable')]);
  append(main, [
    el('h1', {}, 'IP reputation'),
    ips.lastRun ? el('p', { class: 'hint' }, `Last blocklist check ${ago(ips.lastRun.finishedAt)}: ${ips.lastRun.checks} checks, ${ips.lastRun.listed} listed, ${ips.lastRun.errors} errors.`) : null,
    section('Relay addresses × blocklists', grid(ips.ips, 'address', (ip) => `#/ips/${encodeURIComponent(ip)}`)),
    section('Steering: which addresses take new mail', steeringTable(steering)),
    section('Relay domains × domain blocklists', grid(domains.domains, 'domain')),
    section('Health of the lists', zoneHealthTable(ips.zones)),
  ]);
}

export async function renderIpHistory(main, ip) {
  const history = await get(`/ips/${encodeURIComponent(ip)}`);
  append(main, [
    el('p', {}, el('a', { href: '#/ips' }, '← all addresses')),
    el('h1', {}, history.ip, ' ', history.listed ? badge(history.severity ?? 'listed') : badge('clear')),
    section(
      'Lists now',
      table(
        [
          { label: 'list', value: (z) => `${z.zoneName} (${z.zone})` },
          { label: 'state', value: (z) => badge(z.status === 'listed' ? z.severity ?? 'listed' : z.status, z.status === 'listed' ? z.severity ?? 'listed' : z.status) },
          { label: 'since', value: (z) => dateTime(z.since) },
          { label: 'codes', value: (z) => z.codes.join(', ') },
          { label: 'last checked', value: (z) => ago(z.lastCheckedAt) },
          { label: 'delisting', value: (z) => (z.delistUrl ? el('a', { href: z.delistUrl, rel: 'noopener noreferrer', target: '_blank' }, z.delistUrl) : '–') },
        ],
        history.zones,
      ),
    ),
    history.blame ? section('Who got it listed', blameTable(history.blame)) : null,
    section(
      'State changes',
      table(
        [
          { label: 'when', value: (e) => dateTime(e.at) },
          { label: 'change', value: (e) => badge(e.type.replace('dnsbl.', ''), e.severity) },
          { label: 'summary', value: (e) => e.summary },
        ],
        history.changes,
        { empty: 'No change recorded.' },
      ),
    ),
    section(
      'Recent checks',
      table(
        [
          { label: 'when', value: (c) => dateTime(c.at) },
          { label: 'zone', value: (c) => c.zone },
          { label: 'outcome', value: (c) => badge(c.outcome) },
          { label: 'codes', value: (c) => c.meanings.map((m) => `${m.code} ${m.meaning}`).join('; ') || c.codes.join(', ') },
          { label: 'TXT', value: (c) => c.txt.join(' ') },
          { label: 'ms', numeric: true, value: (c) => c.durationMs },
        ],
        history.checks,
      ),
    ),
  ]);
}
