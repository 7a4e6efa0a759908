// What an (ip, at) index on send_events costs the relay's writes and gives a listing's blame.
//
//   npm run bench:blame-index -- --url postgres://postgres@127.0.0.1:5432/test [--rows 200000] [--ips 50] [--rounds 3] [--plans]
//
// On the PostgreSQL server of --url, each round creates two migrated databases, one without the
// index and one with it, and stores the same send log in both as the relay does (storeSendEvents:
// COPY and the rollups, 10,000 events per request, the API's largest), alternating which goes
// first; then a bare COPY of the same rows into send_events alone, where the index is the larger
// part of the work. The log spans eventRetentionDays (35), the IPs and senders drawn at random.
// Then, on the last round's databases, the blame query of a listing (senderCountsOnIps, its SQL
// captured as the product sends it) for one IP and for all of them at once (a listed range), under
// EXPLAIN (ANALYZE, BUFFERS): the plan, and the median execution time over --queries runs.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { seededRandom } from '../demo/senders';
import { openDatabase, type Db } from '../src/db/client';
import * as schema from '../src/db/schema';
import { storeSendEvents, type SendEventInput } from '../src/db/send-events';
import { senderCountsOnIps } from '../src/db/steering-queries';
import { ipBlamingReasons } from '../src/steering/blame';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    rows: { type: 'string', default: '200000' },
    ips: { type: 'string', default: '50' },
    senders: { type: 'string', default: '500' },
    rounds: { type: 'string', default: '3' },
    queries: { type: 'string', default: '20' },
    plans: { type: 'boolean', default: false },
  },
});
if (!values.url) throw new Error('--url postgres://... names the server to create the bench databases on');
const serverUrl = values.url;
const rowCount = Number(values.rows);
const ipCount = Number(values.ips);
const senderCount = Number(values.senders);
const rounds = Number(values.rounds);
const queryRuns = Number(values.queries);
const requestSize = 10_000;
const retentionDays = 35;
const indexSql = 'create index if not exists send_events_ip_at_idx on send_events (ip, at)';
const end = new Date(Date.UTC(2026, 2, 1));
const ips = Array.from({ length: ipCount }, (_, index) => `198.51.${100 + Math.floor(index / 250)}.${(index % 250) + 1}`);

/** The send log in time order, as the relay reports it; a few senders send most of the mail. */
function sendLog(): SendEventInput[] {
  const random = seededRandom(7);
  const spanMs = retentionDays * 86_400_000;
  return Array.from({ length: rowCount }, (_, index) => {
    const sender = `sender${Math.floor(senderCount * random() ** 2)}@shop${index % 40}.example`;
    return {
      messageId: `<${index}.bench@relay.example>`,
      recipientKey: `rcpt${index}@mail${index % 97}.example`,
      sender,
      senderDomain: sender.split('@')[1]!,
      recipientDomain: `mail${index % 97}.example`,
      ip: ips[Math.floor(random() * ipCount)]!,
      at: new Date(end.getTime() - spanMs + Math.floor((index / rowCount) * spanMs)),
      outcome: 'delivered' as const,
    };
  });
}

interface BenchDatabase {
  name: string;
  client: postgres.Sql;
  db: Db;
  drop(): Promise<void>;
}

async function createDatabase(withIndex: boolean): Promise<BenchDatabase> {
  const name = `warden_bench_${withIndex ? 'ipat' : 'plain'}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const migrated = await openDatabase({ url: url.toString() });
  await migrated.migrate();
  await migrated.close();
  const client = postgres(url.toString(), { max: 2, onnotice: () => {} });
  await client.unsafe(withIndex ? indexSql : 'drop index if exists send_events_ip_at_idx');
  return {
    name,
    client,
    db: drizzle({ client, schema }) as unknown as Db,
    async drop() {
      await client.end({ timeout: 5 });
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

/** Seconds to store the log as the relay's requests do. */
async function storeAsRelay(target: BenchDatabase, log: SendEventInput[]): Promise<number> {
  const started = performance.now();
  for (let start = 0; start < log.length; start += requestSize) await storeSendEvents(target.db, log.slice(start, start + requestSize));
  return (performance.now() - started) / 1000;
}

/** Seconds to COPY the log into an emptied send_events alone (no rollups). */
async function bareCopy(target: BenchDatabase, log: SendEventInput[]): Promise<number> {
  await target.client.unsafe('truncate send_events');
  const lines = log.map((e) => [e.messageId, e.recipientKey, e.sender, e.senderDomain, e.recipientDomain, e.ip, e.at.toISOString(), e.outcome].join('\t')).join('\n') + '\n';
  const started = performance.now();
  await target.client.begin(async (sql) => {
    const stream = await sql.unsafe('copy send_events (message_id, recipient_key, sender, sender_domain, recipient_domain, ip, at, outcome) from stdin').writable();
    await new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
      stream.end(lines);
    });
  });
  return (performance.now() - started) / 1000;
}

/** The SQL and parameters senderCountsOnIps sends, captured from drizzle's query log. */
async function blameStatement(client: postgres.Sql, listed: readonly string[], windowHours: number): Promise<{ query: string; params: unknown[] }> {
  let captured: { query: string; params: unknown[] } | undefined;
  const logged = drizzle({ client, schema, logger: { logQuery: (query, params) => (captured = { query, params }) } }) as unknown as Db;
  await senderCountsOnIps(logged, listed, new Date(end.getTime() - windowHours * 3_600_000), end, ipBlamingReasons);
  return captured!;
}

const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)]!;

async function explainBlame(target: BenchDatabase, label: string, listed: readonly string[]): Promise<void> {
  const { query, params } = await blameStatement(target.client, listed, 24);
  const plans: string[][] = [];
  for (let run = 0; run < queryRuns; run++) {
    const rows = await target.client.unsafe(`explain (analyze, buffers) ${query}`, params as postgres.ParameterOrJSON<never>[]);
    plans.push(rows.map((row) => String(row['QUERY PLAN'])));
  }
  const executionMs = plans.map((plan) => Number(/Execution Time: ([\d.]+) ms/.exec(plan.at(-1)!)?.[1]));
  const scans = plans[0]!.filter((line) => /send_events/.test(line)).map((line) => line.trim());
  console.log(`  ${label}: median execution ${median(executionMs).toFixed(2)} ms (min ${Math.min(...executionMs).toFixed(2)}, max ${Math.max(...executionMs).toFixed(2)}) over ${queryRuns} runs`);
  for (const line of scans) console.log(`    ${line}`);
  if (values.plans) console.log(plans.at(-1)!.map((line) => `      ${line}`).join('\n'));
}

const log = sendLog();
console.log(`send log: ${rowCount} events over ${ipCount} IPs and up to ${senderCount} senders, ${retentionDays} days`);
const timings = { plain: { relay: [] as number[], copy: [] as number[] }, ipat: { relay: [] as number[], copy: [] as number[] } };
let last: { plain: BenchDatabase; ipat: BenchDatabase } | undefined;
for (let round = 0; round < rounds; round++) {
  await last?.plain.drop();
  await last?.ipat.drop();
  const pair = { plain: await createDatabase(false), ipat: await createDatabase(true) };
  const order = round % 2 === 0 ? (['plain', 'ipat'] as const) : (['ipat', 'plain'] as const);
  for (const kind of order) timings[kind].relay.push(await storeAsRelay(pair[kind], log));
  for (const kind of order) timings[kind].copy.push(await bareCopy(pair[kind], log));
  // The relay's path again, so the query below reads what it wrote (and the rollups it keeps).
  for (const kind of order) {
    await pair[kind].client.unsafe('truncate send_events');
    await storeAsRelay(pair[kind], log);
  }
  last = pair;
}
for (const kind of ['plain', 'ipat'] as const) {
  const label = kind === 'plain' ? 'without (ip, at)' : 'with (ip, at)   ';
  const relay = median(timings[kind].relay);
  const copy = median(timings[kind].copy);
  console.log(`${label}: storeSendEvents ${relay.toFixed(2)} s (${Math.round(rowCount / relay)} events/s), bare COPY ${copy.toFixed(2)} s (${Math.round(rowCount / copy)} rows/s); median of ${rounds}: relay ${timings[kind].relay.map((s) => s.toFixed(2)).join(', ')}; copy ${timings[kind].copy.map((s) => s.toFixed(2)).join(', ')}`);
}
for (const kind of ['plain', 'ipat'] as const) {
  const target = last![kind];
  await target.client.unsafe('vacuum analyze send_events');
  const size = await target.client.unsafe(`select pg_size_pretty(pg_relation_size('send_events')) as heap, pg_size_pretty(pg_indexes_size('send_events')) as indexes`);
  console.log(`blame query ${kind === 'plain' ? 'without' : 'with'} (ip, at), 24 h window at the end of the log (send_events heap ${size[0]!.heap}, indexes ${size[0]!.indexes}):`);
  await explainBlame(target, 'one listed IP', [ips[0]!]);
  await explainBlame(target, `${ipCount} IPs listed at once`, ips);
}
await last?.plain.drop();
await last?.ipat.drop();
