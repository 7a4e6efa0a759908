// `warden analyze <file-or-dir>... [--format ndjson|table]`: reads mbox files and prints their facts.
// Files are read a chunk at a time while worker threads (one per core but one) analyze the chunks already
// read; the lines come out in input order as each chunk is done (or as soon as it is, unordered).
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import type { Fact } from '../analysis/fact';
import { AnalysisPool, defaultAnalysisBudgetMs, defaultAnalysisThreads, type MboxAnalysis, type PoolLogger } from '../ingest/analysis-pool';
import { readFiles, type FileOutcome } from './analyze-files';
import type { CliCommand, CliContext } from './command';
import { ProgressLine } from './progress-line';

const usage = `Usage: warden analyze <file-or-dir>... [--format ndjson|table] [--json] [--unordered] [--threads <n>]

Reads each file as an mbox (a file with no "From " line is one message); directories are walked
recursively in name order, following symlinks; only regular files are read, each once. A FIFO,
socket, device, symlink loop or directory already walked is skipped with a warning on stderr.
Prints one line per fact:
  ndjson (default)  {"file": "<path>", ...fact}; {"file", "kind": "none"} for a file with no fact;
                    {"file", "error", "code"?} for a file that could not be read or analyzed (the
                    run continues; E_ANALYSIS_BUDGET when one of its messages took over ${defaultAnalysisBudgetMs} ms to analyze and was stopped)
  table             file, kind, recipient, reason, hard, status, feedback type
--json         the same as --format ndjson
--unordered    print each file's lines as soon as they are ready, not in input order
--threads <n>  analysis threads (default: one per core but one, 1 to 4: here ${defaultAnalysisThreads()})
On a terminal, a run that lasts more than two seconds shows its progress on stderr.
Exit status: 0 when every file was read, 1 when one could not be, 2 on a usage error,
141 when the reader of the output went away (| head).
`;

type Row = { file: string } & (Partial<Fact> | { kind: 'none' } | { error: string; code?: string });

/**
 * V8 optimises a function once it has run this much bytecode: 16× its default of 67,584 bytes. A run
 * over a few thousand files ends before most optimised compiles pay back the CPU they take, on the
 * compiler's background threads, from the analysis thread: over 3,145 files on 2 cores the run took
 * 1.15 s with the default, 0.91 s at 8× and 0.89 s at 16×; over 15,725 files the three are within 2%
 * (`npm run bench:analyze`). Set before the threads start, for this one-shot command only.
 */
const OPTIMISE_AFTER_BYTECODE_BYTES = 16 * 67_584;

const CHUNK_FILES = 48;
const CHUNK_BYTES = 4 * 1024 * 1024;
/**
 * Chunks read ahead per thread. A thread takes longer to start than the reads of a few chunks, and
 * on few cores the compiler's background threads take the main thread's core at times: with two
 * chunks per thread the analysis thread waited on reads for 85 ms of a 1.2 s run over 3,145 files,
 * with four the whole run took about a tenth less (`npm run bench:analyze`). At most 16 MB a thread.
 */
const CHUNKS_AHEAD = 4;

type Format = 'ndjson' | 'table';

function tableLine(row: Row): string {
  if ('error' in row) return `${row.file}\terror\t${row.error}`;
  const fact = row as Partial<Fact> & { file: string };
  return [row.file, fact.kind ?? '', fact.recipient ?? '', fact.reason ?? '', fact.hardBounce ? 'hard' : fact.kind === 'bounce' ? 'soft' : '', fact.status ?? '', fact.feedbackType ?? ''].join('\t');
}

const rowLine = (row: Row, format: Format) => (format === 'ndjson' ? JSON.stringify(row) : tableLine(row)) + '\n';

/**
 * The lines of one file: its facts, its errors, or "none". A fact's NDJSON line is the fact's own
 * JSON with the file put first, as `JSON.stringify({ file, ...fact })` writes it.
 */
function fileLines(path: string, analysis: MboxAnalysis, format: Format): { text: string; facts: number } {
  const fileJson = JSON.stringify(path);
  let text = '';
  let facts = 0;
  for (const message of analysis) {
    if ('error' in message) {
      text += rowLine({ file: path, error: message.error.message, code: message.error.code }, format);
      continue;
    }
    for (const fact of message.facts) {
      facts += 1;
      text += format === 'ndjson' ? `{"file":${fileJson},${fact.slice(1)}\n` : rowLine({ file: path, ...(JSON.parse(fact) as Fact) }, format);
    }
  }
  return { text: text || rowLine({ file: path, kind: 'none' }, format), facts };
}

interface ChunkDone {
  outcomes: FileOutcome[];
  analyses: Map<FileOutcome, MboxAnalysis>;
}

/** The pool's warnings as pino's JSON lines on stderr, pino loaded once the threads are starting. */
function warningsToStderr(): PoolLogger {
  const logger = import('pino').then(({ default: pino }) => pino({ level: 'warn' }, pino.destination(2)));
  return { warn: (...args: Parameters<PoolLogger['warn']>) => void logger.then((pino) => pino.warn(...args)) };
}

function parse(args: string[]) {
  const parsed = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string', default: 'ndjson' },
      json: { type: 'boolean', default: false },
      unordered: { type: 'boolean', default: false },
      threads: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const { values, positionals } = parsed;
  const format = values.json ? 'ndjson' : values.format;
  const threads = values.threads === undefined ? defaultAnalysisThreads() : Number(values.threads);
  if (format !== 'ndjson' && format !== 'table') return `--format must be ndjson or table, not ${format}`;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) return '--threads takes a whole number from 1 to 64';
  if (!values.help && positionals.length === 0) return 'name at least one file or directory';
  return { format: format as Format, threads, ordered: !values.unordered, help: values.help === true, paths: positionals };
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  let options;
  try {
    options = parse(args);
  } catch (cause) {
    options = cause instanceof Error ? cause.message : String(cause);
  }
  if (typeof options === 'string') {
    ctx.stderr(`analyze: ${options}\n${usage}`);
    return 2;
  }
  if (options.help) {
    ctx.stdout(usage);
    return 0;
  }
  const { format, ordered } = options;
  if (format === 'table') ctx.stdout('file\tkind\trecipient\treason\thard\tstatus\tfeedback-type\n');
  // The threads start first: loading pino and p-map then overlaps their start-up (pino alone takes
  // 30 ms to load, a tenth of a thread's start).
  setFlagsFromString(`--interrupt-budget=${OPTIMISE_AFTER_BYTECODE_BYTES}`);
  const pool = new AnalysisPool({ threads: options.threads, tasks: ['mbox'], logger: warningsToStderr() });
  pool.warm();
  const { pMapIterable } = await import('p-map');
  const progress = new ProgressLine(ctx.stderrIsTTY ? ctx.stderr : undefined);
  let failed = false;
  try {
    const chunks = readFiles(options.paths, { chunkFiles: CHUNK_FILES, chunkBytes: CHUNK_BYTES });
    const analyzeChunk = async (outcomes: FileOutcome[]): Promise<ChunkDone> => {
      const files = outcomes.filter((outcome): outcome is Extract<FileOutcome, { bytes: Buffer }> => 'bytes' in outcome);
      const analyses = await pool.analyzeMboxes(files.map((file) => file.bytes));
      return { outcomes, analyses: new Map(files.map((file, index) => [file, analyses[index]!])) };
    };
    for await (const done of pMapIterable(chunks, analyzeChunk, { concurrency: options.threads * CHUNKS_AHEAD, preserveOrder: ordered })) {
      let lines = '';
      for (const outcome of done.outcomes) {
        if ('skipped' in outcome) {
          progress.clear();
          ctx.stderr(`analyze: skipped ${outcome.path}: ${outcome.skipped}\n`);
          continue;
        }
        progress.files += 1;
        if ('error' in outcome) {
          failed = true;
          lines += rowLine({ file: outcome.path, error: outcome.error }, format);
          continue;
        }
        const file = fileLines(outcome.path, done.analyses.get(outcome)!, format);
        progress.facts += file.facts;
        lines += file.text;
      }
      // One write per chunk, not per line.
      if (lines) ctx.stdout(lines);
    }
  } finally {
    progress.stop();
    await pool.close();
  }
  return failed ? 1 : 0;
}

const analyzeCommand: CliCommand = {
  name: 'analyze',
  usage,
  run,
};

export default analyzeCommand;
