// Overview: are our IPs listed, are the relay's rates near the lines, who is throttled or
// suspended, are the mailbox jobs healthy, what is firing.
import { get } from '../api.js';
import { bucketLabel, colours, rateChart, thresholdLines } from '../charts.js';
import { append, badge, el, section, table } from '../dom.js';
import { ago, count, dateTime, listedBySeverity, percent } from '../format.js';

export async function renderOverview(main, params) {
  const bucket = params.get('bucket') === 'day' ? 'day' : 'hour';
  const [overview, ips, domains, rates, suspended, throttled, jobs, mailboxes, firing] = await Promise.all([
    get('/overview'),
    get('/ips'),
    get('/dnsbl/domains'),
    get('/rates/relay', { bucket, count: bucket === 'day' ? 30 : 48 }),
    get('/senders', { action: 'suspend', limit: 5 }),
    get('/senders', { action: 'throttle', limit: 5 }),
    get('/jobs'),
    get('/mailboxes', { runs: 1 }),
    get('/alerts', { state: 'firing', limit: 10 }),
  ]);

  const listed = listedBySeverity([...ips.ips, ...domains.domains]);
  const card = (label, value, kind, href) => el('a', { class: `card card-${kind}`, href }, el('span', { class: 'card-value' }, count(value)), el('span', { class: 'card-label' }, label));
  append(main, [
    el('h1', {}, 'Overview'),
    el(
      'div',
      { class: 'cards' },
      card('listed: critical', listed.critical, listed.critical ? 'critical' : 'ok', '#/ips'),
      card('listed: error', listed.error, listed.error ? 'error' : 'ok', '#/ips'),
      card('listed: warning / info', listed.warning + listed.info, listed.warning + listed.info ? 'warning' : 'ok', '#/ips'),
      card('senders suspended', overview.senders.suspend, overview.senders.suspend ? 'critical' : 'ok', '#/senders?action=suspend'),
      card('senders throttled', overview.senders.throttle, overview.senders.throttle ? 'warning' : 'ok', '#/senders?action=throttle'),
      card('domains suspended or throttled', overview.domains.suspend + overview.domains.throttle, overview.domains.suspend ? 'critical' : 'ok', '#/domains'),
      card('alerts firing', overview.alertsFiring, overview.alertsFiring ? 'critical' : 'ok', '#/alerts'),
      card('quarantined messages', overview.quarantineOpen, overview.quarantineOpen ? 'warning' : 'ok', '#/mailboxes'),
    ),
  ]);

  const labels = rates.points.map((p) => bucketLabel(p.at, bucket));
  const switcher = el(
    'p',
    { class: 'switch' },
    el('a', { href: '#/overview?bucket=hour', 'aria-current': bucket === 'hour' ? 'true' : null }, 'last 48 hours'),
    ' · ',
    el('a', { href: '#/overview?bucket=day', 'aria-current': bucket === 'day' ? 'true' : null }, 'last 30 days'),
  );
  const totalSent = rates.points.reduce((sum, p) => sum + p.sent, 0);
  append(main, [
    el(
      'div',
      { class: 'two-columns' },
      section(
        'Relay complaint rate',
        switcher,
        rateChart({
          title: 'Complaint rate of the whole relay',
          labels,
          series: [{ label: 'complaint rate', colour: colours.complaints, values: rates.points.map((p) => p.complaintRate) }],
          lines: thresholdLines(rates.complaintRate),
        }),
        el('p', { class: 'hint' }, `${count(totalSent)} messages in the period. Gmail and Yahoo ask bulk senders to stay under 0.1% and never reach 0.3%.`),
      ),
      section(
        'Relay hard-bounce rate',
        rateChart({
          title: 'Hard-bounce rate of the whole relay',
          labels,
          series: [{ label: 'hard-bounce rate', colour: colours.hardBounces, values: rates.points.map((p) => p.hardBounceRate) }],
          lines: thresholdLines(rates.hardBounceRate),
        }),
        el('p', { class: 'hint' }, 'Only bounces caused by the recipient address; blocks of our IP or content are counted apart.'),
      ),
    ),
  ]);

  const listedTargets = [...ips.ips.map((t) => ({ target: t.ip, href: `#/ips/${encodeURIComponent(t.ip)}`, ...t })), ...domains.domains.map((t) => ({ target: t.domain, href: '#/ips', ...t }))]
    .filter((t) => t.listed);
  const listings = listedTargets.flatMap((t) => t.zones.filter((z) => z.status === 'listed').map((z) => ({ ...z, target: t.target, href: t.href })));
  const severityOrder = { critical: 0, error: 1, warning: 2, info: 3 };
  listings.sort((a, b) => (severityOrder[a.severity] ?? 4) - (severityOrder[b.severity] ?? 4) || a.target.localeCompare(b.target));
  const actionTable = (result) =>
    table(
      [
        { label: 'sender', value: (s) => el('a', { href: `#/senders/${encodeURIComponent(s.id)}` }, s.id) },
        { label: 'reason', value: (s) => s.policy.reason },
        { label: 'complaints 7d', numeric: true, value: (s) => percent(s.complaintRate7d) },
      ],
      result.items,
      { empty: 'None.' },
    );
  append(main, [
    section(
      'Listed now',
      table(
        [
          { label: 'address or domain', value: (l) => el('a', { href: l.href }, l.target) },
          { label: 'list', value: (l) => l.zoneName },
          { label: 'severity', value: (l) => badge(l.severity ?? 'unknown') },
          { label: 'since', value: (l) => dateTime(l.since) },
          { label: 'delisting', value: (l) => (l.delistUrl ? el('a', { href: l.delistUrl, rel: 'noopener noreferrer', target: '_blank' }, 'request removal') : '–') },
        ],
        listings,
        { empty: 'No address or domain of the relay is listed.' },
      ),
    ),
    el('div', { class: 'two-columns' }, section('Suspended senders', actionTable(suspended)), section('Throttled senders', actionTable(throttled))),
    el(
      'div',
      { class: 'two-columns' },
      section(
        'Jobs',
        table(
          [
            { label: 'job', value: (j) => j.name },
            { label: 'last run', value: (j) => (j.lastRun ? ago(j.lastRun.startedAt) : 'never') },
            { label: 'outcome', value: (j) => (j.lastRun ? badge(j.lastRun.outcome) : j.enabled ? '–' : badge('disabled')) },
          ],
          jobs.jobs,
        ),
        table(
          [
            { label: 'mailbox', value: (s) => s.source },
            { label: 'last read', value: (s) => ago(s.latest.startedAt) },
            { label: 'outcome', value: (s) => badge(s.latest.outcome) },
            { label: 'error', value: (s) => s.latest.errorCode ?? '' },
          ],
          mailboxes.sources,
          { empty: 'No mailbox has been read yet.' },
        ),
      ),
      section(
        'Firing alerts',
        table(
          [
            { label: 'severity', value: (a) => badge(a.severity) },
            { label: 'alert', value: (a) => a.title },
            { label: 'since', value: (a) => ago(a.firstAt) },
          ],
          firing.alerts,
          { empty: 'Nothing is firing.' },
        ),
      ),
    ),
  ]);
}
