// `warden analyze <file-or-dir>... [--format ndjson|table]`: reads mbox files and prints their facts.
// Files are read a chunk at a time while worker threads (one per core but one) analyze the chunks already
// read; the lines come out in input order as each chunk is done (or as soon as it is, unordered).
import { parseArgs } from 'node:util';
import pino from 'pino';
import type { Fact } from '../analysis/fact';
import { AnalysisPool, defaultAnalysisBudgetMs, defaultAnalysisThreads, type MboxAnalysis } from '../ingest/analysis-pool';
import { pMapIterable } from 'p-map';
import { readFiles, type FileOutcome } from './analyze-files';
import type { CliCommand, CliContext } from './command';

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

const CHUNK_FILES = 48;
const CHUNK_BYTES = 4 * 1024 * 1024;
const PROGRESS_AFTER_MS = 2_000;

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

/** Counts and, on a terminal, a status line that the next line of stderr replaces. */
class Progress {
  files = 0;
  facts = 0;
  private readonly started = performance.now();
  private timer: NodeJS.Timeout | undefined;
  private shown = false;

  constructor(private readonly write: ((text: string) => void) | undefined) {
    if (write) this.timer = setInterval(() => this.show(), 1_000).unref();
  }

  private show() {
    const elapsedMs = performance.now() - this.started;
    if (elapsedMs < PROGRESS_AFTER_MS) return;
    this.write!(`\r\x1b[Kanalyze: ${this.files.toLocaleString('en')} files, ${this.facts.toLocaleString('en')} facts, ${Math.round(this.files / (elapsedMs / 1000)).toLocaleString('en')} files/s`);
    this.shown = true;
  }

  /** Clears the status line before other text goes to stderr. */
  clear() {
    if (this.shown) this.write!('\r\x1b[K');
    this.shown = false;
  }

  stop() {
    clearInterval(this.timer);
    this.clear();
  }
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
  const pool = new AnalysisPool({ threads: options.threads, tasks: ['mbox'], logger: pino({ level: 'warn' }, pino.destination(2)) });
  pool.warm();
  const progress = new Progress(ctx.stderrIsTTY ? ctx.stderr : undefined);
  let failed = false;
  try {
    const chunks = readFiles(options.paths, { chunkFiles: CHUNK_FILES, chunkBytes: CHUNK_BYTES });
    const analyzeChunk = async (outcomes: FileOutcome[]): Promise<ChunkDone> => {
      const files = outcomes.filter((outcome): outcome is Extract<FileOutcome, { bytes: Buffer }> => 'bytes' in outcome);
      const analyses = await pool.analyzeMboxes(files.map((file) => file.bytes));
      return { outcomes, analyses: new Map(files.map((file, index) => [file, analyses[index]!])) };
    };
    // Two chunks per thread in flight: one being analyzed, the next one queued behind it.
    for await (const done of pMapIterable(chunks, analyzeChunk, { concurrency: options.threads * 2, preserveOrder: ordered })) {
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
