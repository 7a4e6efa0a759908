// Mailboxes: each complaint and bounce source with its latest run and counts, the job's runs, and
// the quarantine of messages that could not be analyzed, with a retry per message.
import { get, post } from '../api.js';
import { append, badge, el, notice, section, table } from '../dom.js';
import { ago, count, dateTime } from '../format.js';

export async function renderMailboxes(main) {
  const [mailboxes, jobRuns, quarantine] = await Promise.all([
    get('/mailboxes', { runs: 30 }),
    get('/jobs/runs', { job: 'ingest-mailboxes', limit: 20 }),
    get('/quarantine', { status: 'open', limit: 200 }),
  ]);
  const retryButton = (entry) => {
    const button = el('button', { type: 'button', class: 'btn', 'data-retry': entry.id }, 'Retry');
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        const outcome = await post(`/quarantine/${entry.id}/retry`);
        button.replaceWith(outcome.resolved ? badge(`resolved: ${outcome.facts} facts`, 'ok') : el('span', {}, `still quarantined: ${outcome.reasonCode ?? ''} ${outcome.reason ?? ''}`));
      } catch (error) {
        button.replaceWith(notice(`retry failed: ${error.message}`, 'error'));
      }
    });
    return button;
  };
  append(main, [
    el('h1', {}, 'Mailboxes'),
    section(
      'Sources',
      table(
        [
          { label: 'source', value: (s) => s.source },
          { label: 'last read', value: (s) => ago(s.latest.startedAt) },
          { label: 'outcome', value: (s) => badge(s.latest.outcome) },
          { label: 'error', value: (s) => (s.latest.errorCode ? `${s.latest.errorCode}: ${s.latest.error ?? ''}` : '') },
          { label: 'runs 24h', numeric: true, value: (s) => `${count(s.last24h.runs)} (${count(s.last24h.failed)} failed)` },
          { label: 'fetched 24h', numeric: true, value: (s) => count(s.last24h.fetched) },
          { label: 'stored', numeric: true, value: (s) => count(s.last24h.stored) },
          { label: 'duplicates', numeric: true, value: (s) => count(s.last24h.duplicates) },
          { label: 'quarantined', numeric: true, value: (s) => count(s.last24h.quarantined) },
        ],
        mailboxes.sources,
        { empty: 'No mailbox has been read yet: configure mailboxes.imap or mailboxes.local.' },
      ),
    ),
    section(
      `Quarantine (${count(mailboxes.quarantineOpen)} open)`,
      table(
        [
          { label: 'id', numeric: true, value: (q) => q.id },
          { label: 'since', value: (q) => dateTime(q.quarantinedAt) },
          { label: 'source', value: (q) => `${q.source} ${q.folder}${q.uid !== null ? ` #${q.uid}` : ''}` },
          { label: 'reason', value: (q) => el('span', { class: 'untrusted' }, `${q.reasonCode}: ${q.reason}`) },
          { label: 'size', numeric: true, value: (q) => count(q.size) },
          { label: 'retries', numeric: true, value: (q) => q.retries },
          { label: '', value: (q) => retryButton(q) },
        ],
        quarantine.items,
        { empty: 'The quarantine is empty.' },
      ),
    ),
    section(
      'Runs per source',
      table(
        [
          { label: 'started', value: (r) => dateTime(r.startedAt) },
          { label: 'source', value: (r) => r.source },
          { label: 'outcome', value: (r) => badge(r.outcome) },
          { label: 'fetched', numeric: true, value: (r) => count(r.fetched) },
          { label: 'stored', numeric: true, value: (r) => count(r.stored) },
          { label: 'duplicates', numeric: true, value: (r) => count(r.duplicates) },
          { label: 'quarantined', numeric: true, value: (r) => count(r.quarantined) },
          { label: 'ms', numeric: true, value: (r) => count(r.durationMs) },
        ],
        mailboxes.runs,
        { empty: 'No run yet.' },
      ),
    ),
    section(
      'ingest-mailboxes job',
      table(
        [
          { label: 'started', value: (r) => dateTime(r.startedAt) },
          { label: 'outcome', value: (r) => badge(r.outcome) },
          { label: 'instance', value: (r) => r.instance },
          { label: 'ms', numeric: true, value: (r) => (r.durationMs === null ? '–' : count(r.durationMs)) },
          { label: 'error', value: (r) => r.error ?? '' },
        ],
        jobRuns.runs,
        { empty: 'The job has not run yet.' },
      ),
    ),
  ]);
}
