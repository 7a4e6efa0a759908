// The worker side of the analysis pool: prepares the messages it is sent (hash, gzip, analysis,
// attribution) and sends back everything but the raw bytes, the compressed bytes packed in one buffer.
import { parentPort, workerData } from 'node:worker_threads';
import { PROGRESS_INDEX, PROGRESS_REQUEST, PROGRESS_STARTED, type AnalysisProgress, type AnalysisReply, type AnalysisRequest } from './analysis-pool';
import { prepareMessage, type RawMessage } from './message';

const progress = (workerData as { progress: AnalysisProgress }).progress;

/** Tells the pool's watchdog which message this thread is on (-1: none), and since when. */
function markProgress(request: number, index: number) {
  Atomics.store(progress, PROGRESS_STARTED, BigInt(Date.now()));
  Atomics.store(progress, PROGRESS_REQUEST, BigInt(request));
  Atomics.store(progress, PROGRESS_INDEX, BigInt(index));
}

// Loading the analyzer takes a while on a cold thread: the pool sends work only once this arrives.
parentPort!.postMessage({ ready: true });

parentPort!.on('message', (request: AnalysisRequest) => {
  try {
    const bytes = Buffer.from(request.raw);
    let offset = 0;
    const messages: RawMessage[] = request.messages.map((message, index) => {
      const raw = bytes.subarray(offset, offset + request.rawLengths[index]!);
      offset += raw.length;
      return { ...message, raw };
    });
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
      gzip: gzip.buffer as ArrayBuffer,
      gzipLengths: prepared.map((item) => item.rawGzip.length),
      results: prepared.map(({ contentHash, headersOnly, facts, quarantine }) => ({ contentHash, headersOnly, facts, quarantine })),
    };
    parentPort!.postMessage(reply, [reply.gzip]);
  } catch (error) {
    markProgress(request.id, -1);
    parentPort!.postMessage({ id: request.id, error: error instanceof Error ? error.stack ?? error.message : String(error) } satisfies AnalysisReply);
  }
});
