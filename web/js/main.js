// The dashboard's entry: the navigation, the hash router (#/senders/alice), and the view in <main>.
import { session } from './api.js';
import { destroyCharts } from './charts.js';
import { append, clear, el, notice } from './dom.js';
import { parseRoute } from './format.js';
import { renderAlerts } from './views/alerts.js';
import { renderCampaign, renderCampaigns } from './views/campaigns.js';
import { renderDomains } from './views/domains.js';
import { renderIpHistory, renderIps } from './views/ips.js';
import { renderMailboxes } from './views/mailboxes.js';
import { renderOverview } from './views/overview.js';
import { renderSubject } from './views/subject.js';
import { renderSenders } from './views/senders.js';
import { renderSuppressions } from './views/suppressions.js';

const views = [
  { name: 'overview', label: 'Overview', render: renderOverview },
  { name: 'ips', label: 'IP reputation', render: renderIps, detail: renderIpHistory },
  { name: 'senders', label: 'Senders', render: renderSenders, detail: (main, id) => renderSubject(main, 'sender', id) },
  { name: 'domains', label: 'Domains', render: renderDomains, detail: (main, id) => renderSubject(main, 'domain', id) },
  { name: 'campaigns', label: 'Campaigns', render: renderCampaigns, detail: renderCampaign },
  { name: 'mailboxes', label: 'Mailboxes', render: renderMailboxes },
  { name: 'suppression', label: 'Suppression', render: renderSuppressions },
  { name: 'alerts', label: 'Alerts', render: renderAlerts },
];

const main = document.getElementById('view');
const nav = document.getElementById('nav');
let rendering = 0;

async function show() {
  const { segments, params } = parseRoute(window.location.hash);
  const view = views.find((v) => v.name === (segments[0] ?? 'overview')) ?? views[0];
  for (const link of nav.querySelectorAll('a')) link.toggleAttribute('aria-current', link.dataset.view === view.name);
  const ticket = ++rendering;
  destroyCharts();
  const container = el('div', { class: 'view', 'data-view': view.name, 'aria-busy': 'true' });
  clear(main).append(container);
  document.title = `${view.label} · Relay Warden`;
  try {
    if (segments.length > 1 && view.detail) await view.detail(container, segments.slice(1).join('/'), params);
    else await view.render(container, params);
  } catch (error) {
    if (ticket === rendering) append(container, [notice(`Could not load this view: ${error.message}`, 'error')]);
  } finally {
    container.setAttribute('aria-busy', 'false');
    // Tests and people wait for this: the view has its data.
    if (ticket === rendering) container.dataset.ready = 'true';
  }
}

async function start() {
  const me = await session();
  document.getElementById('user').textContent = me.user;
  append(nav, views.map((v) => el('a', { href: `#/${v.name}`, 'data-view': v.name }, v.label)));
  window.addEventListener('hashchange', show);
  await show();
}

start();
