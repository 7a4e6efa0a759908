// Suppression: the recipients the relay refuses (complaints, hard bounces, full mailboxes,
// unsubscribes, ops' entries), counted by reason and source; an address looked up by typing it
// (only its keyed hash is stored), added, removed with a reason, or forgotten; CSV export/import.
import { get, post, postText } from '../api.js';
import { append, badge, clear, el, notice, section, table } from '../dom.js';
import { count, dateTime } from '../format.js';

const reasons = ['complaint', 'hardBounce', 'mailboxFull', 'unsubscribe', 'manual'];

function countsTable(summary) {
  const sources = Object.keys(summary.bySource).sort();
  const cell = (reason, source) => summary.byReasonAndSource.find((row) => row.reason === reason && row.source === source)?.count ?? 0;
  return table(
    [{ label: 'reason', value: (reason) => reason }, ...sources.map((source) => ({ label: source, numeric: true, value: (reason) => count(cell(reason, source)) })), { label: 'all', numeric: true, value: (reason) => count(summary.byReason[reason] ?? 0) }],
    reasons,
    { caption: `${count(summary.total)} entries in force` },
  );
}

/** An audit row: when, who, what was done and why (the note asked for on every change). */
const auditColumns = [{ label: 'when', value: (a) => dateTime(a.at) }, { label: 'who', value: (a) => a.actor }, { label: 'did', value: (a) => a.action }, { label: 'why', value: (a) => a.note }];

const scopeText = (entry) => (entry.scope === 'relay' ? 'whole relay' : `${entry.scope} ${entry.scopeId}`);

function entriesTable(entries, onRemove) {
  return table(
    [
      { label: 'state', value: (e) => badge(e.active ? 'in force' : e.removedAt ? 'removed' : 'expired', e.active ? 'suspend' : 'allow') },
      { label: 'reason', value: (e) => e.reason },
      { label: 'scope', value: scopeText },
      { label: 'source', value: (e) => `${e.source} (${e.origin})` },
      { label: 'since', value: (e) => dateTime(e.createdAt) },
      { label: 'until', value: (e) => (e.expiresAt ? dateTime(e.expiresAt) : 'no end') },
      { label: '', value: (e) => (e.active ? el('button', { type: 'button', class: 'btn', 'data-remove': e.id, onclick: () => onRemove(e) }, 'Remove') : '') },
    ],
    entries,
    { empty: 'Not suppressed: no entry for this address.' },
  );
}

function lookupPanel() {
  const address = el('input', { type: 'email', name: 'address', required: true, placeholder: 'someone@example.net', autocomplete: 'off', 'aria-label': 'Address' });
  const note = el('input', { type: 'text', name: 'note', placeholder: 'why (kept in the audit)', 'aria-label': 'Reason' });
  const scope = el('select', { name: 'scope', 'aria-label': 'Scope' }, ['relay', 'sender', 'domain'].map((value) => el('option', { value }, value)));
  const scopeId = el('input', { type: 'text', name: 'scopeId', placeholder: 'sender id or domain (scope sender or domain)', 'aria-label': 'Sender or domain' });
  const result = el('div', { class: 'lookup-result', 'aria-live': 'polite' });
  const needNote = () => {
    if (note.value.trim()) return note.value.trim();
    note.focus();
    throw new Error('give a reason first: it is kept in the audit');
  };
  const run = async (work) => {
    try {
      await work();
    } catch (error) {
      append(clear(result), [notice(error.message, 'error')]);
    }
  };
  const show = async () => {
    const found = await post('/suppressions/lookup', { address: address.value.trim() });
    append(clear(result), [
      el('p', { class: 'hint' }, found.suppressed ? 'Suppressed: the relay refuses mail to this address for the scopes below.' : 'Not suppressed now.', ' Keyed hash: ', el('code', {}, found.recipientHash)),
      entriesTable(found.entries, (entry) => run(async () => {
        await post(`/suppressions/${entry.id}/remove`, { note: needNote() });
        await show();
      })),
      found.audit.length ? table(auditColumns, found.audit) : null,
    ]);
  };
  const form = el(
    'form',
    { class: 'lookup', onsubmit: (event) => { event.preventDefault(); run(show); } },
    address,
    el('button', { type: 'submit', class: 'btn' }, 'Look up'),
    el('div', { class: 'row' }, note, scope, scopeId),
    el('button', { type: 'button', class: 'btn', 'data-action': 'add', onclick: () => run(async () => {
      await post('/suppressions', { address: address.value.trim(), scope: scope.value, ...(scope.value === 'relay' ? {} : { scopeId: scopeId.value.trim() }), note: needNote() });
      await show();
    }) }, 'Suppress'),
    el('button', { type: 'button', class: 'btn', 'data-action': 'forget', onclick: () => run(async () => {
      const why = needNote();
      if (!window.confirm(`Forget ${address.value.trim()}? Every trace goes, its entries too: the relay will send to it again.`)) return;
      const erased = await post('/suppressions/forget', { address: address.value.trim(), note: why });
      append(clear(result), [notice(`Forgotten: ${erased.entries} entries, ${erased.facts} stored facts, ${erased.messages} kept reports, ${erased.sendEvents} send events.`)]);
    }) }, 'Forget (erasure request)'),
  );
  return section('Look up an address', el('p', { class: 'hint' }, 'Type the address: only its keyed hash is stored, so it is found by hashing what you type.'), form, result);
}

function transferPanel() {
  const file = el('input', { type: 'file', accept: '.csv,text/csv', 'aria-label': 'CSV file' });
  const outcome = el('div', { 'aria-live': 'polite' });
  const importButton = el('button', { type: 'button', class: 'btn', onclick: async () => {
    if (!file.files?.[0]) return;
    try {
      const result = await postText('/suppressions/import', await file.files[0].text(), 'text/csv');
      append(clear(outcome), [notice(`${count(result.imported)} of ${count(result.rows)} rows imported${result.rejected.length ? `; rejected: ${result.rejected.slice(0, 5).map((r) => `line ${r.line}: ${r.error}`).join('; ')}` : ''}`)]);
    } catch (error) {
      append(clear(outcome), [notice(error.message, 'error')]);
    }
  } }, 'Import');
  return section(
    'Export and import',
    el('p', { class: 'hint' }, 'CSV of keyed hashes (recipient_hash, scope, scope_id, reason, expires_at), never addresses: it matches the same addresses under the same suppression.key.'),
    el('p', {}, el('a', { href: '/api/v1/suppressions/export', class: 'btn', download: 'suppressions.csv' }, 'Export CSV')),
    el('p', {}, file, importButton),
    outcome,
  );
}

export async function renderSuppressions(main) {
  const summary = await get('/suppressions/summary');
  append(main, [
    el('h1', {}, 'Suppression'),
    summary.enabled ? null : notice('Recipient suppression is off: set suppression.key in warden.yaml.', 'error'),
    section('Entries in force by reason and source', countsTable(summary)),
    lookupPanel(),
    transferPanel(),
    section(
      'Latest changes',
      table(
        auditColumns,
        summary.recentAudit,
        { empty: 'Nothing yet.' },
      ),
    ),
  ]);
}
