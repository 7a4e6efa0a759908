// The worker side of the analysis pool: prepares the messages it is sent (hash, gzip, analysis,
// attribution) and sends back everything but the raw bytes, the compressed bytes packed in one
// buffer; or, for `warden analyze`, reads each file it is sent as an mbox and sends back the facts
// as JSON text.
import { parentPort, workerData } from 'node:worker_threads';
import { analyzeMbox } from '../analysis/analyze';
import { PROGRESS_INDEX, PROGRESS_REQUEST, PROGRESS_STARTED, type AnalysisProgress, type AnalysisReply, type AnalysisRequest, type MboxAnalysis } from './analysis-pool';
import type { RawMessage } from './message';

const { progress, tasks } = workerData as { progress: AnalysisProgress; tasks: ReadonlyArray<AnalysisRequest['task']> };

// Preparation's modules (hashing, attribution, content fingerprints and the public suffix list)
// cost a thread more to load than the analyzer itself: loaded up front only by a pool that prepares.
type Preparation = typeof import('./message');
let preparation: Preparation | undefined = tasks.includes('prepare') ? await import('./message') : undefined;

/** Tells the pool's watchdog which message this thread is on (-1: none), and since when. */
function markProgress(request: number, index: number) {
  Atomics.store(progress, PROGRESS_STARTED, BigInt(Date.now()));
  Atomics.store(progress, PROGRESS_REQUEST, BigInt(request));
  Atomics.store(progress, PROGRESS_INDEX, BigInt(index));
}

/** The request's items, cut from the one buffer they came in. */
function itemsOf(request: AnalysisRequest): Buffer[] {
  const bytes = Buffer.from(request.raw);
  let offset = 0;
  return request.rawLengths.map((length) => {
    const item = bytes.subarray(offset, offset + length);
    offset += length;
    return item;
  });
}

function prepare(request: Extract<AnalysisRequest, { task: 'prepare' }>, { prepareMessage }: Preparation) {
  const items = itemsOf(request);
  const messages: RawMessage[] = request.messages.map((message, index) => ({ ...message, raw: items[index]! }));
  // Compressed here, synchronously: this thread has nothing else to do, and zlib's asynchronous
  // path (a stream and a hop to libuv's pool per message) cost twice the CPU of the compression.
  const prepared = messages.map((message, index) => {
    markProgress(request.id, index);
    return prepareMessage(message, request.options);
  });
  markProgress(request.id, -1);
  // A buffer of its own (not a slice of the shared pool), so it can be transferred rather than copied.
  const gzip = Buffer.allocUnsafeSlow(prepared.reduce((total, item) => total + item.rawGzip.length, 0));
  prepared.reduce((at, item) => at + item.rawGzip.copy(gzip, at), 0);
  const reply: AnalysisReply = {
    id: request.id,
    task: 'prepare',
    gzip: gzip.buffer as ArrayBuffer,
    gzipLengths: prepared.map((item) => item.rawGzip.length),
    results: prepared.map(({ contentHash, headersOnly, facts, quarantine }) => ({ contentHash, headersOnly, facts, quarantine })),
  };
  parentPort!.postMessage(reply, [reply.gzip]);
}

function analyzeMboxes(request: Extract<AnalysisRequest, { task: 'mbox' }>) {
  const results: MboxAnalysis[] = itemsOf(request).map((file, index) => {
    markProgress(request.id, index);
    // The budget is per message, as in ingestion: a large mbox of quick messages runs to its end.
    return analyzeMbox(file, () => markProgress(request.id, index)).map((result) => (result.ok ? { facts: result.facts.map((fact) => JSON.stringify(fact)) } : { error: { code: result.error.code, message: result.error.message } }));
  });
  markProgress(request.id, -1);
  parentPort!.postMessage({ id: request.id, task: 'mbox', results } satisfies AnalysisReply);
}

// Loading the analyzer takes a while on a cold thread: the pool sends work only once this arrives.
parentPort!.postMessage({ ready: true });

parentPort!.on('message', async (request: AnalysisRequest) => {
  try {
    if (request.task === 'prepare') prepare(request, (preparation ??= await import('./message')));
    else analyzeMboxes(request);
  } catch (error) {
    markProgress(request.id, -1);
    parentPort!.postMessage({ id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies AnalysisReply);
  }
});
