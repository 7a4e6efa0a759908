// What an entry is and how a new suppression of a recipient meets one already there: scope from
// the reason's configuration, expiry from the reason's days, and the longer-lasting one wins.
import type { SuppressionConfig, SuppressionReason, SuppressionScope, SuppressionSource } from '../config/suppression';

export interface EntryScope {
  scope: SuppressionScope;
  /** The sender id or sender domain; '' for the relay. */
  scopeId: string;
}

/** An entry to write: the recipient by its hash only. */
export interface EntryWrite extends EntryScope {
  recipientHash: string;
  reason: SuppressionReason;
  source: SuppressionSource;
  origin: string;
  expiresAt: Date | null;
}

/** An entry as stored. */
export interface StoredEntry extends EntryWrite {
  id: number;
  createdAt: Date;
  removedAt: Date | null;
}

/**
 * The scope id as stored for an entry ops or an import name: '' for the relay, a sender domain
 * lower-cased (as domains are matched), a sender id as given; undefined when a sender or domain
 * scope names none.
 */
export function storedScopeId(scope: SuppressionScope, given: string | undefined): string | undefined {
  if (scope === 'relay') return '';
  return (scope === 'domain' ? given?.toLowerCase() : given) || undefined;
}

const dayMs = 86_400_000;

/** When an entry of a reason made at `from` ends; null: until removed. */
export function expiryOf(config: SuppressionConfig, reason: SuppressionReason, from: Date): Date | null {
  const days = config.reasons[reason].expiresAfterDays;
  return days === null ? null : new Date(from.getTime() + days * dayMs);
}

/**
 * The scope an automatic entry gets: the reason's, narrowed to the sender (or domain) the report
 * was attributed to; a report attributed to nobody suppresses relay-wide (wider, never narrower
 * than asked: mail to someone who complained must not go out because we could not tell who sent it).
 */
export function automaticScope(wanted: SuppressionScope, attributed: { sender: string | null; senderDomain: string | null }): EntryScope {
  if (wanted === 'sender' && attributed.sender) return { scope: 'sender', scopeId: attributed.sender };
  if (wanted !== 'relay' && attributed.senderDomain) return { scope: 'domain', scopeId: attributed.senderDomain.toLowerCase() };
  return { scope: 'relay', scopeId: '' };
}

export const isActive = (entry: { removedAt: Date | null; expiresAt: Date | null }, now: Date) =>
  entry.removedAt === null && (entry.expiresAt === null || entry.expiresAt.getTime() > now.getTime());

/**
 * The write that records `incoming` over what is stored for the same recipient and scope, or null
 * when the stored entry already covers it (active and lasting at least as long). A removed or
 * expired entry is replaced whole.
 */
export function mergeEntry(stored: StoredEntry | undefined, incoming: EntryWrite, now: Date): EntryWrite | null {
  if (!stored || !isActive(stored, now)) return incoming;
  if (stored.expiresAt === null) return null;
  if (incoming.expiresAt !== null && incoming.expiresAt.getTime() <= stored.expiresAt.getTime()) return null;
  return incoming;
}
