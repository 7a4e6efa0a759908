// The suppression list in memory: entries by recipient hash, answering "may this sender's mail go
// to this recipient?" in a map lookup. Filled and updated from stored rows by version.
import type { SuppressionReason, SuppressionScope } from '../config/suppression';

export interface ListedEntry {
  id: number;
  scope: SuppressionScope;
  scopeId: string;
  reason: SuppressionReason;
  /** Epoch ms; null: until removed. */
  expiresAt: number | null;
}

/** A stored row as the list takes it: a removed or forgotten one leaves the list. */
export interface EntryRow {
  id: number;
  recipientHash: string | null;
  scope: SuppressionScope;
  scopeId: string;
  reason: SuppressionReason;
  expiresAt: Date | null;
  removedAt: Date | null;
}

export class SuppressionList {
  private readonly byHash = new Map<string, ListedEntry[]>();
  private readonly hashOfId = new Map<number, string>();

  get size(): number {
    return this.hashOfId.size;
  }

  apply(row: EntryRow): void {
    this.remove(row.id);
    if (row.recipientHash === null || row.removedAt !== null) return;
    const entry: ListedEntry = { id: row.id, scope: row.scope, scopeId: row.scopeId, reason: row.reason, expiresAt: row.expiresAt?.getTime() ?? null };
    const entries = this.byHash.get(row.recipientHash);
    if (entries) entries.push(entry);
    else this.byHash.set(row.recipientHash, [entry]);
    this.hashOfId.set(row.id, row.recipientHash);
  }

  private remove(id: number): void {
    const hash = this.hashOfId.get(id);
    if (hash === undefined) return;
    this.hashOfId.delete(id);
    const entries = this.byHash.get(hash)!.filter((entry) => entry.id !== id);
    if (entries.length > 0) this.byHash.set(hash, entries);
    else this.byHash.delete(hash);
  }

  /**
   * The entry that stops mail from `sender` (of `senderDomain`) to the recipient at `nowMs`, if
   * any: a relay-wide one, or one scoped to that sender id or sender domain. Expired entries are
   * skipped here, at lookup time, as the policy snapshot does with overrides.
   */
  match(recipientHash: string, sender: string | undefined, senderDomain: string | undefined, nowMs: number): ListedEntry | undefined {
    const entries = this.byHash.get(recipientHash);
    if (!entries) return undefined;
    for (const entry of entries) {
      if (entry.expiresAt !== null && entry.expiresAt <= nowMs) continue;
      if (entry.scope === 'relay' || (entry.scope === 'sender' && entry.scopeId === sender) || (entry.scope === 'domain' && entry.scopeId === senderDomain)) return entry;
    }
    return undefined;
  }

  /** Active entries by reason (for the gauge). */
  countsByReason(nowMs: number): Map<SuppressionReason, number> {
    const counts = new Map<SuppressionReason, number>();
    for (const entries of this.byHash.values()) {
      for (const entry of entries) if (entry.expiresAt === null || entry.expiresAt > nowMs) counts.set(entry.reason, (counts.get(entry.reason) ?? 0) + 1);
    }
    return counts;
  }
}
