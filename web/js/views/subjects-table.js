// The sortable, filterable table of senders (or sender domains). Sorting, filtering and paging
// happen on the server (100,000 senders do not travel to the browser); the state lives in the
// URL hash, so a view can be bookmarked and the back button works.
import { get, rollupDimensionOf } from '../api.js';
import { append, badge, el } from '../dom.js';
import { count, percent, ratio, routeHash } from '../format.js';
import { sparkline } from '../sparkline.js';

const pageSize = 50;
// The sort in the URL hash → the API's sort. bounceRate is the old name of hardBounceRate, kept so a
// bookmarked view still opens sorted.
const sortable = { severity: 'severity', id: 'id', volume: 'volume', complaintRate: 'complaintRate', hardBounceRate: 'hardBounceRate', bounceRate: 'hardBounceRate' };

/** What the default order means, as the API computes it (GET /api/v1/senders?sort=severity). */
export const severityOrderExplained =
  'Most severe first: the action in force (suspend, throttle, warn, allow), then the worse 7-day rate (complaints or hard bounces) by its Wilson lower bound as a share of its suspend line, so 1 complaint in 3 sends does not outrank 40 in 4,000, then the 30-day volume.';

/** kind: 'sender' | 'domain'; base: the view's route name (senders | domains). */
export async function subjectsTable(kind, base, params) {
  const state = {
    sort: sortable[params.get('sort')] ?? 'severity',
    order: params.get('order') === 'asc' ? 'asc' : 'desc',
    q: params.get('q') ?? '',
    action: ['allow', 'warn', 'throttle', 'suspend'].includes(params.get('action')) ? params.get('action') : '',
    offset: Math.max(0, Number.parseInt(params.get('offset') ?? '0', 10) || 0),
  };
  const go = (change) => {
    window.location.hash = routeHash([base], { ...state, offset: 0, ...change });
  };
  const page = await get(kind === 'sender' ? '/senders' : '/domains', { sort: state.sort, order: state.order, q: state.q, action: state.action, limit: pageSize, offset: state.offset });
  const trends = page.items.length
    ? await get('/rates/daily', { dimension: rollupDimensionOf(kind), keys: page.items.map((item) => item.id), days: 14 })
    : { series: {} };

  const search = el('input', { type: 'search', name: 'q', value: state.q, placeholder: `${kind} id contains…`, 'aria-label': `filter ${kind}s` });
  const actionSelect = el(
    'select',
    { name: 'action', 'aria-label': 'action in force' },
    ['', 'allow', 'warn', 'throttle', 'suspend'].map((a) => el('option', { value: a, selected: a === state.action }, a || 'any action')),
  );
  const filters = el(
    'form',
    { class: 'filters', role: 'search', onsubmit: (event) => { event.preventDefault(); go({ q: search.value.trim(), action: actionSelect.value }); } },
    search,
    actionSelect,
    el('button', { type: 'submit' }, 'Filter'),
  );
  actionSelect.addEventListener('change', () => go({ q: search.value.trim(), action: actionSelect.value }));

  const header = (label, key, numeric) => {
    const active = state.sort === key;
    const next = active && state.order === 'desc' ? 'asc' : 'desc';
    return el(
      'th',
      { scope: 'col', class: numeric ? 'num' : null, 'aria-sort': active ? (state.order === 'asc' ? 'ascending' : 'descending') : null },
      el('a', { href: routeHash([base], { ...state, sort: key, order: next, offset: 0 }), 'data-sort': key }, label, active ? (state.order === 'asc' ? ' ▲' : ' ▼') : ''),
    );
  };
  // Severity has one direction (most severe first): its header sorts, and its tooltip says how.
  const severityHeader = el(
    'th',
    { scope: 'col', 'aria-sort': state.sort === 'severity' ? 'descending' : null },
    el(
      'a',
      { href: routeHash([base], { ...state, sort: 'severity', order: undefined, offset: 0 }), 'data-sort': 'severity', title: severityOrderExplained, 'aria-describedby': `${base}-order` },
      'action',
      state.sort === 'severity' ? ' ▼' : '',
    ),
  );
  const th = (label, numeric) => el('th', { scope: 'col', class: numeric ? 'num' : null }, label);
  const td = (label, value, numeric) => el('td', { 'data-label': label, class: numeric ? 'num' : null }, value);
  const rows = page.items.map((item) =>
    el(
      'tr',
      { 'data-id': item.id },
      td(kind, el('a', { href: `#/${base}/${encodeURIComponent(item.id)}` }, item.id)),
      td('action', [badge(item.policy.action), item.policy.source === 'manual' ? el('span', { class: 'hint' }, ' manual') : null]),
      td('sent 24h', count(item.sent24h), true),
      td('sent 7d', count(item.sent7d), true),
      td('sent 30d', count(item.sent30d), true),
      td('complaints 24h', ratio(item.complaints24h, item.sent24h), true),
      td('complaints 7d', percent(item.complaintRate7d), true),
      td('hard bounces 24h', ratio(item.hardBounces24h, item.sent24h), true),
      td('hard bounces 7d', percent(item.hardBounceRate7d), true),
      td('14 days', trends.series[item.id] ? sparkline(trends.series[item.id]) : ''),
    ),
  );
  const table = el(
    'div',
    { class: 'table-box' },
    el(
      'table',
      { class: 'subjects' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          header(kind, 'id'),
          severityHeader,
          th('sent 24h', true),
          th('sent 7d', true),
          header('sent 30d', 'volume', true),
          th('complaints 24h', true),
          header('complaints 7d', 'complaintRate', true),
          th('hard bounces 24h', true),
          header('hard bounces 7d', 'hardBounceRate', true),
          th('14 days'),
        ),
      ),
      el('tbody', {}, rows.length ? rows : el('tr', {}, el('td', { colspan: 10, class: 'empty' }, `No ${kind} matches.`))),
    ),
  );
  const from = page.total === 0 ? 0 : state.offset + 1;
  const pager = el(
    'nav',
    { class: 'pager', 'aria-label': 'pages' },
    state.offset > 0 ? el('a', { href: routeHash([base], { ...state, offset: Math.max(0, state.offset - pageSize) }), rel: 'prev' }, '← previous') : el('span', {}),
    el('span', { class: 'pager-position' }, `${count(from)}–${count(state.offset + page.items.length)} of ${count(page.total)}`),
    page.nextOffset !== null ? el('a', { href: routeHash([base], { ...state, offset: page.nextOffset }), rel: 'next' }, 'next →') : el('span', {}),
  );
  const explanation = el(
    'p',
    { class: 'hint', id: `${base}-order` },
    state.sort === 'severity' ? `${severityOrderExplained} Click a column to sort by it instead.` : 'Sorted by the column marked ▲/▼; "action" sorts by severity again.',
  );
  const box = el('div', { class: 'subjects-box' });
  append(box, [filters, explanation, table, pager]);
  return box;
}
