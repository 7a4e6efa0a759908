// Campaigns: abuse spread over senders, caught as one. The list, and one campaign with why: each
// fingerprint's evidence (complaints against the relay's volume, or distinctiveness) and each
// member acted on or only seen, with its reason. Fingerprint values and subjects come from emails.
import { get } from '../api.js';
import { append, badge, el, section, table } from '../dom.js';
import { count, dateTime, fingerprintEvidence, routeHash } from '../format.js';

const untrusted = (text) => el('span', { class: 'untrusted' }, text ?? '–');

export async function renderCampaigns(main) {
  const page = await get('/campaigns', { limit: 200 });
  append(main, [
    el('h1', {}, 'Campaigns'),
    section(
      'Newest first',
      table(
        [
          { label: 'campaign', value: (c) => el('a', { href: routeHash(['campaigns', String(c.id)]) }, `#${c.id}`) },
          { label: 'status', value: (c) => badge(c.status) },
          { label: 'action', value: (c) => badge(c.action) },
          { label: 'acted on', numeric: true, value: (c) => count(c.senders.length) },
          { label: 'also seen', numeric: true, value: (c) => count(c.alsoSeen) },
          { label: 'complaints', numeric: true, value: (c) => count(c.complaintCount) },
          { label: 'raised', value: (c) => dateTime(c.raisedAt) },
          { label: 'rule', value: (c) => untrusted(c.rule) },
        ],
        page.items,
        { empty: 'No campaign yet.' },
      ),
    ),
  ]);
}

export async function renderCampaign(main, id) {
  const campaign = await get(`/campaigns/${encodeURIComponent(id)}`);
  const senderLink = (sender) => el('a', { href: routeHash(['senders', sender]) }, sender);
  append(main, [
    el('p', {}, el('a', { href: '#/campaigns' }, '← all campaigns')),
    el('h1', {}, `Campaign #${campaign.id} `, badge(campaign.status)),
    el(
      'dl',
      { class: 'facts' },
      el('dt', {}, 'Action'),
      el('dd', {}, badge(campaign.action)),
      el('dt', {}, 'Rule'),
      el('dd', {}, untrusted(campaign.rule)),
      el('dt', {}, 'Complaints'),
      el('dd', {}, `${count(campaign.complaintCount)} from ${dateTime(campaign.firstComplaintAt)} to ${dateTime(campaign.lastComplaintAt)}`),
      el('dt', {}, 'Networks'),
      el('dd', {}, campaign.networks.length ? campaign.networks.join(', ') : '–'),
      campaign.dismissedAt ? [el('dt', {}, 'Dismissed'), el('dd', {}, `${dateTime(campaign.dismissedAt)} by ${campaign.dismissedBy}: ${campaign.dismissReason}`)] : null,
    ),
    section(
      'Fingerprints',
      el('p', { class: 'hint' }, 'With the relay’s volume: complaints in sends, the rate and in brackets its lower bound, compared with the throttle line. Without it: how distinct the senders are.'),
      table(
        [
          { label: 'kind', value: (f) => f.kind },
          { label: 'value', value: (f) => untrusted(f.value) },
          { label: 'senders', numeric: true, value: (f) => count(f.senders) },
          { label: 'complaints', numeric: true, value: (f) => count(f.complaints) },
          { label: 'evidence', value: (f) => el('span', { title: f.footing === 'volume' ? f.explanation : null, 'data-footing': f.footing }, fingerprintEvidence(f)) },
        ],
        campaign.fingerprints,
        { empty: 'No fingerprint.' },
      ),
    ),
    section(
      'Members',
      table(
        [
          { label: 'sender', value: (m) => senderLink(m.sender) },
          { label: 'status', value: (m) => (m.included ? badge('acted on', campaign.action) : badge('also seen', 'info')) },
          { label: 'why', value: (m) => m.why },
        ],
        campaign.members,
        { empty: 'No member.' },
      ),
    ),
    section(
      'Complaints',
      table(
        [
          { label: 'when', value: (c) => dateTime(c.occurredAt) },
          { label: 'sender', value: (c) => (c.sender ? senderLink(c.sender) : '–') },
          { label: 'subject', value: (c) => untrusted(c.subject) },
          { label: 'provider', value: (c) => c.recipientDomain ?? '–' },
        ],
        campaign.complaints,
        { empty: 'No complaint.' },
      ),
    ),
    section(
      'Timeline',
      table(
        [
          { label: 'when', value: (e) => dateTime(e.at) },
          { label: 'severity', value: (e) => badge(e.severity) },
          { label: 'event', value: (e) => e.summary },
        ],
        campaign.timeline,
        { empty: 'No event.' },
      ),
    ),
  ]);
}
