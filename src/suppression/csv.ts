// The export and import format of the list: CSV (RFC 4180) of hashes, never addresses, so a list
// moves between instances sharing suppression.key, or to a relay that keys addresses the same way.
import { suppressionReasons, suppressionScopes, type SuppressionReason, type SuppressionScope } from '../config/suppression';
import { recipientHashShape } from './address';
import { storedScopeId } from './entries';

export const csvColumns = ['recipient_hash', 'scope', 'scope_id', 'reason', 'expires_at'] as const;

export interface CsvEntry {
  recipientHash: string;
  scope: SuppressionScope;
  scopeId: string;
  reason: SuppressionReason;
  expiresAt: Date | null;
}

const field = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

export function csvLine(entry: CsvEntry): string {
  return `${[entry.recipientHash, entry.scope, entry.scopeId, entry.reason, entry.expiresAt?.toISOString() ?? ''].map(field).join(',')}\r\n`;
}

export const csvHeader = `${csvColumns.join(',')}\r\n`;

/** Records of RFC 4180 text: quoted fields may hold commas, quotes ("") and line breaks. */
export function parseCsvRecords(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let value = '';
  let quoted = false;
  let at = 0;
  const endField = () => {
    record.push(value);
    value = '';
  };
  while (at < text.length) {
    const char = text[at]!;
    if (quoted) {
      if (char === '"' && text[at + 1] === '"') {
        value += '"';
        at += 2;
        continue;
      }
      if (char === '"') quoted = false;
      else value += char;
      at++;
      continue;
    }
    if (char === '"' && value === '') quoted = true;
    else if (char === ',') endField();
    else if (char === '\n' || char === '\r') {
      endField();
      if (record.some((part) => part !== '')) records.push(record);
      record = [];
      if (char === '\r' && text[at + 1] === '\n') at++;
    } else value += char;
    at++;
  }
  endField();
  if (record.some((part) => part !== '')) records.push(record);
  return records;
}

export type CsvRow = { line: number; entry: CsvEntry } | { line: number; error: string };

/** The rows of an export (its header first); each bad row named by its line, the good ones kept. */
export function parseCsvEntries(text: string): CsvRow[] {
  const records = parseCsvRecords(text.replace(/^\uFEFF/, ''));
  const header = records.shift()?.map((name) => name.trim().toLowerCase());
  if (!header || header[0] !== 'recipient_hash') return [{ line: 1, error: `expected a header line starting with ${csvColumns.join(',')}` }];
  const column = (name: (typeof csvColumns)[number]) => header.indexOf(name);
  return records.map((record, index): CsvRow => {
    const line = index + 2;
    const value = (name: (typeof csvColumns)[number]) => (column(name) >= 0 ? (record[column(name)] ?? '').trim() : '');
    const recipientHash = value('recipient_hash').toLowerCase();
    if (!recipientHashShape.test(recipientHash)) return { line, error: 'recipient_hash: expected 64 hex digits (an HMAC-SHA256, never an address)' };
    const scope = (value('scope') || 'relay') as SuppressionScope;
    if (!suppressionScopes.includes(scope)) return { line, error: `scope: expected one of ${suppressionScopes.join(', ')}` };
    const scopeId = storedScopeId(scope, value('scope_id'));
    if (scopeId === undefined) return { line, error: `scope_id: a ${scope} scope names its ${scope}` };
    const reason = (value('reason') || 'manual') as SuppressionReason;
    if (!suppressionReasons.includes(reason)) return { line, error: `reason: expected one of ${suppressionReasons.join(', ')}` };
    const expires = value('expires_at');
    const expiresAt = expires ? new Date(expires) : null;
    if (expiresAt && Number.isNaN(expiresAt.getTime())) return { line, error: 'expires_at: expected an ISO 8601 date-time or nothing' };
    return { line, entry: { recipientHash, scope, scopeId, reason, expiresAt } };
  });
}
