// `warden analyze <file-or-dir>... [--format ndjson|table]`: reads mbox files and prints their facts.
import { readdir, stat } from 'node:fs/promises';
import { sep } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand, CliContext } from './command';
import type { Fact } from '../analysis/fact';
import { analyzeMbox } from '../analysis/analyze';
import { fileIdentityOf, readRegularFile, skipReasonOf } from '../ingest/regular-file';
import { defaultAnalysisBudgetMs } from '../ingest/analysis-pool';

const usage = `Usage: warden analyze <file-or-dir>... [--format ndjson|table]

Reads each file as an mbox (a file with no "From " line is one message); directories are walked
recursively, following symlinks; only regular files are read, each once. A FIFO, socket, device,
symlink loop or directory already walked is skipped with a warning on stderr. Prints one line per fact:
  ndjson (default)  {"file": "<path>", ...fact}; {"file", "kind": "none"} for a file with no fact;
                    {"file", "error"} for a file that could not be read (the run continues)
  table             file, kind, recipient, reason, hard, status, feedback type
Exit status: 0 when every file was read, 1 when one could not be, 2 on a usage error.
`;

type Row = { file: string } & (Partial<Fact> | { kind: 'none' } | { error: string; code?: string });

type WalkEntry = { path: string } | { path: string; error: string } | { path: string; skipped: string };

const messageOf = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause));

/**
 * Files under `path`, symlinks followed. A directory is walked once however many names reach it
 * (device and inode), so a symlink back up the tree ends instead of recursing without end.
 */
async function* filesUnder(path: string, walked = new Set<string>()): AsyncGenerator<WalkEntry> {
  let info;
  try {
    info = await stat(path);
  } catch (cause) {
    const skipped = skipReasonOf(cause);
    yield skipped ? { path, skipped } : { path, error: messageOf(cause) };
    return;
  }
  if (!info.isDirectory()) {
    yield { path };
    return;
  }
  const identity = fileIdentityOf(info);
  if (walked.has(identity)) {
    yield { path, skipped: 'a directory already walked (a symlink cycle or a second name for it)' };
    return;
  }
  walked.add(identity);
  let names: string[];
  try {
    names = (await readdir(path)).sort();
  } catch (cause) {
    yield { path, error: messageOf(cause) };
    return;
  }
  // The path as given, joined with the path below it (no normalising: "./inbox" stays "./inbox/...").
  for (const name of names) yield* filesUnder(path.endsWith(sep) ? path + name : path + sep + name, walked);
}

/** Facts of one file; a FIFO, socket, device or a file already read under another name is skipped. */
async function rowsFor(path: string, read: Map<string, string>): Promise<{ rows: Row[]; failed: boolean; skipped?: string }> {
  let file;
  try {
    file = await readRegularFile(path);
  } catch (cause) {
    return { rows: [{ file: path, error: messageOf(cause) }], failed: true };
  }
  if (file.kind === 'skipped') return { rows: [], failed: false, skipped: file.reason };
  const first = read.get(file.identity);
  if (first !== undefined) return { rows: [], failed: false, skipped: `the same file as ${first}` };
  read.set(file.identity, path);
  const rows: Row[] = [];
  const started = performance.now();
  for (const result of analyzeMbox(file.bytes)) {
    if (result.ok) for (const fact of result.facts) rows.push({ file: path, ...fact });
    else rows.push({ file: path, error: result.error.message, code: result.error.code });
  }
  // The budget past which ingestion quarantines a message: a file that takes longer is reported.
  const tookMs = Math.round(performance.now() - started);
  if (tookMs > defaultAnalysisBudgetMs) rows.push({ file: path, error: `analysis took over ${defaultAnalysisBudgetMs} ms (${tookMs} ms)`, code: 'E_ANALYSIS_BUDGET' });
  if (rows.length === 0) rows.push({ file: path, kind: 'none' });
  return { rows, failed: false };
}

function tableLine(row: Row): string {
  if ('error' in row) return `${row.file}\terror\t${row.error}`;
  const fact = row as Partial<Fact> & { file: string };
  return [row.file, fact.kind ?? '', fact.recipient ?? '', fact.reason ?? '', fact.hardBounce ? 'hard' : fact.kind === 'bounce' ? 'soft' : '', fact.status ?? '', fact.feedbackType ?? ''].join('\t');
}

async function run(args: string[], ctx: CliContext): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', default: 'ndjson' }, help: { type: 'boolean', short: 'h' } } });
  } catch (cause) {
    ctx.stderr(`analyze: ${cause instanceof Error ? cause.message : String(cause)}\n${usage}`);
    return 2;
  }
  if (parsed.values.help) {
    ctx.stdout(usage);
    return 0;
  }
  const format = parsed.values.format;
  if (format !== 'ndjson' && format !== 'table') {
    ctx.stderr(`analyze: --format must be ndjson or table, not ${format}\n`);
    return 2;
  }
  if (parsed.positionals.length === 0) {
    ctx.stderr(`analyze: name at least one file or directory\n${usage}`);
    return 2;
  }
  if (format === 'table') ctx.stdout('file\tkind\trecipient\treason\thard\tstatus\tfeedback-type\n');
  let failed = false;
  const walked = new Set<string>();
  const read = new Map<string, string>();
  for (const given of parsed.positionals) {
    for await (const entry of filesUnder(given, walked)) {
      const { rows, failed: unreadable, skipped } =
        'error' in entry
          ? { rows: [{ file: entry.path, error: entry.error }], failed: true }
          : 'skipped' in entry
            ? { rows: [], failed: false, skipped: entry.skipped }
            : await rowsFor(entry.path, read);
      failed ||= unreadable;
      if (skipped) ctx.stderr(`analyze: skipped ${entry.path}: ${skipped}\n`);
      for (const row of rows) ctx.stdout(format === 'ndjson' ? JSON.stringify(row) + '\n' : tableLine(row) + '\n');
    }
  }
  return failed ? 1 : 0;
}

const analyzeCommand: CliCommand = {
  name: 'analyze',
  usage,
  run,
};

export default analyzeCommand;
