// Recipient suppression, acted on: from the complaint and bounce facts ingestion stored, from ops
// (add, remove, import) and from one-click unsubscribe; every change versioned for the relay
// snapshots, audited, and followed by replacing the recipient's address where it is stored.
import type { SuppressionConfig, SuppressionReason, SuppressionScope, SuppressionSource } from '../config/suppression';
import type { Db } from '../db/client';
import type { Tx } from '../db/events';
import {
  changeEntries,
  entriesAt,
  entryKeyOf,
  factAttributions,
  insertAudit,
  insertSightings,
  markRemoved,
  recipientsInForce,
  sightingTimes,
  unsightedFacts,
  upsertEntries,
  type EntryRecord,
} from '../db/suppression-queries';
import { suppressionsAddedTotal } from '../metrics';
import { AddressKeyer, writtenForms } from '../suppression/address';
import { automaticScope, expiryOf, mergeEntry, type EntryScope, type EntryWrite, type StoredEntry } from '../suppression/entries';
import { oneClickKeyPurpose } from '../suppression/one-click';
import { mailboxFullDue, verdictOf, type SuppressibleFact } from '../suppression/verdict';
import { replaceWithHash } from './suppression-traces';

/** Suppression with its key: absent when suppression.key is not set (suppression is off). */
export interface Suppression {
  db: Db;
  config: SuppressionConfig;
  keyer: AddressKeyer;
  /** The key one-click tokens are signed with (derived from suppression.key). */
  tokenKey: Buffer;
}

export function suppressionOf(db: Db, config: SuppressionConfig): Suppression | undefined {
  if (!config.key) return undefined;
  const keyer = new AddressKeyer(config.key);
  return { db, config, keyer, tokenKey: keyer.derive(oneClickKeyPurpose) };
}

/** A stored fact as suppression reads it: the fact, its dedup key and where it came from. */
export interface StoredFact extends SuppressibleFact {
  dedupKey: string;
  source: string;
  occurredAt: Date;
}

export interface FactsSuppressionSummary {
  /** Facts naming a recipient, seen for the first time. */
  sighted: number;
  /** Complaints whose report withheld the recipient: they suppress nobody. */
  redacted: number;
  /** Entries written (new, renewed or widened). */
  suppressed: number;
  /** Stored facts and raw reports whose address was replaced by its hash. */
  factsRewritten: number;
  messagesRewritten: number;
}

const toStored = (row: EntryRecord): StoredEntry => ({ ...row, recipientHash: row.recipientHash!, id: row.id });

/** A write not yet stored, as the entry it will make, to weigh a later write of the same batch against. */
const asPending = (write: EntryWrite, now: Date): StoredEntry => ({ ...write, id: 0, createdAt: now, removedAt: null });

/**
 * Writes the entries that what is stored for their recipient and scope does not already cover, nor
 * an earlier write of the same batch (an import may name a recipient twice): the longer-lasting one
 * wins, whichever comes first. Call inside changeEntries. Returns each write with the row it made.
 */
async function upsertUncovered(tx: Tx, writes: EntryWrite[], now: Date): Promise<{ write: EntryWrite; row: EntryRecord }[]> {
  const stored = await entriesAt(tx, writes);
  const current = new Map<string, StoredEntry>();
  for (const [key, row] of stored) current.set(key, toStored(row));
  const due = writes.filter((write) => {
    const key = entryKeyOf(write);
    if (mergeEntry(current.get(key), write, now) === null) return false;
    current.set(key, asPending(write, now));
    return true;
  });
  const written = await upsertEntries(tx, due, now);
  for (const row of written) suppressionsAddedTotal.inc({ reason: row.reason, source: row.source });
  return written.map((row, index) => ({ write: due[index]!, row }));
}

/** Writes entries over what is stored (upsertUncovered), with an audit row each; returns the rows written. */
async function writeEntries(suppression: Suppression, writes: EntryWrite[], audit: { actor: string; note: (write: EntryWrite) => string; details?: Record<string, unknown> }, now: Date): Promise<EntryRecord[]> {
  if (writes.length === 0) return [];
  return changeEntries(suppression.db, async (tx) => {
    const written = await upsertUncovered(tx, writes, now);
    await insertAudit(
      tx,
      written.map(({ write, row }) => ({ at: now, actor: audit.actor, action: 'add' as const, entryId: row.id, recipientHash: row.recipientHash, note: audit.note(write), details: { reason: row.reason, scope: row.scope, scopeId: row.scopeId, source: row.source, expiresAt: row.expiresAt?.toISOString() ?? null, ...audit.details } })),
    );
    return written.map(({ row }) => row);
  });
}

type Sighting = { fact: StoredFact; contentHash: string | null; recipientHash: string; verdict: ReturnType<typeof verdictOf> };
type Suppressing = Sighting & { reason: Exclude<SuppressionReason, 'manual'> };

/**
 * Records a sighting per fact naming a recipient; returns those seen for the first time (a report
 * read again is not acted on again), and counts the redacted complaints among them.
 */
async function sightFacts(suppression: Suppression, messages: { contentHash: string | null; facts: StoredFact[] }[], summary: FactsSuppressionSummary): Promise<Sighting[]> {
  const seen: Sighting[] = [];
  for (const { contentHash, facts } of messages) {
    for (const fact of facts) {
      const verdict = verdictOf(fact);
      // A redacted recipient is sighted too (under the placeholder it was given), so it is read once.
      const recipientHash = fact.recipient ? suppression.keyer.hash(fact.recipient) : null;
      if (recipientHash) seen.push({ fact, contentHash, recipientHash, verdict });
      else if (verdict.kind === 'redacted') summary.redacted++;
    }
  }
  if (seen.length === 0) return [];
  const fresh = await insertSightings(
    suppression.db,
    seen.map(({ fact, contentHash, recipientHash }) => ({ dedupKey: fact.dedupKey, recipientHash, contentHash, kind: fact.kind, reason: fact.reason ?? null, occurredAt: fact.occurredAt })),
  );
  const firstSeen = seen.filter((item) => fresh.has(item.fact.dedupKey));
  summary.redacted += firstSeen.filter((item) => item.verdict.kind === 'redacted').length;
  return firstSeen.filter((item) => item.verdict.kind !== 'redacted');
}

/** The sightings that suppress: their verdict says so, or a full mailbox has been full long enough. */
async function suppressingSightings(suppression: Suppression, sighted: Sighting[]): Promise<Suppressing[]> {
  const rule = suppression.config.mailboxFull;
  const counted = sighted.filter((item) => item.verdict.kind === 'count');
  const earliest = Math.min(...counted.map((item) => item.fact.occurredAt.getTime()));
  const mailboxFull = counted.length > 0 ? await sightingTimes(suppression.db, [...new Set(counted.map((item) => item.recipientHash))], 'mailboxfull', new Date(earliest - rule.withinDays * 86_400_000)) : new Map<string, Date[]>();
  return sighted.flatMap((item): Suppressing[] => {
    const { verdict } = item;
    if (verdict.kind === 'suppress') return [{ ...item, reason: verdict.reason }];
    if (verdict.kind === 'count' && mailboxFullDue(mailboxFull.get(item.recipientHash) ?? [], rule)) return [{ ...item, reason: 'mailboxFull' }];
    return [];
  });
}

/** One entry per recipient and scope: the reason's scope narrowed to whom each report is attributed, its expiry counted from the fact. */
async function entryWrites(suppression: Suppression, suppressing: Suppressing[], now: Date): Promise<EntryWrite[]> {
  const { config } = suppression;
  const attributions = await factAttributions(suppression.db, suppressing.map((item) => item.fact.dedupKey));
  const writes = new Map<string, EntryWrite>();
  for (const { fact, recipientHash, reason } of suppressing) {
    const wanted: SuppressionScope = reason === 'unsubscribe' ? config.oneClick.defaultScope : config.reasons[reason].scope;
    const scope = automaticScope(wanted, attributions.get(fact.dedupKey) ?? { sender: null, senderDomain: null });
    const expiresAt = expiryOf(config, reason, fact.occurredAt);
    // A report read long after the fact may describe a suppression already over.
    if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) continue;
    const write: EntryWrite = { recipientHash, ...scope, reason, source: 'mailbox', origin: fact.source, expiresAt };
    const key = entryKeyOf(write);
    const earlier = writes.get(key);
    if (mergeEntry(earlier && asPending(earlier, now), write, now) !== null) writes.set(key, write);
  }
  return [...writes.values()];
}

/**
 * Acts on facts just stored: a complaint or a recipient-caused hard bounce suppresses its
 * recipient, a full mailbox once it has been full long enough; a fact seen before (a report read
 * again) does nothing. The facts and raw reports naming a suppressed recipient (suppressed now or
 * before) get its hash.
 */
export async function suppressFromFacts(suppression: Suppression, messages: { contentHash: string | null; facts: StoredFact[] }[], now: Date): Promise<FactsSuppressionSummary> {
  const summary: FactsSuppressionSummary = { sighted: 0, redacted: 0, suppressed: 0, factsRewritten: 0, messagesRewritten: 0 };
  const sighted = await sightFacts(suppression, messages, summary);
  summary.sighted = sighted.length;
  if (sighted.length === 0) return summary;
  const writes = await entryWrites(suppression, await suppressingSightings(suppression, sighted), now);
  const written = await writeEntries(suppression, writes, { actor: 'automatic', note: (write) => `${write.reason} reported in ${write.origin}` }, now);
  summary.suppressed = written.length;
  const formsByHash = new Map<string, Set<string>>();
  for (const item of sighted) formsByHash.set(item.recipientHash, new Set([...(formsByHash.get(item.recipientHash) ?? []), ...writtenForms(item.fact.recipient!)]));
  const inForce = await recipientsInForce(suppression.db, [...formsByHash.keys()], now);
  const rewritten = await replaceWithHash(suppression.db, new Map([...formsByHash].flatMap(([recipientHash, forms]) => (inForce.has(recipientHash) ? [[recipientHash, [...forms]] as const] : []))));
  summary.factsRewritten = rewritten.facts;
  summary.messagesRewritten = rewritten.messages;
  return summary;
}

/** The content hash a fact's dedup key was made of, when it was (`msg:<content hash>:<index>`). */
const contentHashOfKey = (dedupKey: string) => /^msg:([0-9a-f]{64}):\d+$/.exec(dedupKey)?.[1] ?? null;

/**
 * Acts on the complaints and bounces of the last `days` that were stored but never sighted (a
 * suppression step that failed after its facts were committed, or facts stored before suppression
 * was on). Mailbox ingestion runs it after each pass.
 */
export async function suppressUnsighted(suppression: Suppression, now: Date, days = 7): Promise<FactsSuppressionSummary> {
  const rows = await unsightedFacts(suppression.db, new Date(now.getTime() - days * 86_400_000), 5000);
  return suppressFromFacts(suppression, rows.map((fact) => ({ contentHash: contentHashOfKey(fact.dedupKey), facts: [fact] })), now);
}

export interface SuppressRequest extends EntryScope {
  reason: SuppressionReason;
  source: SuppressionSource;
  /** The API token, dashboard user or "one-click". */
  actor: string;
  note: string;
  /** Absent: the reason's configured expiry; null: until removed. */
  expiresAt?: Date | null;
}

/** Suppresses one recipient, by address (ops) or by hash (a one-click token, an import). */
export async function suppressRecipient(suppression: Suppression, recipient: { address: string } | { recipientHash: string }, request: SuppressRequest, now: Date): Promise<{ recipientHash: string; entry: EntryRecord | null } | null> {
  const recipientHash = 'address' in recipient ? suppression.keyer.hash(recipient.address) : recipient.recipientHash;
  if (!recipientHash) return null;
  const expiresAt = request.expiresAt === undefined ? expiryOf(suppression.config, request.reason, now) : request.expiresAt;
  const write: EntryWrite = { recipientHash, scope: request.scope, scopeId: request.scopeId, reason: request.reason, source: request.source, origin: request.actor, expiresAt };
  const [entry] = await writeEntries(suppression, [write], { actor: request.actor, note: () => request.note }, now);
  await replaceWithHash(suppression.db, new Map([[recipientHash, 'address' in recipient ? writtenForms(recipient.address) : []]]));
  return { recipientHash, entry: entry ?? null };
}

/** Imports entries (a CSV of hashes): one audit row for the import, none per entry. */
export async function importEntries(suppression: Suppression, writes: EntryWrite[], actor: string, note: string, now: Date): Promise<number> {
  if (writes.length === 0) return 0;
  const written = await changeEntries(suppression.db, async (tx) => {
    const rows = (await upsertUncovered(tx, writes, now)).map(({ row }) => row);
    await insertAudit(tx, [{ at: now, actor, action: 'import', entryId: null, recipientHash: null, note, details: { rows: writes.length, written: rows.length } }]);
    return rows;
  });
  await replaceWithHash(suppression.db, new Map(written.map((row) => [row.recipientHash!, []])));
  return written.length;
}

/** Removes an entry (the relay stops refusing the recipient for its scope), audited with the reason. */
export async function removeEntry(suppression: Suppression, id: number, actor: string, note: string, now: Date): Promise<EntryRecord | undefined> {
  return changeEntries(suppression.db, async (tx) => {
    const removed = await markRemoved(tx, id, now);
    if (removed) await insertAudit(tx, [{ at: now, actor, action: 'remove', entryId: id, recipientHash: removed.recipientHash, note, details: { reason: removed.reason, scope: removed.scope, scopeId: removed.scopeId } }]);
    return removed;
  });
}
