// Senders: who is hurting our reputation, sortable and filterable, with trends.
import { append, el } from '../dom.js';
import { subjectsTable } from './subjects-table.js';

export async function renderSenders(main, params) {
  append(main, [el('h1', {}, 'Senders'), await subjectsTable('sender', 'senders', params)]);
}
