// One sender (or sender domain): the action in force and why, rates per window, daily rates
// against the warn / throttle / suspend lines, the hourly series, recent complaints and bounces
// (text from emails: shown as text only), the audit log, and the operator's throttle / suspend /
// release buttons (a manual override with a reason).
import { del, get, post, rollupDimensionOf } from '../api.js';
import { bucketLabel, colours, rateChart, thresholdLines, volumeChart } from '../charts.js';
import { append, badge, el, notice, section, table } from '../dom.js';
import { count, dateTime, rateWithBound } from '../format.js';

export async function renderSubject(main, kind, id) {
  const base = kind === 'sender' ? 'senders' : 'domains';
  const path = `/${base}/${encodeURIComponent(id)}`;
  const [detail, daily] = await Promise.all([get(path), get('/rates/daily', { dimension: rollupDimensionOf(kind), keys: [id], days: 30 })]);
  const policy = detail.policy;
  const days = daily.series[id] ?? [];
  const dayLabels = days.map((d) => bucketLabel(d.at, 'day'));

  append(main, [
    el('p', {}, el('a', { href: `#/${base}` }, `← all ${base}`)),
    el('h1', {}, detail.id, ' ', badge(policy.action)),
    el(
      'dl',
      { class: 'facts' },
      el('dt', {}, 'In force'),
      el('dd', { 'data-field': 'policy' }, `${policy.action} (${policy.source})${policy.limitPerHour !== null && policy.action === 'throttle' ? `, ${policy.limitPerHour} messages an hour` : ''}${policy.until ? ` until ${dateTime(policy.until)}` : ''}`),
      el('dt', {}, 'Why'),
      el('dd', {}, policy.reason),
      el('dt', {}, 'Automatic decision'),
      el('dd', {}, `${detail.automatic.action}${detail.automatic.since ? ` since ${dateTime(detail.automatic.since)}` : ''}${detail.automatic.reason ? `: ${detail.automatic.reason}` : ''}`),
    ),
    actionsPanel(kind, path, detail),
  ]);

  const windows = ['24h', '7d', '30d'].map((window) => ({ window, ...detail.rates[window] }));
  append(main, [
    section(
      'Rates',
      el('p', { class: 'hint' }, 'Observed rate, and in brackets the 95% lower bound that decisions compare with the lines.'),
      table(
        [
          { label: 'window', value: (w) => w.window },
          { label: 'sent', numeric: true, value: (w) => count(w.sent) },
          { label: 'complaints', numeric: true, value: (w) => count(w.complaints) },
          { label: 'complaint rate', numeric: true, value: (w) => rateWithBound(w.complaintRate) },
          { label: 'hard bounces', numeric: true, value: (w) => count(w.hardBounces) },
          { label: 'hard-bounce rate', numeric: true, value: (w) => rateWithBound(w.hardBounceRate) },
          { label: 'blocked', numeric: true, value: (w) => count(w.blocked) },
        ],
        windows,
      ),
    ),
    el(
      'div',
      { class: 'two-columns' },
      section(
        'Complaint rate, last 30 days',
        rateChart({
          title: `Daily complaint rate of ${detail.id} against the warn, throttle and suspend lines`,
          labels: dayLabels,
          series: [{ label: 'complaint rate', colour: colours.complaints, values: days.map((d) => d.complaintRate) }],
          lines: thresholdLines(detail.lines.complaintRate),
        }),
      ),
      section(
        'Hard-bounce rate, last 30 days',
        rateChart({
          title: `Daily hard-bounce rate of ${detail.id} against the warn, throttle and suspend lines`,
          labels: dayLabels,
          series: [{ label: 'hard-bounce rate', colour: colours.hardBounces, values: days.map((d) => d.hardBounceRate) }],
          lines: thresholdLines(detail.lines.hardBounceRate),
        }),
      ),
    ),
    el('p', { class: 'hint' }, 'Observed daily rates. Decisions compare the lower bound of each decision window (24 hours and 7 days by default, in the Rates table) with the lines, so one day above a line is not an action by itself.'),
    section(
      'Last 48 hours',
      detail.hourly.length
        ? volumeChart({
            title: `Hourly volume, complaints and hard bounces of ${detail.id}`,
            labels: detail.hourly.map((h) => bucketLabel(new Date(h.hour).toISOString(), 'hour')),
            sent: detail.hourly.map((h) => h.sent),
            complaints: detail.hourly.map((h) => h.complaints),
            hardBounces: detail.hourly.map((h) => h.hardBounces),
          })
        : notice('Nothing sent in the last 48 hours.'),
    ),
    section(
      'Recent complaints',
      table(
        [
          { label: 'when', value: (f) => dateTime(f.occurredAt) },
          { label: 'subject', value: (f) => el('span', { class: 'untrusted' }, f.subject ?? '–') },
          { label: 'type', value: (f) => f.feedbackType ?? 'abuse' },
          { label: 'counted', value: (f) => (f.counted === 'none' ? 'no' : 'yes') },
          { label: 'provider', value: (f) => f.recipientDomain ?? '–' },
          { label: 'source', value: (f) => f.source },
        ],
        detail.recentComplaints,
        { empty: 'No complaint.' },
      ),
    ),
    section(
      'Recent bounces',
      table(
        [
          { label: 'when', value: (f) => dateTime(f.occurredAt) },
          { label: 'reason', value: (f) => f.reason ?? '–' },
          { label: 'status', value: (f) => f.status ?? '–' },
          { label: 'counted as', value: (f) => f.counted },
          { label: 'diagnostic', value: (f) => el('span', { class: 'untrusted' }, f.diagnosticCode ?? '–') },
          { label: 'subject', value: (f) => el('span', { class: 'untrusted' }, f.subject ?? '–') },
          { label: 'provider', value: (f) => f.recipientDomain ?? '–' },
        ],
        detail.recentBounces,
        { empty: 'No bounce.' },
      ),
    ),
    section(
      'Audit log',
      table(
        [
          { label: 'when', value: (a) => dateTime(a.at) },
          { label: 'by', value: (a) => `${a.actor} (${a.source})` },
          { label: 'change', value: (a) => `${a.fromAction ?? '–'} → ${a.toAction ?? '–'}` },
          { label: 'reason', value: (a) => a.reason },
        ],
        detail.audit,
        { empty: 'No decision yet.' },
      ),
    ),
  ]);
}

/** Throttle, suspend or release with a reason and an optional duration: a manual override. */
function actionsPanel(kind, path, detail) {
  const status = el('div', { class: 'action-status', 'aria-live': 'polite' });
  const reason = el('input', { name: 'reason', required: true, minlength: 3, maxlength: 500, placeholder: 'reason (kept in the audit log)', 'aria-label': 'reason' });
  const hours = el('input', { name: 'forHours', type: 'number', min: 1, step: 1, placeholder: 'hours (empty: until released)', 'aria-label': 'for how many hours' });
  const run = async (label, call) => {
    status.replaceChildren();
    if (reason.value.trim().length < 3) {
      status.append(notice('Give a reason of at least 3 characters: it goes to the audit log.', 'error'));
      reason.focus();
      return;
    }
    for (const button of form.querySelectorAll('button')) button.disabled = true;
    try {
      await call(reason.value.trim());
      // Re-render the page with the new state (and the new audit row).
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (error) {
      status.append(notice(`${label} failed: ${error.message}`, 'error'));
      for (const button of form.querySelectorAll('button')) button.disabled = false;
    }
  };
  const override = (action) => (text) => post(`${path}/override`, { action, reason: text, ...(hours.value ? { forHours: Number(hours.value) } : {}) });
  const button = (label, action, kindClass) => el('button', { type: 'button', class: `btn btn-${kindClass}`, 'data-action': action, onclick: () => run(label, override(action)) }, label);
  const form = el(
    'form',
    { class: 'actions', onsubmit: (event) => event.preventDefault() },
    reason,
    hours,
    el(
      'div',
      { class: 'buttons' },
      button('Throttle', 'throttle', 'warning'),
      button('Suspend', 'suspend', 'critical'),
      button('Release', 'allow', 'ok'),
      detail.override
        ? el('button', { type: 'button', class: 'btn', 'data-action': 'clear', onclick: () => run('Clearing the override', (text) => del(`${path}/override?reason=${encodeURIComponent(text)}`)) }, 'Back to automatic')
        : null,
    ),
  );
  const current = detail.override
    ? el('p', { class: 'hint' }, `Manual override by ${detail.override.by}: ${detail.override.action}${detail.override.until ? ` until ${dateTime(detail.override.until)}` : ''}. It wins over automatic decisions until it ends or is cleared.`)
    : el('p', { class: 'hint' }, `No manual override: the automatic decision applies. Release sets a manual "allow" that wins over it.`);
  return section(`Act on this ${kind}`, current, form, status);
}
