// Formatting for people: rates are fractions in the API (0.003) and percentages on screen.

/** 0.00123 → "0.123%"; more digits for small rates, where the 0.1% line matters. */
export function percent(fraction, digits) {
  if (fraction === null || fraction === undefined || Number.isNaN(fraction)) return '–';
  const value = fraction * 100;
  const places = digits ?? (value !== 0 && Math.abs(value) < 1 ? 3 : 2);
  return `${value.toFixed(places)}%`;
}

/** A rate with, in brackets, the lower bound of its interval that decisions compare with the lines: "2.50% (≥ 1.15%)". */
export function rateWithBound(interval) {
  return `${percent(interval.rate)} (≥ ${percent(interval.lower)})`;
}

/**
 * What a campaign fingerprint's evidence stood on: with the relay's volume, its complaints in its
 * sends and their rate; without, the distinctiveness explanation the rule wrote.
 */
export function fingerprintEvidence(print) {
  if (print.footing === 'volume' && print.complaintRate) return `${count(print.complaints)} complaints in ${count(print.volume)} sends: ${rateWithBound(print.complaintRate)}`;
  return print.explanation;
}

/** part / whole as a percentage, or "–" when nothing was sent. */
export function ratio(part, whole, digits) {
  return whole > 0 ? percent(part / whole, digits) : '–';
}

const grouping = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
export const count = (value) => (value === null || value === undefined ? '–' : grouping.format(value));

/** "2026-11-20 12:30 UTC": the server works in UTC, and so does the dashboard. */
export function dateTime(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '–';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** How long ago, coarse: "5 min ago", "3 h ago", "2 d ago". */
export function ago(iso, now = new Date()) {
  if (!iso) return '–';
  const seconds = Math.round((now.getTime() - new Date(iso).getTime()) / 1000);
  if (Number.isNaN(seconds)) return '–';
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** Severity rank for ordering: critical first. */
export const severityRank = { critical: 0, error: 1, warning: 2, info: 3 };

/** Listed targets (addresses, domains) first, the most severe listing first; the others after, in their order. */
export function listedFirst(targets) {
  const rank = (target) => (target.listed ? (severityRank[target.severity] ?? 4) : 5);
  return targets
    .map((target, index) => ({ target, index }))
    .sort((a, b) => rank(a.target) - rank(b.target) || a.index - b.index)
    .map(({ target }) => target);
}

/** Counts of listed targets by their highest severity. */
export function listedBySeverity(targets) {
  const counts = { critical: 0, error: 0, warning: 0, info: 0 };
  for (const target of targets) if (target.listed && target.severity in counts) counts[target.severity] += 1;
  return counts;
}

/**
 * The query of a hash route: "#/senders?sort=volume&q=x" → { path: "/senders", params }.
 * Path segments are decoded one by one, so an id may contain "/" or "?" when encoded.
 */
export function parseRoute(hash) {
  const text = hash.replace(/^#/, '') || '/';
  const [path = '/', query = ''] = text.split('?', 2);
  const segments = path.split('/').filter(Boolean).map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
  return { segments, params: new URLSearchParams(query) };
}

/** The hash of a route: routeHash(['senders', id], { sort: 'volume' }). */
export function routeHash(segments, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value !== undefined && value !== null && value !== '').map(([k, v]) => [k, String(v)]));
  const text = query.toString();
  return `#/${segments.map((segment) => encodeURIComponent(segment)).join('/')}${text ? `?${text}` : ''}`;
}
