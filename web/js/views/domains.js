// Domains: the sender domains (rates and actions, like senders) and the mailbox providers we
// deliver to (what each did with our mail; blocks judge our IP or content).
import { get } from '../api.js';
import { append, el, section, table } from '../dom.js';
import { count, percent } from '../format.js';
import { subjectsTable } from './subjects-table.js';

export async function renderDomains(main, params) {
  const [sending, providers] = await Promise.all([subjectsTable('domain', 'domains', params), get('/providers', { limit: 50 })]);
  const rate = (window, name) => (p) => (p[window].sent ? percent(p[window][name]) : '–');
  append(main, [
    el('h1', {}, 'Domains'),
    section('Sender domains', sending),
    section(
      'Mailbox providers',
      el('p', { class: 'hint' }, 'Recipient domains by volume over the last 7 days. "Blocked" are refusals of our IP or content: evidence about the relay, not about one sender.'),
      table(
        [
          { label: 'provider', value: (p) => p.domain },
          { label: 'sent 24h', numeric: true, value: (p) => count(p['24h'].sent) },
          { label: 'sent 7d', numeric: true, value: (p) => count(p['7d'].sent) },
          { label: 'complaints 7d', numeric: true, value: rate('7d', 'complaintRate') },
          { label: 'hard bounces 7d', numeric: true, value: rate('7d', 'hardBounceRate') },
          { label: 'blocked 24h', numeric: true, value: rate('24h', 'blockedRate') },
          { label: 'blocked 7d', numeric: true, value: rate('7d', 'blockedRate') },
        ],
        providers.providers,
        { empty: 'Nothing sent in the last 7 days.' },
      ),
    ),
  ]);
}
