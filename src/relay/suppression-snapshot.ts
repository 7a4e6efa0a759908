// The in-memory copy of the suppression list that the relay's recipient checks read: loaded once,
// then refreshed by version on each NOTIFY of a change and on a fallback timer. A check never
// waits on the database.
import type { Logger } from 'pino';
import type { Database } from '../db/client';
import { entryChangesSince, suppressionChannel } from '../db/suppression-queries';
import { watchSuppressionList } from '../metrics';
import type { AddressKeyer } from '../suppression/address';
import { SuppressionList, type ListedEntry } from '../suppression/list';
import { oneLine } from './refusal';
import { VersionedSnapshot } from './versioned-snapshot';

/** Rows read per query while loading: a list of millions loads in pages, not one result set. */
const pageRows = 50_000;

export interface RecipientCheck {
  recipient: string;
  suppressed: boolean;
  /** The entry that stops it, when suppressed. */
  entry?: ListedEntry;
}

/**
 * The refusal of a suppressed recipient at RCPT TO: 550 (mailbox unavailable, RFC 5321 §4.2.2)
 * with X.7.1, delivery not authorized (RFC 3463 §3.8). It names neither the reason nor the entry:
 * whoever sends learns only that the recipient does not take mail from this relay.
 */
export const suppressedRecipientRefusal = {
  code: '550',
  status: '5.7.1',
  text: oneLine('Recipient address is suppressed by this relay (an earlier complaint, bounce or unsubscribe); not sent'),
} as const;

export class SuppressionSnapshot {
  private readonly list = new SuppressionList();
  private readonly changes: VersionedSnapshot;

  constructor(
    private readonly database: Database,
    readonly keyer: AddressKeyer,
    private readonly options: { refreshSeconds: number; logger: Logger },
  ) {
    this.changes = new VersionedSnapshot(database, {
      name: 'suppression',
      channel: suppressionChannel,
      readChanges: (sinceVersion, applied) => this.readChanges(sinceVersion, applied),
      refreshSeconds: options.refreshSeconds,
      logger: options.logger,
    });
  }

  /** Listens first, then loads: a change committed in between is refreshed again, never missed. */
  async start(): Promise<void> {
    await this.changes.start();
    watchSuppressionList(this);
    this.options.logger.info({ version: this.version, entries: this.list.size }, 'suppression snapshot loaded');
  }

  stop(): Promise<void> {
    return this.changes.stop();
  }

  get version(): number {
    return this.changes.version;
  }

  get size(): { entries: number; refreshedAt: Date | undefined } {
    return { entries: this.list.size, refreshedAt: this.changes.refreshedAt };
  }

  countsByReason(now: Date) {
    return this.list.countsByReason(now.getTime());
  }

  /** Reads the entries changed since the last refresh; concurrent calls share one read and one more after it. */
  refresh(): Promise<void> {
    return this.changes.refresh();
  }

  private async readChanges(sinceVersion: number, applied: (version: number) => void): Promise<void> {
    // Pages by version until a short one. A first load reads only the entries in force; the removed
    // ones with higher versions come with the next refresh, and remove nothing.
    let since = sinceVersion;
    for (;;) {
      const rows = await entryChangesSince(this.database.db, since, pageRows);
      for (const row of rows) {
        this.list.apply(row);
        applied(row.version);
        if (row.version > since) since = row.version;
      }
      if (rows.length < pageRows) break;
    }
  }

  /** Whether mail from `sender` (of `senderDomain`) may not go to `recipient` now. */
  check(recipient: string, sender: string | undefined, senderDomain: string | undefined, now: Date): RecipientCheck {
    const hash = this.list.size === 0 ? null : this.keyer.hash(recipient);
    const entry = hash ? this.list.match(hash, sender, senderDomain, now.getTime()) : undefined;
    return entry ? { recipient, suppressed: true, entry } : { recipient, suppressed: false };
  }
}
