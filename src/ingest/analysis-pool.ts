// Worker threads that prepare every batch (hash, gzip, analysis, attribution) off the main thread,
// which runs the Postfix policy server and the HTTP API: no mail is parsed on the thread that
// answers the relay. A watchdog on the main thread stops a worker that spends longer than the
// budget on one message, quarantines that message (E_ANALYSIS_BUDGET), and goes on with the rest
// of the batch in a fresh worker. `warden analyze` sends its files through the same threads,
// under the same budget, and gets back each file's facts.
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { gzip } from 'node:zlib';
import type { Logger } from 'pino';
import type { MailboxesConfig } from '../config/mailboxes';
import type { PrepareOptions, PreparedMessage, QuarantineCode, RawMessage } from './message';

/**
 * The analysis of one file read as an mbox: per message, its facts or why there are none. Each fact
 * comes as its JSON text, made on the analysis thread: `warden analyze` prints JSON anyway, and a
 * string crosses to the main thread for a fraction of what cloning the object costs both threads.
 */
export type MboxAnalysis = Array<{ facts: FactJson[] } | { error: { code: string; message: string } }>;

/** `JSON.stringify` of one Fact. */
export type FactJson = string;

interface RequestBytes {
  id: number;
  /** The raw bytes of every message (or file), end to end (transferred, not copied). */
  raw: ArrayBuffer;
  rawLengths: number[];
}

export type AnalysisRequest =
  /** Ingestion: prepare each message for storage. */
  | (RequestBytes & { task: 'prepare'; messages: Array<Omit<RawMessage, 'raw'>>; options: PrepareOptions })
  /** `warden analyze`: the facts of each file, read as an mbox. */
  | (RequestBytes & { task: 'mbox' });

export type AnalysisReply =
  | { id: number; task: 'prepare'; gzip: ArrayBuffer; gzipLengths: number[]; results: Array<Omit<PreparedMessage, 'message' | 'rawGzip'>>; error?: undefined }
  | { id: number; task: 'mbox'; results: MboxAnalysis[]; error?: undefined }
  | { id: number; error: string };

/**
 * What a worker is on, written by the worker before each message and read by the watchdog:
 * [request id, index in the request (-1 between requests), Date.now() when the message started].
 */
export type AnalysisProgress = BigInt64Array;
export const PROGRESS_REQUEST = 0;
export const PROGRESS_INDEX = 1;
export const PROGRESS_STARTED = 2;

export interface AnalysisPoolOptions {
  /**
   * Worker threads, at least 1. Default: cores − 1, 1 to 4. The main thread serves the relay (or
   * reads the files of `warden analyze`), and each thread compiles the analyzer on its own: on 2
   * cores, 3,145 files took 0.92 s with one thread and 1.03 s with two (`npm run bench:analyze --
   * --threads 2`).
   */
  threads?: number;
  /** Longest time one message may take to analyze before it is quarantined. Default 2,000 ms. */
  budgetMs?: number;
  /** What the threads will be asked to do, loaded before a thread says it is ready. Default: prepare. */
  tasks?: ReadonlyArray<AnalysisRequest['task']>;
  logger: PoolLogger;
}

/** The pool only warns (a message over the budget, a thread lost): a pino logger or anything with its `warn`. */
export type PoolLogger = Pick<Logger, 'warn'>;

export const defaultAnalysisThreads = () => Math.min(4, Math.max(1, availableParallelism() - 1));
export const defaultAnalysisBudgetMs = 2_000;

const gzipAsync = promisify(gzip);

/** How a request to one worker ended. */
type Outcome<Result> =
  | { kind: 'done'; results: Result[] }
  /** The message at `index` ran past the budget; the worker was stopped. */
  | { kind: 'overBudget'; index: number }
  /**
   * The worker went away; `index` is the message it was on, -1 when it had not started one;
   * `stopped` when the pool stopped it (for another request's budget, or on close).
   */
  | { kind: 'lost'; index: number; error: Error; stopped: boolean };

interface Pending {
  resolve: (outcome: Outcome<unknown>) => void;
  unpack: (reply: Exclude<AnalysisReply, { error: string }>) => unknown[];
}

/**
 * The compiled worker (dist/) loads as it is; from the TypeScript sources (tests, benchmarks) a
 * small entry registers the TypeScript loader in the thread first.
 */
const workerEntry = import.meta.url.endsWith('.ts') ? new URL('./analysis-thread.mjs', import.meta.url) : new URL('./analysis-worker.js', import.meta.url);

/** One worker with its requests in flight; a worker that exits or fails ends them all as lost. */
class AnalysisWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly progress: AnalysisProgress = new BigInt64Array(new SharedArrayBuffer(3 * 8));
  private nextId = 1;
  gone = false;
  ready = false;

  constructor(tasks: ReadonlyArray<AnalysisRequest['task']>) {
    this.progress[PROGRESS_INDEX] = -1n;
    this.worker = new Worker(workerEntry, { workerData: { progress: this.progress, tasks } });
    // An idle pool must not keep the process alive; a request in flight refs it again.
    this.worker.unref();
    this.worker.on('message', (reply: AnalysisReply | { ready: true }) => {
      if ('ready' in reply) {
        this.ready = true;
        return;
      }
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      const outcome: Outcome<unknown> =
        reply.error !== undefined ? { kind: 'lost', index: -1, error: new Error(`analysis worker: ${reply.error}`), stopped: false } : { kind: 'done', results: pending.unpack(reply) };
      this.settle(reply.id, outcome);
    });
    this.worker.on('error', (error) => this.end(error, false));
    this.worker.on('exit', (code) => this.end(new Error(`analysis worker exited with code ${code}`), false));
  }

  private settle(id: number, outcome: Outcome<unknown>) {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (this.pending.size === 0 && !this.gone) this.worker.unref();
    pending.resolve(outcome);
  }

  /** Ends every request in flight as lost, telling the one in progress which message it was on. */
  private end(error: Error, stopped: boolean) {
    if (this.gone) return;
    this.gone = true;
    const onRequest = Number(Atomics.load(this.progress, PROGRESS_REQUEST));
    const onIndex = Number(Atomics.load(this.progress, PROGRESS_INDEX));
    for (const id of [...this.pending.keys()]) this.settle(id, { kind: 'lost', index: id === onRequest ? onIndex : -1, error, stopped });
  }

  prepare(messages: RawMessage[], options: PrepareOptions): Promise<Outcome<PreparedMessage>> {
    return this.send(
      messages.map((message) => message.raw),
      (bytes) => ({ ...bytes, task: 'prepare', messages: messages.map(({ raw: _raw, ...rest }) => rest), options }),
      (reply) => unpackPrepared(reply, messages),
    );
  }

  analyzeMboxes(files: Buffer[]): Promise<Outcome<MboxAnalysis>> {
    return this.send(files, (bytes) => ({ ...bytes, task: 'mbox' }), (reply) => (reply.task === 'mbox' ? reply.results : []));
  }

  private send<Result>(items: Buffer[], request: (bytes: RequestBytes) => AnalysisRequest, unpack: (reply: Exclude<AnalysisReply, { error: string }>) => Result[]): Promise<Outcome<Result>> {
    if (this.gone) return Promise.resolve({ kind: 'lost', index: -1, error: new Error('analysis worker gone'), stopped: true });
    const id = this.nextId++;
    const raw = Buffer.allocUnsafeSlow(items.reduce((total, item) => total + item.length, 0));
    items.reduce((at, item) => at + item.copy(raw, at), 0);
    const message = request({ id, raw: raw.buffer as ArrayBuffer, rawLengths: items.map((item) => item.length) });
    const outcome = new Promise<Outcome<Result>>((resolve) => this.pending.set(id, { resolve: resolve as Pending['resolve'], unpack }));
    this.worker.ref();
    this.worker.postMessage(message, [message.raw]);
    return outcome;
  }

  /** Stops the worker when its current message has run past `budgetMs`; true when it did. */
  stopIfOverBudget(budgetMs: number, now: number): boolean {
    if (this.gone || this.pending.size === 0) return false;
    const index = Number(Atomics.load(this.progress, PROGRESS_INDEX));
    const started = Number(Atomics.load(this.progress, PROGRESS_STARTED));
    const request = Number(Atomics.load(this.progress, PROGRESS_REQUEST));
    if (index < 0 || now - started <= budgetMs || !this.pending.has(request)) return false;
    this.settle(request, { kind: 'overBudget', index });
    void this.terminate();
    return true;
  }

  terminate() {
    this.end(new Error('analysis worker stopped'), true);
    this.worker.removeAllListeners('exit');
    return this.worker.terminate();
  }
}

function unpackPrepared(reply: Exclude<AnalysisReply, { error: string }>, messages: RawMessage[]): PreparedMessage[] {
  if (reply.task !== 'prepare') return [];
  let offset = 0;
  return reply.results.map((result, index) => {
    const length = reply.gzipLengths[index]!;
    const rawGzip = Buffer.from(reply.gzip, offset, length);
    offset += length;
    return { ...result, message: messages[index]!, rawGzip };
  });
}

/** A message that was not analyzed (it ran past the budget, or took its worker down): quarantined whole. */
async function unanalyzed(message: RawMessage, code: QuarantineCode, reason: string): Promise<PreparedMessage> {
  // Loaded here, when needed: ./message brings the whole analyzer, which only the threads run.
  const { contentHashOf, gzipOptions } = await import('./message');
  return { message, contentHash: contentHashOf(message), rawGzip: await gzipAsync(message.raw, gzipOptions), headersOnly: false, facts: [], quarantine: { code, reason } };
}

/** How a share of items is sent to a worker, and what an item the worker could not finish gets. */
interface ShareHandling<Item, Result> {
  send: (worker: AnalysisWorker, share: Item[]) => Promise<Outcome<Result>>;
  overBudget: (item: Item) => Promise<Result>;
  diedTwice: (item: Item, error: Error) => Promise<Result>;
}

/** A worker that cannot start (or dies before its first message) this many times in a row fails the batch. */
const MAX_EMPTY_RESTARTS = 3;

export class AnalysisPool {
  private readonly threads: number;
  readonly budgetMs: number;
  private readonly logger: PoolLogger;
  private readonly tasks: ReadonlyArray<AnalysisRequest['task']>;
  private workers: AnalysisWorker[] = [];
  private watchdog: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private closed = false;

  constructor(options: AnalysisPoolOptions) {
    this.threads = Math.max(1, options.threads ?? defaultAnalysisThreads());
    this.budgetMs = options.budgetMs ?? defaultAnalysisBudgetMs;
    this.logger = options.logger;
    this.tasks = options.tasks ?? ['prepare'];
  }

  /** Starts the workers ahead of the first batch: a thread takes a moment to load the analyzer. */
  warm(): void {
    for (let slot = 0; slot < this.threads; slot += 1) this.workerAt(slot);
  }

  /** Workers that have loaded the analyzer. */
  get readyThreads(): number {
    return this.workers.filter((worker) => worker.ready && !worker.gone).length;
  }

  private workerAt(slot: number): AnalysisWorker {
    if (this.closed) throw new Error('analysis pool closed');
    let worker = this.workers[slot];
    if (!worker || worker.gone) {
      worker = new AnalysisWorker(this.tasks);
      this.workers[slot] = worker;
    }
    return worker;
  }

  /** Prepares the messages in order, split over the workers. */
  prepare(messages: RawMessage[], options: PrepareOptions): Promise<PreparedMessage[]> {
    return this.split(messages, {
      send: (worker, share) => worker.prepare(share, options),
      overBudget: (message) => {
        this.logger.warn({ source: message.source, folder: message.folder, uid: message.uid, budgetMs: this.budgetMs }, 'message analysis over budget: quarantined');
        return unanalyzed(message, 'E_ANALYSIS_BUDGET', `analysis took over ${this.budgetMs} ms: stopped, message kept whole`);
      },
      diedTwice: (message, error) => unanalyzed(message, 'E_ANALYSIS_INTERNAL', `analysis worker died twice on this message: ${error.message}`),
    });
  }

  /**
   * The facts of each file read as an mbox, in order, split over the workers. A file one of whose
   * messages runs past the budget is stopped and answers E_ANALYSIS_BUDGET.
   */
  analyzeMboxes(files: Buffer[]): Promise<MboxAnalysis[]> {
    return this.split(files, {
      send: (worker, share) => worker.analyzeMboxes(share),
      overBudget: async () => [{ error: { code: 'E_ANALYSIS_BUDGET', message: `analysis took over ${this.budgetMs} ms: stopped` } }],
      diedTwice: async (_file, error) => [{ error: { code: 'E_ANALYSIS_INTERNAL', message: `analysis worker died twice on this file: ${error.message}` } }],
    });
  }

  private async split<Item, Result>(items: Item[], handling: ShareHandling<Item, Result>): Promise<Result[]> {
    if (items.length === 0) return [];
    const slots = Math.min(this.threads, items.length);
    const share = Math.ceil(items.length / slots);
    this.inFlight += 1;
    this.startWatchdog();
    try {
      const parts = await Promise.all(Array.from({ length: slots }, (_, slot) => this.runShare(slot, items.slice(slot * share, (slot + 1) * share), handling)));
      return parts.flat();
    } finally {
      this.inFlight -= 1;
      this.stopWatchdogWhenIdle();
    }
  }

  /**
   * One worker's share. An item over the budget gets the budget's answer and the rest are sent again
   * to a fresh worker; a worker that dies is replaced and the share sent again, and an item it died
   * on twice gets E_ANALYSIS_INTERNAL rather than being tried forever.
   */
  private async runShare<Item, Result>(slot: number, items: Item[], handling: ShareHandling<Item, Result>): Promise<Result[]> {
    const results: Array<Result | undefined> = new Array(items.length);
    let todo = items.map((_, index) => index);
    const diedOn = new Set<number>();
    let emptyRestarts = 0;
    while (todo.length > 0) {
      const outcome = await handling.send(this.workerAt(slot), todo.map((index) => items[index]!));
      if (outcome.kind === 'done') {
        outcome.results.forEach((result, at) => (results[todo[at]!] = result));
        break;
      }
      const index = outcome.index >= 0 ? todo[outcome.index]! : -1;
      const item = index >= 0 ? items[index] : undefined;
      if (outcome.kind === 'overBudget' && item !== undefined) {
        results[index] = await handling.overBudget(item);
      } else if (outcome.kind === 'lost' && item !== undefined && diedOn.has(index)) {
        results[index] = await handling.diedTwice(item, outcome.error);
      } else if (outcome.kind === 'lost') {
        if (outcome.stopped && index === -1) continue;
        this.logger.warn({ err: outcome.error }, 'analysis worker lost: preparing the rest of its share in a fresh worker');
        if (index >= 0) diedOn.add(index);
        else if (++emptyRestarts >= MAX_EMPTY_RESTARTS) throw outcome.error;
        continue;
      }
      todo = todo.filter((at) => at !== index);
    }
    return results as Result[];
  }

  private startWatchdog() {
    this.watchdog ??= setInterval(() => {
      const now = Date.now();
      for (const worker of this.workers) worker?.stopIfOverBudget(this.budgetMs, now);
    }, Math.max(10, Math.min(250, Math.floor(this.budgetMs / 4))));
  }

  private stopWatchdogWhenIdle() {
    if (this.inFlight === 0 && this.watchdog) {
      clearInterval(this.watchdog);
      this.watchdog = undefined;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers;
    this.workers = [];
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

let processPool: AnalysisPool | undefined;

/**
 * The process's pool, kept between runs: a job that runs every minute would otherwise pay for
 * starting the threads (and warming their compiled code) each time. Idle workers do not keep the
 * process alive. The first caller's options decide its size and budget.
 */
export function processAnalysisPool(options: AnalysisPoolOptions): AnalysisPool {
  processPool ??= new AnalysisPool(options);
  return processPool;
}

/** The process's pool sized and budgeted by the mailboxes configuration. */
export function analysisPoolFor(mailboxes: Pick<MailboxesConfig, 'analysisThreads' | 'analysisBudgetMs'>, logger: Logger): AnalysisPool {
  return processAnalysisPool({ threads: mailboxes.analysisThreads, budgetMs: mailboxes.analysisBudgetMs, logger });
}
