// `npm run bench:ingest [-- --messages N] [--batch B] [--threads T] [--rounds R]`: APPENDs N messages
// (default 10,000, drawn from the reference corpus, else the fixtures) into a Dovecot on loopback,
// then times (a) a raw imapflow fetch of all of them, the ceiling, and (b) the full ingestion
// (analysis, attribution, storage in PostgreSQL with the checkpoint, post-action) into an empty
// database, and prints both rates, their ratio, the time each stage was in flight and the load average.
// With R rounds, (a) and (b) alternate R times over the same mailbox: on a shared machine the load
// moves, and a ratio is only fair between neighbouring measurements.
// PostgreSQL from TEST_DATABASE_URL (a throwaway database is created and dropped); PGlite without it.
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { wardenConfigSchema } from '../src/config/schema';
import { openDatabase } from '../src/db/client';
import { defaultAnalysisThreads } from '../src/ingest/analysis-pool';
import { appendMessages, rawFetchAll } from '../src/ingest/imap-admin';
import { ingestMailboxes } from '../src/ingest/run';
import { findDovecot, startDovecot } from '../test/support/dovecot';
import { numberedMessages, sampleMessages } from '../test/support/mail-samples';
import { createTestDatabase } from '../test/support/postgres';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '10000' }, batch: { type: 'string', default: '200' }, threads: { type: 'string' }, rounds: { type: 'string', default: '1' } } });
const count = Math.max(1, Number.parseInt(values.messages, 10) || 10_000);
const batchSize = Math.max(1, Number.parseInt(values.batch, 10) || 200);
const rounds = Math.max(1, Number.parseInt(values.rounds, 10) || 1);
const analysisThreads = values.threads === undefined ? undefined : Math.max(1, Number.parseInt(values.threads, 10) || 1);
if (!findDovecot()) {
  console.log('bench:ingest: dovecot is not installed (apt-get install dovecot-imapd); nothing to measure.');
  process.exit(0);
}

const dovecot = await startDovecot();
const server = { host: dovecot.host, port: dovecot.port, tls: 'none' as const, user: dovecot.user, password: dovecot.password };
const serverUrl = process.env.TEST_DATABASE_URL;
const config = wardenConfigSchema.parse({
  mailboxes: { imap: [{ name: 'bench', ...server, folders: [{ path: 'INBOX', afterProcessing: { action: 'seen' } }], batchSize }], analysisThreads },
});
const cpuMicros = (usage: NodeJS.CpuUsage) => usage.user + usage.system;
const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');

/** One full ingestion of the folder into an empty database (so every message is new again). */
async function ingestOnce() {
  const testDb = serverUrl ? await createTestDatabase(serverUrl) : undefined;
  const database = await openDatabase(testDb ? { url: testDb.url } : { dataDir: 'memory://' });
  try {
    await database.migrate();
    const mark = performance.now();
    const cpu = process.cpuUsage();
    const summary = await ingestMailboxes({ db: database.db, config, logger: pino({ level: 'silent' }), now: new Date() });
    return { summary, seconds: (performance.now() - mark) / 1000, cpu: process.cpuUsage(cpu) };
  } finally {
    await database.close();
    await testDb?.drop();
  }
}

try {
  console.log(
    `messages: ${count} from ${sampleMessages().origin}; batch ${batchSize}; analysis threads ${analysisThreads ?? `${defaultAnalysisThreads()} (default)`}; ` +
      `${availableParallelism()} cores; database ${serverUrl ? 'PostgreSQL' : 'PGlite (set TEST_DATABASE_URL for PostgreSQL)'}`,
  );
  const messages = numberedMessages(count, 'bench');
  const mark = performance.now();
  await appendMessages(server, 'INBOX', messages, 8);
  console.log(`append: ${((performance.now() - mark) / 1000).toFixed(1)} s`);

  const ratios: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    if (rounds > 1) console.log(`round ${round} of ${rounds}`);
    const rawMark = performance.now();
    const rawCpu = process.cpuUsage();
    const raw = await rawFetchAll(server, 'INBOX', batchSize);
    const rawSeconds = (performance.now() - rawMark) / 1000;
    const rawCpuUs = cpuMicros(process.cpuUsage(rawCpu));
    const rawRate = raw.messages / rawSeconds;
    console.log(`(a) raw imapflow fetch: ${raw.messages} messages, ${(raw.bytes / 1e6).toFixed(1)} MB in ${rawSeconds.toFixed(2)} s = ${rawRate.toFixed(0)} msg/s; this process ${(rawCpuUs / raw.messages).toFixed(0)} µs CPU/msg (load ${load()})`);

    const { summary, seconds, cpu } = await ingestOnce();
    const ingestRate = summary.fetched / seconds;
    console.log(
      `(b) full ingestion: ${summary.fetched} messages (${summary.stored} stored, ${summary.quarantined} quarantined, ${summary.facts} facts, ${summary.errors} errors) ` +
        `in ${seconds.toFixed(2)} s = ${ingestRate.toFixed(0)} msg/s; this process ${(cpuMicros(cpu) / summary.fetched).toFixed(0)} µs CPU/msg (load ${load()})`,
    );
    const perMessage = (ms: number) => `${((ms / Math.max(1, summary.fetched)) * 1000).toFixed(0)} µs/msg`;
    console.log(
      `    stages (time in flight, waits included; they overlap): ${Object.entries(summary.stageMs)
        .map(([stage, ms]) => `${stage} ${(ms / 1000).toFixed(2)} s (${perMessage(ms)})`)
        .join(', ')}`,
    );
    ratios.push(ingestRate / rawRate);
    console.log(`ratio: ingestion at ${((ingestRate / rawRate) * 100).toFixed(0)}% of the raw fetch rate (target >= 50%)`);
  }
  if (rounds > 1) console.log(`ratios: ${ratios.map((ratio) => `${(ratio * 100).toFixed(0)}%`).join(', ')}`);
} finally {
  await dovecot.stop();
}
