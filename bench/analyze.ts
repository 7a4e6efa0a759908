// `npm run bench:analyze [-- --workers N] [--rounds R]`: emails/s over the reference corpus, in
// one warm process or across N worker threads.
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { analyzeMbox } from '../src/analysis/analyze';
import { DEFAULT_CORPUS, loadCorpus } from './corpus';

interface Job {
  files: Uint8Array[];
  rounds: number;
}

function analyzeAll(files: Uint8Array[], rounds: number): number {
  let facts = 0;
  for (let round = 0; round < rounds; round += 1) {
    for (const bytes of files) for (const result of analyzeMbox(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))) if (result.ok) facts += result.facts.length;
  }
  return facts;
}

if (!isMainThread) {
  const { files, rounds } = workerData as Job;
  analyzeAll(files, 1); // warm-up
  parentPort!.postMessage('ready');
  parentPort!.once('message', () => {
    analyzeAll(files, rounds);
    parentPort!.postMessage('done');
  });
} else {
  const { values } = parseArgs({ options: { workers: { type: 'string', default: '0' }, rounds: { type: 'string', default: '5' } } });
  const workers = Math.max(0, Number.parseInt(values.workers, 10) || 0);
  const rounds = Math.max(1, Number.parseInt(values.rounds, 10) || 5);
  const corpus = loadCorpus();
  if (!corpus) {
    console.log(`bench:analyze: ${DEFAULT_CORPUS} not found; nothing to measure.`);
    process.exit(0);
  }
  const files = [...corpus.files.values()];
  if (workers === 0) {
    analyzeAll(files, 2);
    const started = performance.now();
    analyzeAll(files, rounds);
    const seconds = (performance.now() - started) / 1000;
    console.log(`emails/s (1 process, warm, ${rounds} rounds of ${files.length}): ${((files.length * rounds) / seconds).toFixed(0)}`);
  } else {
    // Each worker analyzes the whole corpus `rounds` times; the clock starts once all are warm.
    // tsx's loader is registered inside each worker (a bare `--import tsx` in execArgv does not
    // reach worker threads on every Node 20 release).
    const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); });`;
    const pool = Array.from({ length: workers }, () => new Worker(bootstrap, { eval: true, workerData: { files, rounds } satisfies Job }));
    await Promise.all(pool.map((worker) => new Promise<void>((resolve) => worker.once('message', () => resolve()))));
    const started = performance.now();
    const done = pool.map((worker) => new Promise<void>((resolve) => worker.once('message', () => resolve())));
    for (const worker of pool) worker.postMessage('go');
    await Promise.all(done);
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(pool.map((worker) => worker.terminate()));
    console.log(`emails/s (${workers} worker threads on ${availableParallelism()} cores, ${rounds} rounds of ${files.length} each): ${((files.length * rounds * workers) / seconds).toFixed(0)}`);
  }
}
