// Messages accepted per sender in the current UTC hour and day, for throttle and tier limits:
// counted in memory at once, written to the database in batches, and shared by every instance
// through it. A day's count is the sum of its hours' rows.
import type { Logger } from 'pino';
import { databaseRefusedValue, type Db } from '../db/client';
import { addHourlyCounts, readHourlyCounts } from '../db/hourly-counts';
import { storeSendEvents, type SendEventInput } from '../db/send-events';
import { sendEventsDroppedTotal, sendEventsStoredTotal, watchSendEventQueue } from '../metrics';

const hourMs = 3_600_000;
const dayMs = 86_400_000;
/**
 * Events per write (one COPY and its rollups on PostgreSQL, statements of 5,000 on PGlite):
 * building it is synchronous work the policy server's answers wait behind.
 */
const eventsPerWrite = 10_000;
/** The longest wait between attempts to write while the database refuses. */
const maxRetryMs = 10_000;
/** Backpressure is logged at most this often, with what happened since the last line. */
const heldLogEveryMs = 10_000;
const countsPerWrite = 2000;
/** First reads arriving within this share one query. */
const loadBatchMs = 10;

interface SenderCount {
  hour: number;
  /** The shared count as the database last reported it (this and every other instance). */
  stored: number;
  /** Accepted here and not yet written. */
  pending: number;
  /** The shared count of the earlier hours of this UTC day, as last read. */
  earlierToday: number;
  /** Pending reads of `stored` for the first lookup of a sender in an hour. */
  loading?: Promise<void>;
  loaded: boolean;
}

export interface HourlyCounterOptions {
  flushMs: number;
  logger: Logger;
  /** Send events accepted and not yet stored past which new answers wait (see accepting()). */
  maxPendingEvents?: number;
}

/**
 * The trade-off: a decision never waits on the database. The shared count of a throttled sender
 * is read once an hour, in the background, at its first message (reads arriving within 10 ms share one
 * query); until it arrives that message is decided on this instance's count. Writes are batched
 * every flush interval (default 1 s) and each write returns the shared total. So a sender can
 * overshoot its limit by what other instances accept in one flush interval, plus the messages that
 * arrive during the first read after a restart.
 *
 * Send events are never dropped: each is stored within one flush interval of its answer, or the
 * counter stops accepting (accepting() is false) and the policy server holds its next answers
 * until it is. So a crash loses at most the answers of the last flush interval. A write that
 * fails keeps its events and is tried again, backing off up to 10 s.
 */
export class HourlyCounter {
  private readonly counts = new Map<string, SenderCount>();
  private pendingEvents: SendEventInput[] = [];
  /** When the oldest of pendingEvents was queued (performance.now()). */
  private pendingSince: number | undefined;
  /** Events of the write in progress not yet stored, and when the oldest of them was queued. */
  private eventsInWrite = 0;
  private inWriteSince: number | undefined;
  private readonly maxPendingEvents: number;
  /** Writes failed in a row, and no write before this time (performance.now()). */
  private failures = 0;
  private retryAt = 0;
  /** The write of events due at half a flush interval after the oldest was queued. */
  private eventTimer: NodeJS.Timeout | undefined;
  private eventDueAt = 0;
  /** Since start: send events stored, refused by the database (the only ones lost), time answers were held. */
  readonly stats = { stored: 0, refused: 0, heldMs: 0, heldEpisodes: 0 };
  private heldSince: number | undefined;
  private released: { promise: Promise<void>; resolve: () => void } | undefined;
  private heldLog = { at: Number.NEGATIVE_INFINITY, heldMs: 0, episodes: 0 };
  /** Counts of an hour that ended before they were written: written at the next flush. */
  private endedHours: { sender: string; hour: number; accepted: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly db: Db,
    private readonly options: HourlyCounterOptions,
  ) {
    this.maxPendingEvents = options.maxPendingEvents ?? 50_000;
  }

  start(): void {
    this.timer = setInterval(() => {
      if (performance.now() >= this.retryAt) void this.writeOnce();
    }, this.options.flushMs);
    this.timer.unref();
    watchSendEventQueue(this);
  }

  /** Stops the timers and writes what is pending (at once, even while backing off). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.eventTimer);
    await this.flush();
  }

  private entry(sender: string, now: Date): SenderCount {
    const hour = Math.floor(now.getTime() / hourMs) * hourMs;
    let entry = this.counts.get(sender);
    if (!entry || entry.hour !== hour) {
      // The ended hour's unwritten counts still go to the shared table, under their own hour.
      if (entry && entry.pending > 0) this.endedHours.push({ sender, hour: entry.hour, accepted: entry.pending });
      // Until the next read, the day so far is what this instance knew of the previous hours.
      const sameDay = entry !== undefined && Math.floor(entry.hour / dayMs) === Math.floor(hour / dayMs);
      const earlierToday = sameDay ? entry!.earlierToday + entry!.stored + entry!.pending : 0;
      entry = { hour, stored: 0, pending: 0, earlierToday, loaded: false };
      this.counts.set(sender, entry);
    }
    return entry;
  }

  /**
   * The hour's and the day's counts without waiting: after this hour's read, the shared counts;
   * before it, what this instance knows. `loaded` says which.
   */
  current(sender: string, now: Date): { hour: number; day: number; loaded: boolean } {
    const entry = this.entry(sender, now);
    const hour = entry.stored + entry.pending;
    return { hour, day: entry.earlierToday + hour, loaded: entry.loaded };
  }

  /**
   * The counts a decision is taken on: `current`, never waiting on the database, with this hour's
   * read of the shared counts started in the background when it has not happened yet. The first
   * message of a sender in an hour is thus judged on this instance's own count.
   */
  currentForDecision(sender: string, now: Date, log: Logger): { hour: number; day: number } {
    const current = this.current(sender, now);
    if (!current.loaded) this.load(sender, now).catch((error: unknown) => log.error({ err: error, sender }, 'reading the hourly count failed'));
    return current;
  }

  /** Starts the read of the shared counts in the background, once per sender and hour. */
  load(sender: string, now: Date): Promise<void> {
    const entry = this.entry(sender, now);
    if (entry.loaded) return Promise.resolve();
    entry.loading ??= this.queueLoad(sender, entry);
    return entry.loading;
  }

  /** Messages accepted for the sender this UTC day, on every instance (as of the last flush). */
  async countToday(sender: string, now: Date): Promise<number> {
    await this.load(sender, now);
    return this.current(sender, now).day;
  }

  /** Messages accepted for the sender this hour, on every instance (as of the last flush). */
  async count(sender: string, now: Date): Promise<number> {
    await this.load(sender, now);
    return this.current(sender, now).hour;
  }

  // First lookups arriving together (many connections, many senders) share one query.
  private loadQueue = new Map<string, SenderCount>();
  private loadBatch: Promise<void> | undefined;

  private queueLoad(sender: string, entry: SenderCount): Promise<void> {
    this.loadQueue.set(sender, entry);
    this.loadBatch ??= new Promise<void>((resolve) => setTimeout(resolve, loadBatchMs)).then(() => this.loadQueued());
    return this.loadBatch;
  }

  private async loadQueued(): Promise<void> {
    const batch = [...this.loadQueue];
    this.loadQueue = new Map();
    this.loadBatch = undefined;
    try {
      for (let i = 0; i < batch.length; i += 1000) {
        const chunk = batch.slice(i, i + 1000);
        const hours = chunk.map(([, entry]) => entry.hour);
        const from = new Date(Math.floor(Math.min(...hours) / dayMs) * dayMs);
        const to = new Date(Math.max(...hours));
        // The day's hours so far, for the daily limit; the current hour's row for the hourly one.
        const rows = await readHourlyCounts(this.db, chunk.map(([sender]) => sender), from, to);
        const bySender = new Map<string, { hour: number; accepted: number }[]>();
        for (const row of rows) {
          const list = bySender.get(row.sender) ?? [];
          list.push({ hour: row.hour.getTime(), accepted: row.accepted });
          bySender.set(row.sender, list);
        }
        for (const [sender, entry] of chunk) {
          const day = Math.floor(entry.hour / dayMs) * dayMs;
          let earlier = 0;
          for (const row of bySender.get(sender) ?? []) {
            if (row.hour === entry.hour) entry.stored = Math.max(entry.stored, row.accepted);
            else if (row.hour >= day && row.hour < entry.hour) earlier += row.accepted;
          }
          entry.earlierToday = Math.max(entry.earlierToday, earlier);
          entry.loaded = true;
        }
      }
    } finally {
      for (const [, entry] of batch) entry.loading = undefined;
    }
  }

  /** Counts one accepted message, and queues its send event when given. */
  add(sender: string, now: Date, event?: SendEventInput): void {
    this.entry(sender, now).pending += 1;
    if (event) {
      this.pendingSince ??= performance.now();
      this.pendingEvents.push(event);
      this.scheduleEventWrite();
    }
  }

  /** Send events accepted and not yet stored, including those of the write in progress. */
  get backlog(): number {
    return this.pendingEvents.length + this.eventsInWrite;
  }

  /** How long ago the oldest send event not yet stored was queued, in ms (0 when none is). */
  oldestPendingMs(): number {
    const since = this.inWriteSince ?? this.pendingSince;
    return since === undefined ? 0 : performance.now() - since;
  }

  /**
   * Whether a new answer may queue a send event now: fewer than maxPendingEvents are waiting and
   * none was answered a flush interval ago or more. When not, answer nothing until whenAccepting().
   */
  accepting(): boolean {
    return this.backlog < this.maxPendingEvents && this.oldestPendingMs() < this.options.flushMs;
  }

  /** Resolves once accepting() holds again; the time until then counts as held (backpressure). */
  whenAccepting(): Promise<void> {
    if (this.accepting()) return Promise.resolve();
    if (!this.released) {
      let resolve = () => {};
      const promise = new Promise<void>((settle) => (resolve = settle));
      this.released = { promise, resolve };
      this.heldSince = performance.now();
      this.stats.heldEpisodes += 1;
      this.logHeld();
      // Holding is what gets the events stored: write now rather than at the next tick.
      this.scheduleEventWrite(true);
    }
    return this.released.promise;
  }

  /** Seconds answers were held since start, the episode in progress included. */
  heldSeconds(): number {
    return (this.stats.heldMs + (this.heldSince === undefined ? 0 : performance.now() - this.heldSince)) / 1000;
  }

  private releaseIfAccepting(): void {
    if (!this.released || !this.accepting()) return;
    const heldMs = performance.now() - this.heldSince!;
    this.stats.heldMs += heldMs;
    this.heldLog.heldMs += heldMs;
    this.heldLog.episodes += 1;
    this.heldSince = undefined;
    const { resolve } = this.released;
    this.released = undefined;
    resolve();
  }

  // Under sustained overload this happens many times a second: one line per ten seconds, counting
  // the episodes and held time that ended since the last line.
  private logHeld(): void {
    const at = performance.now();
    if (at - this.heldLog.at < heldLogEveryMs) return;
    this.options.logger.warn(
      { pending: this.backlog, oldestPendingMs: Math.round(this.oldestPendingMs()), heldEpisodesSinceLastLine: this.heldLog.episodes, heldSecondsSinceLastLine: this.heldLog.heldMs / 1000 },
      'policy answers held until the send events already answered are stored',
    );
    this.heldLog = { at, heldMs: 0, episodes: 0 };
  }

  /**
   * The next write of events: half a flush interval after the oldest was queued, so it is stored
   * within the interval when the database keeps up; at once when the queue is half full or
   * answers are held; never before the retry time after a failure.
   */
  private scheduleEventWrite(now = false): void {
    if (this.flushing || this.pendingEvents.length === 0) return;
    const at = performance.now();
    const urgent = now || this.released !== undefined || this.pendingEvents.length >= this.maxPendingEvents / 2;
    const due = Math.max(urgent ? at : this.pendingSince! + this.options.flushMs / 2, this.retryAt);
    if (this.eventTimer && this.eventDueAt <= due) return;
    clearTimeout(this.eventTimer);
    this.eventDueAt = due;
    this.eventTimer = setTimeout(() => {
      this.eventTimer = undefined;
      void this.writeOnce();
    }, due - at);
    this.eventTimer.unref();
  }

  /**
   * Writes the counts and send events pending now, after the write in progress if there is one
   * (the timers, unlike this, wait out a failure's backoff).
   */
  async flush(): Promise<void> {
    if (this.flushing) await this.flushing.catch(() => {});
    await this.writeOnce();
  }

  /** One write at a time: a call during a write shares it. */
  private writeOnce(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = undefined;
      this.releaseIfAccepting();
      this.scheduleEventWrite();
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    const increments: { sender: string; hour: Date; accepted: number; entry: SenderCount | null }[] = [];
    const currentHour = Math.floor(Date.now() / hourMs) * hourMs;
    // One row per sender and hour in a statement (an upsert cannot touch a row twice): ended hours
    // are summed, and one that is a live entry's hour again (a clock set back) joins that entry.
    const ended = new Map<string, { sender: string; hour: number; accepted: number }>();
    for (const item of this.endedHours) {
      const live = this.counts.get(item.sender);
      if (live && live.hour === item.hour) live.pending += item.accepted;
      else {
        const key = `${item.sender}|${item.hour}`;
        const seen = ended.get(key);
        if (seen) seen.accepted += item.accepted;
        else ended.set(key, { ...item });
      }
    }
    this.endedHours = [];
    for (const item of ended.values()) increments.push({ sender: item.sender, hour: new Date(item.hour), accepted: item.accepted, entry: null });
    for (const [sender, entry] of this.counts) {
      if (entry.pending > 0) increments.push({ sender, hour: new Date(entry.hour), accepted: entry.pending, entry });
      else if (entry.hour < currentHour - hourMs) this.counts.delete(sender);
    }
    let countsWritten = 0;
    const events = this.pendingEvents;
    this.pendingEvents = [];
    this.inWriteSince = this.pendingSince;
    this.pendingSince = undefined;
    let written = 0;
    this.eventsInWrite = events.length;
    try {
      for (let i = 0; i < increments.length; i += countsPerWrite) {
        const chunk = increments.slice(i, i + countsPerWrite);
        const rows = await addHourlyCounts(this.db, chunk);
        const totals = new Map(rows.map((row) => [`${row.sender}|${row.hour.getTime()}`, row.accepted]));
        countsWritten = i + chunk.length;
        for (const { sender, hour, accepted, entry } of chunk) {
          if (!entry) continue;
          entry.pending -= accepted;
          const total = totals.get(`${sender}|${hour.getTime()}`);
          if (total !== undefined) {
            entry.stored = total;
            entry.loaded = true;
          }
        }
      }
      for (; written < events.length; written += eventsPerWrite) {
        const chunk = events.slice(written, written + eventsPerWrite);
        await this.storeEvents(chunk);
        this.eventsInWrite = Math.max(0, events.length - written - chunk.length);
      }
      this.failures = 0;
    } catch (error) {
      // Counts not written stay pending (entry.pending was not reduced, ended hours are queued
      // again); events go back to the front of the queue, all of them, for the next attempt.
      const endedUnwritten = increments.slice(countsWritten).filter((increment) => increment.entry === null);
      this.endedHours.unshift(...endedUnwritten.map(({ sender, hour, accepted }) => ({ sender, hour: hour.getTime(), accepted })));
      const unwritten = events.slice(written);
      if (unwritten.length > 0) {
        this.pendingEvents = unwritten.concat(this.pendingEvents);
        this.pendingSince = this.inWriteSince;
      }
      this.failures += 1;
      const retryInMs = Math.min(this.options.flushMs * 2 ** (this.failures - 1), maxRetryMs);
      this.retryAt = performance.now() + retryInMs;
      this.options.logger.error({ err: error, pendingEvents: this.backlog - this.eventsInWrite, failuresInARow: this.failures, retryInMs }, 'writing accepted-message counts and send events failed; kept, and tried again');
    } finally {
      this.eventsInWrite = 0;
      this.inWriteSince = undefined;
    }
  }

  /**
   * Stores a batch; should the database refuse a value in it, stores its events one by one, so
   * only the refused ones are lost (counted in stats.refused and the drops metric, and logged).
   */
  private async storeEvents(events: SendEventInput[]): Promise<void> {
    try {
      this.countStored((await storeSendEvents(this.db, events)).stored);
      return;
    } catch (error) {
      if (!databaseRefusedValue(error)) throw error;
    }
    for (const event of events) {
      try {
        this.countStored((await storeSendEvents(this.db, [event])).stored);
      } catch (error) {
        const refusal = databaseRefusedValue(error);
        if (!refusal) throw error;
        this.stats.refused += 1;
        sendEventsDroppedTotal.inc();
        this.options.logger.error({ messageId: event.messageId, sender: event.sender, refusal }, 'send event dropped: the database refused a value in it');
      }
    }
  }

  private countStored(stored: number): void {
    this.stats.stored += stored;
    sendEventsStoredTotal.inc(stored);
  }
}
