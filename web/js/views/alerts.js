// Alerts: what is firing (most severe first), the recent history, and the webhook deliveries (dead
// ones can be queued again).
import { get, post } from '../api.js';
import { append, badge, el, notice, section, table } from '../dom.js';
import { ago, dateTime, severityRank } from '../format.js';

export async function renderAlerts(main) {
  const [firing, recent, deliveries] = await Promise.all([get('/alerts', { state: 'firing', limit: 100 }), get('/alerts', { limit: 100 }), get('/alerts/deliveries', { limit: 100 })]);
  const alertColumns = [
    { label: 'severity', value: (a) => badge(a.severity) },
    { label: 'alert', value: (a) => a.title },
    { label: 'subjects', value: (a) => a.subjects.join(', ') },
    { label: 'events', numeric: true, value: (a) => a.eventCount },
    { label: 'first', value: (a) => dateTime(a.firstAt) },
    { label: 'last', value: (a) => ago(a.lastAt) },
    { label: 'notified', value: (a) => (a.notifiedAt ? ago(a.notifiedAt) : 'not yet') },
  ];
  const replay = (delivery) => {
    if (delivery.status !== 'dead') return '';
    const button = el('button', { type: 'button', class: 'btn' }, 'Replay');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await post('/alerts/deliveries/replay', { id: delivery.id });
        button.replaceWith(badge('queued again', 'ok'));
      } catch (error) {
        button.replaceWith(notice(`replay failed: ${error.message}`, 'error'));
      }
    });
    return button;
  };
  append(main, [
    el('h1', {}, 'Alerts'),
    // Most severe first; the API's order (most recent first) within a severity.
    section('Firing', table(alertColumns, [...firing.alerts].sort((a, b) => (severityRank[a.severity] ?? 4) - (severityRank[b.severity] ?? 4)), { empty: 'Nothing is firing.' })),
    section('History', table([{ label: 'state', value: (a) => badge(a.state) }, ...alertColumns, { label: 'resolved', value: (a) => dateTime(a.resolvedAt) }], recent.alerts, { empty: 'No alert yet.' })),
    section(
      'Deliveries',
      table(
        [
          { label: 'created', value: (d) => dateTime(d.createdAt) },
          { label: 'destination', value: (d) => d.destination },
          { label: 'kind', value: (d) => d.kind },
          { label: 'status', value: (d) => badge(d.status) },
          { label: 'attempts', numeric: true, value: (d) => d.attempts },
          { label: 'last error', value: (d) => d.lastError ?? '' },
          { label: '', value: replay },
        ],
        deliveries.deliveries,
        { empty: 'No webhook delivery yet.' },
      ),
    ),
  ]);
}
