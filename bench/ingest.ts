// `npm run bench:ingest [-- --messages N] [--batch B]`: APPENDs N messages (default 10,000, drawn
// from the reference corpus, else the fixtures) into a Dovecot on loopback, then times (a) a raw
// imapflow fetch of all of them, the ceiling, and (b) the full ingestion (analysis, attribution,
// storage in PostgreSQL with the checkpoint, post-action), and prints both rates and their ratio.
// Per-stage busy times (fetch, analyze, store, evaluate, post-action) follow the ingestion figure.
// PostgreSQL from TEST_DATABASE_URL (a throwaway database is created and dropped); PGlite without it.
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { wardenConfigSchema } from '../src/config/schema';
import { openDatabase, type Database } from '../src/db/client';
import { appendMessages, rawFetchAll } from '../src/ingest/imap-admin';
import { ingestMailboxes } from '../src/ingest/run';
import { findDovecot, startDovecot } from '../test/support/dovecot';
import { numberedMessages, sampleMessages } from '../test/support/mail-samples';
import { createTestDatabase } from '../test/support/postgres';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '10000' }, batch: { type: 'string', default: '200' } } });
const count = Math.max(1, Number.parseInt(values.messages, 10) || 10_000);
const batchSize = Math.max(1, Number.parseInt(values.batch, 10) || 200);
if (!findDovecot()) {
  console.log('bench:ingest: dovecot is not installed (apt-get install dovecot-imapd); nothing to measure.');
  process.exit(0);
}

const dovecot = await startDovecot();
const server = { host: dovecot.host, port: dovecot.port, tls: 'none' as const, user: dovecot.user, password: dovecot.password };
const serverUrl = process.env.TEST_DATABASE_URL;
const testDb = serverUrl ? await createTestDatabase(serverUrl) : undefined;
let database: Database | undefined;
try {
  console.log(`messages: ${count} from ${sampleMessages().origin}; batch ${batchSize}; database ${testDb ? 'PostgreSQL' : 'PGlite (set TEST_DATABASE_URL for PostgreSQL)'}`);
  const messages = numberedMessages(count, 'bench');
  let mark = performance.now();
  await appendMessages(server, 'INBOX', messages, 8);
  console.log(`append: ${((performance.now() - mark) / 1000).toFixed(1)} s`);

  mark = performance.now();
  const raw = await rawFetchAll(server, 'INBOX', batchSize);
  const rawSeconds = (performance.now() - mark) / 1000;
  const rawRate = raw.messages / rawSeconds;
  console.log(`(a) raw imapflow fetch: ${raw.messages} messages, ${(raw.bytes / 1e6).toFixed(1)} MB in ${rawSeconds.toFixed(2)} s = ${rawRate.toFixed(0)} msg/s`);

  database = await openDatabase(testDb ? { url: testDb.url } : { dataDir: 'memory://' });
  await database.migrate();
  const config = wardenConfigSchema.parse({
    mailboxes: { imap: [{ name: 'bench', ...server, folders: [{ path: 'INBOX', afterProcessing: { action: 'seen' } }], batchSize }] },
  });
  mark = performance.now();
  const summary = await ingestMailboxes({ db: database.db, config, logger: pino({ level: 'silent' }), now: new Date() });
  const ingestSeconds = (performance.now() - mark) / 1000;
  const ingestRate = summary.fetched / ingestSeconds;
  console.log(
    `(b) full ingestion: ${summary.fetched} messages (${summary.stored} stored, ${summary.quarantined} quarantined, ${summary.facts} facts, ${summary.errors} errors) in ${ingestSeconds.toFixed(2)} s = ${ingestRate.toFixed(0)} msg/s`,
  );
  const perMessage = (ms: number) => `${((ms / Math.max(1, summary.fetched)) * 1000).toFixed(0)} µs/msg`;
  console.log(
    `    stages (busy time; they overlap): ${Object.entries(summary.stageMs)
      .map(([stage, ms]) => `${stage} ${(ms / 1000).toFixed(2)} s (${perMessage(ms)})`)
      .join(', ')}`,
  );
  console.log(`ratio: ingestion at ${((ingestRate / rawRate) * 100).toFixed(0)}% of the raw fetch rate (target >= 50%)`);
} finally {
  await database?.close();
  await testDb?.drop();
  await dovecot.stop();
}
