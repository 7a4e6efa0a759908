// Worker threads that prepare large batches (hash, gzip, analysis, attribution) off the main
// thread, which meanwhile parses the next IMAP fetch and writes the previous batch. Small batches,
// and any batch after a worker failed, are prepared on the main thread: the result is the same.
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';
import { Worker } from 'node:worker_threads';
import { gzip } from 'node:zlib';
import type { Logger } from 'pino';
import { gzipOptions, prepareUncompressed, type PrepareOptions, type PreparedMessage, type RawMessage } from './message';

export interface AnalysisRequest {
  id: number;
  /** The raw bytes of every message, end to end (transferred, not copied). */
  raw: ArrayBuffer;
  rawLengths: number[];
  messages: Array<Omit<RawMessage, 'raw'>>;
  options: PrepareOptions;
}

export type AnalysisReply =
  | { id: number; gzip: ArrayBuffer; gzipLengths: number[]; results: Array<Omit<PreparedMessage, 'message' | 'rawGzip'>>; error?: undefined }
  | { id: number; error: string };

export interface AnalysisPoolOptions {
  /** Worker threads; 0 prepares everything on the main thread. Default: cores − 1, 1 to 4. */
  threads?: number;
  /** Batches smaller than this are prepared on the main thread (a round trip costs more). Default 32. */
  minBatch?: number;
  logger: Logger;
}

const gzipAsync = promisify(gzip);

export const defaultAnalysisThreads = () => Math.min(4, Math.max(1, availableParallelism() - 1));

interface Pending {
  resolve: (reply: AnalysisReply) => void;
  reject: (error: Error) => void;
}

/** One worker with its requests in flight; a worker that exits or fails rejects them all. */
class AnalysisWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  failure: Error | null = null;
  ready = false;

  constructor() {
    this.worker = new Worker(new URL('./analysis-thread.mjs', import.meta.url));
    // An idle pool must not keep the process alive; a request in flight refs it again.
    this.worker.unref();
    this.worker.on('message', (reply: AnalysisReply | { ready: true }) => {
      if ('ready' in reply) {
        this.ready = true;
        return;
      }
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      pending.resolve(reply);
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`analysis worker exited with code ${code}`)));
  }

  private fail(error: Error) {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }

  prepare(messages: RawMessage[], options: PrepareOptions): Promise<PreparedMessage[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const raw = Buffer.allocUnsafeSlow(messages.reduce((total, message) => total + message.raw.length, 0));
    messages.reduce((at, message) => at + message.raw.copy(raw, at), 0);
    const request: AnalysisRequest = {
      id,
      raw: raw.buffer as ArrayBuffer,
      rawLengths: messages.map((message) => message.raw.length),
      messages: messages.map(({ raw: _raw, ...rest }) => rest),
      options,
    };
    const reply = new Promise<AnalysisReply>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.worker.ref();
    this.worker.postMessage(request, [request.raw]);
    return reply.then((answer) => {
      if (answer.error !== undefined) throw new Error(`analysis worker: ${answer.error}`);
      let offset = 0;
      return answer.results.map((result, index) => {
        const length = answer.gzipLengths[index]!;
        const rawGzip = Buffer.from(answer.gzip, offset, length);
        offset += length;
        return { ...result, message: messages[index]!, rawGzip };
      });
    });
  }

  terminate() {
    this.worker.removeAllListeners('exit');
    this.fail(new Error('analysis pool closed'));
    return this.worker.terminate();
  }
}

export class AnalysisPool {
  private readonly threads: number;
  private readonly minBatch: number;
  private readonly logger: Logger;
  private workers: AnalysisWorker[] = [];
  private broken = false;

  constructor(options: AnalysisPoolOptions) {
    this.threads = options.threads ?? defaultAnalysisThreads();
    this.minBatch = options.minBatch ?? 32;
    this.logger = options.logger;
  }

  /**
   * Starts the workers ahead of the first batch of `batchLength` messages when it will go to them:
   * a thread takes a moment to load the analyzer, time the first fetch can cover.
   */
  warm(batchLength: number): void {
    if (this.broken || this.threads === 0 || this.workers.length > 0 || batchLength < this.minBatch) return;
    this.workers = Array.from({ length: this.threads }, () => new AnalysisWorker());
  }

  /** Workers that have loaded the analyzer and take batches. */
  get readyThreads(): number {
    return this.workers.filter((worker) => worker.ready && !worker.failure).length;
  }

  /** Prepares the messages in order, split over the workers when the batch is large enough. */
  async prepare(messages: RawMessage[], options: PrepareOptions): Promise<PreparedMessage[]> {
    if (this.broken || this.threads === 0 || messages.length < this.minBatch) return prepareInline(messages, options);
    this.warm(messages.length);
    try {
      const failed = this.workers.find((worker) => worker.failure);
      if (failed) throw failed.failure;
      // Until a worker has loaded the analyzer, the main thread does the work rather than wait.
      const ready = this.workers.filter((worker) => worker.ready);
      if (ready.length === 0) return await prepareInline(messages, options);
      const share = Math.ceil(messages.length / ready.length);
      const parts = await Promise.all(ready.map((worker, index) => worker.prepare(messages.slice(index * share, (index + 1) * share), options)));
      return parts.flat();
    } catch (error) {
      // Nothing was stored yet: the batch is prepared again here, and so is every later one.
      this.logger.warn({ err: error }, 'analysis worker failed: analyzing on the main thread from now on');
      this.broken = true;
      await this.close();
      return prepareInline(messages, options);
    }
  }

  async close(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

let processPool: AnalysisPool | undefined;

/**
 * The process's pool, kept between runs: a job that runs every minute would otherwise pay for
 * starting the threads (and warming their compiled code) each time. Idle workers do not keep the
 * process alive. The first caller's options decide its size.
 */
export function processAnalysisPool(options: AnalysisPoolOptions): AnalysisPool {
  processPool ??= new AnalysisPool(options);
  return processPool;
}

/**
 * Prepares a batch on this thread, compressing each message in libuv's thread pool while the next
 * one is analyzed, and yielding to the event loop every few messages: on the main thread, the
 * previous batch's writes and the next batch's fetch make progress meanwhile.
 */
export async function prepareInline(messages: RawMessage[], options: PrepareOptions): Promise<PreparedMessage[]> {
  const uncompressed: Array<Omit<PreparedMessage, 'rawGzip'>> = [];
  const compressed: Array<Promise<Buffer>> = [];
  for (const [index, message] of messages.entries()) {
    if (index > 0 && index % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
    const { keptRaw, ...prepared } = prepareUncompressed(message, options);
    compressed.push(gzipAsync(keptRaw, gzipOptions));
    uncompressed.push(prepared);
  }
  const rawGzips = await Promise.all(compressed);
  return uncompressed.map((prepared, index) => ({ ...prepared, rawGzip: rawGzips[index]! }));
}
