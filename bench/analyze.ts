// `npm run bench:analyze [-- --dir <folder>] [--copies 5] [--rounds 5] [--sisimai system|<perl lib>] [--workers N] [--threads N]`:
// emails/s of `warden analyze` over a folder, as a user runs it (a child process running the
// compiled command, output to a pipe), next to the analyzer's speed in one warm process; with
// --sisimai, the reference analyzer over the same folder in the same rounds, side by side.
// Default folder: the shared corpus's LF maildir (the files Sisimai reads) copied --copies times.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { analyzeMbox } from '../src/analysis/analyze';
import { DEFAULT_CORPUS, filesUnder } from './corpus';

const root = fileURLToPath(new URL('..', import.meta.url));
const wardenBin = join(root, 'bin', 'warden.mjs');

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

/** CPU seconds of this process's reaped children (Linux: /proc/self/stat cutime + cstime, in clock ticks). */
function childrenCpuSeconds(): number | undefined {
  try {
    const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
    // Fields 16 and 17 of proc(5), counted from the state field (3): indexes 13 and 14 here.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

interface Run {
  seconds: number;
  cpuSeconds?: number;
  lines: number;
}

/** Runs a command to its end, its stdout read through a pipe and counted in lines, as `| wc -l` would. */
function timed(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const cpuBefore = childrenCpuSeconds();
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let lines = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const cpuAfter = childrenCpuSeconds();
      if (code !== 0 && code !== 1) reject(new Error(`${command} exited with ${code}: ${stderr.slice(0, 2000)}`));
      else resolve({ seconds, lines, cpuSeconds: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore });
    });
  });
}

// Sisimai reads a Maildir (every file of one directory) per call: one call per directory holding files.
const sisimaiScript = `
use strict; use File::Find; use Sisimai;
my %dirs; find({ no_chdir => 1, wanted => sub { $dirs{$File::Find::dir} = 1 if -f $_ } }, @ARGV);
for my $dir (sort keys %dirs) {
  my $facts = Sisimai->make($dir) || [];
  print $_->recipient->address, "\\n" for @$facts;
}`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const perSecond = (count: number, seconds: number) => Math.round(count / seconds).toLocaleString('en');

async function inProcess(files: Buffer[], workers: number, rounds: number): Promise<string> {
  if (workers === 0) {
    analyzeAll(files, 2);
    const started = performance.now();
    analyzeAll(files, rounds);
    const seconds = (performance.now() - started) / 1000;
    return `in-process, 1 thread, warm, ${rounds} rounds of ${files.length}: ${perSecond(files.length * rounds, seconds)} emails/s`;
  }
  // Each worker analyzes every file `rounds` times; the clock starts once all are warm. tsx's loader
  // is registered inside each worker (a bare `--import tsx` in execArgv does not reach worker
  // threads on every Node 20 release).
  const bootstrap = `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const pool = Array.from({ length: workers }, () => new Worker(bootstrap, { eval: true, workerData: { files, rounds } satisfies Job }));
  await Promise.all(pool.map((worker) => new Promise<void>((resolve) => worker.once('message', () => resolve()))));
  const started = performance.now();
  const done = pool.map((worker) => new Promise<void>((resolve) => worker.once('message', () => resolve())));
  for (const worker of pool) worker.postMessage('go');
  await Promise.all(done);
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(pool.map((worker) => worker.terminate()));
  return `in-process, ${workers} worker threads, warm, ${rounds} rounds of ${files.length} each: ${perSecond(files.length * rounds * workers, seconds)} emails/s`;
}

async function main() {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      copies: { type: 'string', default: '5' },
      rounds: { type: 'string', default: '5' },
      workers: { type: 'string', default: '0' },
      threads: { type: 'string' },
      sisimai: { type: 'string' },
    },
  });
  const rounds = Math.max(1, Number.parseInt(values.rounds, 10) || 5);
  const workers = Math.max(0, Number.parseInt(values.workers, 10) || 0);
  let folder = values.dir;
  let scratch: string | undefined;
  if (!folder) {
    const maildir = join(DEFAULT_CORPUS, 'maildir', 'bsd');
    if (!existsSync(maildir)) {
      console.log(`bench:analyze: ${maildir} not found and no --dir given; nothing to measure.`);
      return;
    }
    scratch = mkdtempSync(join(tmpdir(), 'warden-bench-analyze-'));
    const copies = Math.max(1, Number.parseInt(values.copies, 10) || 5);
    for (let copy = 1; copy <= copies; copy += 1) cpSync(maildir, join(scratch, `copy${copy}`), { recursive: true });
    folder = scratch;
  }
  try {
    const files = filesUnder(folder).map((path) => readFileSync(path));
    console.log(`folder: ${folder} (${files.length} files); ${availableParallelism()} cores; load average ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
    console.log(await inProcess(files, workers, rounds));
    if (!existsSync(join(root, 'dist', 'src', 'cli', 'process.js'))) {
      console.log('whole process: dist/ is missing; run `npm run build` first');
      return;
    }
    const sisimaiArgs = values.sisimai === undefined ? undefined : [...(values.sisimai === 'system' ? [] : ['-I', values.sisimai]), '-e', sisimaiScript, folder];
    const warden: Run[] = [];
    const sisimai: Run[] = [];
    // Interleaved, so that both see the same machine (other load comes and goes).
    for (let round = 0; round < rounds; round += 1) {
      warden.push(await timed(process.execPath, [wardenBin, 'analyze', ...(values.threads ? ['--threads', values.threads] : []), folder]));
      if (sisimaiArgs) sisimai.push(await timed('perl', sisimaiArgs));
    }
    const report = (name: string, runs: Run[]) => {
      const seconds = median(runs.map((run) => run.seconds));
      const cpu = runs.every((run) => run.cpuSeconds !== undefined) ? `, CPU ${median(runs.map((run) => run.cpuSeconds!)).toFixed(2)} s` : '';
      console.log(`${name}: ${perSecond(files.length, seconds)} emails/s (median of ${runs.length}: ${seconds.toFixed(2)} s wall${cpu}; ${runs[0]!.lines} lines out)`);
      return seconds;
    };
    const wardenSeconds = report(`whole process, warden analyze${values.threads ? ` --threads ${values.threads}` : ''} (compiled, child process)`, warden);
    if (sisimaiArgs) {
      const version = await new Promise<string>((resolve) => {
        const child = spawn('perl', [...sisimaiArgs.slice(0, -3), '-MSisimai', '-e', 'print $Sisimai::VERSION']);
        let out = '';
        child.stdout.on('data', (chunk) => (out += chunk));
        child.on('close', () => resolve(out.trim() || 'unknown'));
      });
      const sisimaiSeconds = report(`whole process, Sisimai ${version} (perl, Sisimai->make per directory)`, sisimai);
      const ratios = warden.map((run, index) => sisimai[index]!.seconds / run.seconds);
      console.log(`warden / Sisimai: ${(sisimaiSeconds / wardenSeconds).toFixed(2)}x (per round: ${ratios.map((ratio) => ratio.toFixed(2)).join(', ')})`);
    }
    console.log(`load average after: ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
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
  await main();
}
