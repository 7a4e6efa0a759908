// Building DOM nodes without HTML parsing: every string becomes a text node, so text from emails
// (subjects, diagnostic codes) can never turn into markup. Nothing here uses innerHTML.

/**
 * el('a', { href: '#/x', class: 'link', onclick: fn }, 'text', childNode, [more, nodes])
 * Attributes are set with setAttribute except `on*` (listeners) and `dataset`; null/false skip.
 */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') node.addEventListener(name.slice(2), value);
    else if (name === 'href') node.setAttribute('href', safeHref(String(value)));
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Links go to our own pages (#/...) or to http(s) sites; anything else (javascript:, data:) becomes inert. */
export function safeHref(href) {
  if (href.startsWith('#') || href.startsWith('/')) return href;
  try {
    const url = new URL(href);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : '#';
  } catch {
    return '#';
  }
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

/**
 * A table from column definitions: { label, value(row) → text | Node, sort?: key, numeric?: bool }.
 * Wrapped in a scrolling box so a wide table scrolls on a phone instead of widening the page.
 */
export function table(columns, rows, { empty = 'Nothing to show.', header, caption } = {}) {
  const head = el('thead', {}, el('tr', {}, columns.map((column) => header?.(column) ?? el('th', { scope: 'col', class: column.numeric ? 'num' : null }, column.label))));
  const body = el(
    'tbody',
    {},
    rows.length === 0
      ? el('tr', {}, el('td', { colspan: columns.length, class: 'empty' }, empty))
      : rows.map((row) => el('tr', {}, columns.map((column) => el('td', { class: column.numeric ? 'num' : null, 'data-label': column.label }, column.value(row))))),
  );
  return el('div', { class: 'table-box' }, el('table', {}, caption ? el('caption', {}, caption) : null, head, body));
}

export function section(title, ...children) {
  return el('section', { class: 'panel' }, el('h2', {}, title), ...children);
}

export function badge(text, kind = text) {
  return el('span', { class: `badge badge-${kind}` }, text);
}

export function notice(text, kind = 'info') {
  return el('p', { class: `notice notice-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}
