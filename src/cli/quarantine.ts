// `warden quarantine list|show|retry`: the messages ingestion could not turn into facts.
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { getQuarantined, listQuarantine } from '../db/ingest-queries';
import { retryQuarantined } from '../ingest/retry';
import { createLogger } from '../logger';
import type { WardenConfig } from '../config/schema';
import type { Db } from '../db/client';
import { withMigratedDatabase, type CliCommand, type CliContext } from './command';

const usage = `Usage: warden quarantine list [--all] [--limit <n>] [--json]
       warden quarantine show <id> [--raw] [--json]
       warden quarantine retry <id>... | --all

list   open entries (every entry with --all): id, reason code, where the message came from, size
show   one entry with its reason and the message's headers (the whole message with --raw);
       --json prints it as JSON, the message text in "message"
retry  analyze the stored message again; an entry that now yields facts is stored and resolved
       (--all retries every open entry). Exits 1 when an entry stays in quarantine.`;

interface QuarantineOptions {
  all: boolean;
  json: boolean;
  raw: boolean;
  limit: string;
}

/** What is wrong with the verb and its ids, or undefined when the command line can run. */
function problemWith(verb: string | undefined, ids: string[], values: QuarantineOptions): string | undefined {
  const numericIds = ids.map(Number);
  if (verb === 'list') return ids.length > 0 ? 'list takes no id' : !/^\d+$/.test(values.limit) ? '--limit takes a whole number' : undefined;
  if (verb === 'show') return ids.length !== 1 || !(numericIds[0]! > 0) ? 'show takes one numeric id' : undefined;
  if (verb === 'retry') {
    if (values.all === ids.length > 0) return 'retry takes ids or --all';
    return numericIds.every((id) => Number.isInteger(id) && id > 0) ? undefined : 'ids are whole numbers';
  }
  return verb ? `unknown verb ${verb}` : 'expected list, show or retry';
}

const whereFrom = (entry: { source: string; folder: string; uid: number | null }) => `${entry.source}${entry.folder ? `/${entry.folder}` : ''}${entry.uid ? ` uid ${entry.uid}` : ''}`;

async function listEntries(db: Db, values: QuarantineOptions, ctx: CliContext): Promise<number> {
  const rows = await listQuarantine(db, { status: values.all ? undefined : 'open', limit: Number(values.limit) });
  if (values.json) {
    ctx.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    ctx.stdout(values.all ? 'quarantine is empty\n' : 'no open quarantine entries\n');
    return 0;
  }
  const table = rows.map((row) => [String(row.id), row.status, row.reasonCode, whereFrom(row), `${row.size}${row.headersOnly ? ' (headers kept)' : ''}`, row.quarantinedAt.toISOString()]);
  ctx.stdout(formatTable(['ID', 'STATUS', 'REASON', 'FROM', 'BYTES', 'QUARANTINED'], table));
  return 0;
}

async function showEntry(db: Db, id: number, values: QuarantineOptions, ctx: CliContext): Promise<number> {
  const entry = await getQuarantined(db, id);
  if (!entry) {
    ctx.stderr(`warden quarantine: no entry ${id}\n`);
    return 1;
  }
  const raw = entry.rawGzip ? gunzipSync(entry.rawGzip).toString('latin1') : '';
  const shown = values.raw ? raw : raw.split(/\r?\n\r?\n/, 1)[0]!;
  if (values.json) {
    const { rawGzip: _rawGzip, ...fields } = entry;
    ctx.stdout(`${JSON.stringify({ ...fields, message: raw ? shown : null }, null, 2)}\n`);
    return 0;
  }
  ctx.stdout(
    [
      `id:          ${entry.id} (${entry.status}, ${entry.retries} retries)`,
      `reason:      ${entry.reasonCode}: ${entry.reason}`,
      `from:        ${whereFrom(entry)}`,
      `size:        ${entry.size} bytes${entry.headersOnly ? ' (over the limit: headers kept)' : ''}`,
      `quarantined: ${entry.quarantinedAt.toISOString()}`,
      `sha256:      ${entry.contentHash}`,
      '',
      raw ? shown : '(raw message no longer kept)',
      '',
    ].join('\n'),
  );
  return 0;
}

/** Exits 1 when an entry stays in quarantine. */
async function retryEntries(db: Db, config: WardenConfig, ids: number[], all: boolean, ctx: CliContext): Promise<number> {
  const targets = all ? (await listQuarantine(db, { status: 'open', limit: 100_000 })).map((row) => row.id) : ids;
  const logger = createLogger('warn', process.stderr as never);
  let left = 0;
  for (const id of targets) {
    const outcome = await retryQuarantined({ db, config, logger, now: new Date() }, id);
    if (!outcome.resolved) left++;
    ctx.stdout(outcome.resolved ? `${id}: resolved, ${outcome.facts} fact(s) stored\n` : `${id}: still quarantined: ${outcome.reasonCode}: ${outcome.reason}\n`);
  }
  return left === 0 ? 0 : 1;
}

export const quarantineCommand: CliCommand = {
  name: 'quarantine',
  usage,
  async run(args, ctx) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        options: { all: { type: 'boolean', default: false }, json: { type: 'boolean', default: false }, raw: { type: 'boolean', default: false }, limit: { type: 'string', default: '100' } },
      });
    } catch (error) {
      ctx.stderr(`warden quarantine: ${(error as Error).message}\n${usage}\n`);
      return 2;
    }
    const [verb, ...ids] = parsed.positionals;
    const { values } = parsed;
    const problem = problemWith(verb, ids, values);
    if (problem) {
      ctx.stderr(`warden quarantine: ${problem}\n${usage}\n`);
      return 2;
    }
    return withMigratedDatabase(ctx, async (database, config) => {
      if (verb === 'list') return listEntries(database.db, values, ctx);
      if (verb === 'show') return showEntry(database.db, Number(ids[0]), values, ctx);
      return retryEntries(database.db, config, ids.map(Number), values.all, ctx);
    });
  },
};

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}
