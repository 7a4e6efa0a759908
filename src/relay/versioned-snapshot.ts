// The refresh machinery the relay's in-memory snapshots share: listen on a NOTIFY channel, load,
// then re-read what changed on each NOTIFY and on a fallback timer, never making a lookup wait.
import type { Logger } from 'pino';
import type { Database } from '../db/client';

/**
 * Reads and applies the rows whose version is above `sinceVersion`, calling `applied` with the
 * version of each row as it is applied (so rows applied before a failure stay counted as loaded).
 * A snapshot that re-reads everything each time ignores `sinceVersion` and never calls `applied`.
 */
export type ReadChanges = (sinceVersion: number, applied: (version: number) => void) => Promise<void>;

export interface VersionedSnapshotOptions {
  /** What the snapshot holds, as log lines name it: `policy`, `suppression`, `steering`. */
  name: string;
  /** The NOTIFY channel a change is announced on; the payload is the new version, or '' for none. */
  channel: string;
  readChanges: ReadChanges;
  /** Seconds between fallback refreshes, in case a NOTIFY was lost with a dropped connection. */
  refreshSeconds: number;
  logger: Logger;
}

/**
 * The writers take versions in commit order (see lockPolicyVersions in db/subjects.ts and
 * lockVersions in db/suppression-queries.ts), so "rows with a version above the highest one
 * loaded" is a complete incremental refresh.
 */
export class VersionedSnapshot {
  private loadedVersion = 0;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private lastRefreshAt: Date | undefined;
  private readonly applied = (version: number): void => {
    if (version > this.loadedVersion) this.loadedVersion = version;
  };

  constructor(
    private readonly database: Database,
    private readonly options: VersionedSnapshotOptions,
  ) {}

  /** Listens first, then loads: a change committed in between is refreshed again, never missed. */
  async start(): Promise<void> {
    this.unlisten = await this.database.listen(this.options.channel, (payload) => {
      // A NOTIFY naming no version (a channel that announces only "something changed") always refreshes.
      if (payload === '' || Number(payload) > this.loadedVersion) void this.refresh();
    });
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshSeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unlisten?.().catch(() => {});
    await this.refreshing?.catch(() => {});
  }

  /** The highest version loaded (0 before any row, and always for a snapshot that re-reads everything). */
  get version(): number {
    return this.loadedVersion;
  }

  /** When the last successful read finished. */
  get refreshedAt(): Date | undefined {
    return this.lastRefreshAt;
  }

  /** Reads the rows changed since the last refresh; concurrent calls share one read and one more after it. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          await this.options.readChanges(this.loadedVersion, this.applied);
          this.lastRefreshAt = new Date();
        } while (this.refreshAgain);
      } catch (error) {
        // Lookups keep answering from what is loaded; the next NOTIFY or timer tries again.
        this.options.logger.error({ err: error, version: this.loadedVersion }, `${this.options.name} snapshot refresh failed`);
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }
}
