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
  private loadedVersion = 0;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private lastRefreshAt: Date | undefined;

  constructor(
    private readonly database: Database,
    readonly keyer: AddressKeyer,
    private readonly options: { refreshSeconds: number; logger: Logger },
  ) {}

  /** Listens first, then loads: a change committed in between is refreshed again, never missed. */
  async start(): Promise<void> {
    this.unlisten = await this.database.listen(suppressionChannel, (payload) => {
      if (Number(payload) > this.loadedVersion) void this.refresh();
    });
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshSeconds * 1000);
    this.timer.unref();
    watchSuppressionList(this);
    this.options.logger.info({ version: this.loadedVersion, entries: this.list.size }, 'suppression snapshot loaded');
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unlisten?.().catch(() => {});
    await this.refreshing?.catch(() => {});
  }

  get version(): number {
    return this.loadedVersion;
  }

  get size(): { entries: number; refreshedAt: Date | undefined } {
    return { entries: this.list.size, refreshedAt: this.lastRefreshAt };
  }

  countsByReason(now: Date) {
    return this.list.countsByReason(now.getTime());
  }

  /** Reads the entries changed since the last refresh; concurrent calls share one read and one more after it. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          await this.readChanges();
        } while (this.refreshAgain);
      } catch (error) {
        // Checks keep answering from what is loaded; the next NOTIFY or timer tries again.
        this.options.logger.error({ err: error, version: this.loadedVersion }, 'suppression snapshot refresh failed');
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private async readChanges(): Promise<void> {
    // Pages by version until a short one. A first load reads only the entries in force; the removed
    // ones with higher versions come with the next refresh, and remove nothing.
    for (let rows = await entryChangesSince(this.database.db, this.loadedVersion, pageRows); ; rows = await entryChangesSince(this.database.db, this.loadedVersion, pageRows)) {
      for (const row of rows) {
        this.list.apply(row);
        if (row.version > this.loadedVersion) this.loadedVersion = row.version;
      }
      if (rows.length < pageRows) break;
    }
    this.lastRefreshAt = new Date();
  }

  /** Whether mail from `sender` (of `senderDomain`) may not go to `recipient` now. */
  check(recipient: string, sender: string | undefined, senderDomain: string | undefined, now: Date): RecipientCheck {
    const hash = this.list.size === 0 ? null : this.keyer.hash(recipient);
    const entry = hash ? this.list.match(hash, sender, senderDomain, now.getTime()) : undefined;
    return entry ? { recipient, suppressed: true, entry } : { recipient, suppressed: false };
  }
}
