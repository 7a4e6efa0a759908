// Mailbox ingestion against a real Dovecot: every message stored exactly once across repeated runs,
// lost connections, UIDVALIDITY changes and bad messages. Skipped with a notice without Dovecot.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestMailboxesJob } from '../../../src/jobs/ingest-mailboxes';
import { wardenConfigSchema } from '../../../src/config/schema';
import { queryRows, type Database } from '../../../src/db/client';
import { appendMessages, folderStatus, recreateFolder } from '../../../src/ingest/imap-admin';
import { ingestMailboxes } from '../../../src/ingest/run';
import { startCuttingProxy } from '../../support/cutting-proxy';
import { dovecotAvailable, startDovecot, type RunningDovecot } from '../../support/dovecot';
import { testEngines } from '../../support/engines';
import { numberedMessages } from '../../support/mail-samples';

const logger = pino({ level: 'silent' });
// PostgreSQL when available (what production runs), else PGlite.
const engine = testEngines().at(-1)!;
const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../fixtures/mail/${name}`, import.meta.url)), 'latin1').replace(/\r?\n/g, '\r\n');

type AfterProcessing = { action: 'seen' } | { action: 'delete' } | { action: 'move'; folder: string };

describe.skipIf(!dovecotAvailable())(`mailbox ingestion from Dovecot (${engine.name})`, () => {
  let dovecot: RunningDovecot;
  let database: Database;

  beforeAll(async () => {
    dovecot = await startDovecot();
  });
  afterAll(async () => {
    await dovecot?.stop();
  });

  const server = () => ({ host: dovecot.host, port: dovecot.port, tls: 'none' as const, user: dovecot.user, password: dovecot.password });
  const configFor = (folder: string, afterProcessing: AfterProcessing, extra: { port?: number; password?: string; batchSize?: number; maxMessageBytes?: number } = {}) =>
    wardenConfigSchema.parse({
      mailboxes: {
        imap: [
          {
            name: 'fbl',
            ...server(),
            port: extra.port ?? dovecot.port,
            password: extra.password ?? dovecot.password,
            folders: [{ path: folder, afterProcessing }],
            batchSize: extra.batchSize ?? 200,
            maxMessageBytes: extra.maxMessageBytes ?? 10 * 1024 * 1024,
          },
        ],
      },
    });
  const ingest = (config: ReturnType<typeof configFor>) => ingestMailboxes({ db: database.db, config, logger, now: new Date() });
  const count = async (table: string, where = sql`true`) =>
    Number((await queryRows<{ n: string }>(database.db, sql`select count(*) as n from ${sql.identifier(table)} where ${where}`))[0]!.n);

  async function withDatabase(test: () => Promise<void>) {
    database = await engine.open();
    try {
      await test();
    } finally {
      await database.close();
    }
  }

  it('stores 1,000 messages once each; the same run again stores nothing new', () =>
    withDatabase(async () => {
      const messages = numberedMessages(1000, 'thousand');
      await appendMessages(server(), 'Thousand', messages);
      const config = configFor('Thousand', { action: 'seen' });

      const first = await ingest(config);
      expect(first.failures).toEqual([]);
      expect(first.fetched).toBe(1000);
      expect(first.stored + first.quarantined).toBe(1000);
      expect(first.duplicates).toBe(0);
      // The copies differ by one header: each DSN among them counts once, each complaint per copy.
      expect(first.facts).toBeGreaterThan(0);
      expect(await count('ingested_messages')).toBe(1000);
      expect((await folderStatus(server(), 'Thousand')).unseen).toBe(0);
      const facts = await count('mail_facts');
      expect(facts).toBe(first.facts);

      const again = await ingest(config);
      expect(again).toMatchObject({ fetched: 0, stored: 0, duplicates: 0, quarantined: 0, errors: 0 });

      // Even without the checkpoint, every message is recognised by its place and its content.
      await database.db.execute(sql`delete from ingest_checkpoints`);
      const reread = await ingest(config);
      expect(reread).toMatchObject({ fetched: 1000, stored: 0, duplicates: 1000, quarantined: 0 });
      expect(await count('ingested_messages')).toBe(1000);
      expect(await count('mail_facts')).toBe(facts);
      const runs = await queryRows<{ outcome: string; fetched: number }>(database.db, sql`select outcome, fetched from ingest_runs order by id`);
      expect(runs.map((run) => [run.outcome, run.fetched])).toEqual([['succeeded', 1000], ['succeeded', 0], ['succeeded', 1000]]);
    }));

  it('completes after the server drops the connection mid-batch, with nothing lost or repeated', () =>
    withDatabase(async () => {
      const messages = numberedMessages(400, 'dropped');
      await appendMessages(server(), 'Dropped', messages);
      const proxy = await startCuttingProxy({ host: dovecot.host, port: dovecot.port });
      try {
        const config = configFor('Dropped', { action: 'move', folder: 'Dropped.done' }, { port: proxy.port, batchSize: 50 });
        const total = messages.reduce((sum, message) => sum + message.length, 0);
        proxy.cutAfter(Math.round(total * 0.45));
        const cut = await ingest(config);
        expect(proxy.cuts()).toBe(1);
        expect(cut.failures.map((failure) => failure.code)).toEqual(['E_IMAP_CONNECTION']);
        expect(cut.fetched).toBeGreaterThan(0);
        expect(cut.fetched).toBeLessThan(400);

        const resumed = await ingest(config);
        expect(resumed.failures).toEqual([]);
        expect(cut.fetched + resumed.fetched).toBe(400);
        expect(resumed.duplicates).toBe(0);
        expect(await count('ingested_messages')).toBe(400);
        expect((await folderStatus(server(), 'Dropped')).messages).toBe(0);
        expect((await folderStatus(server(), 'Dropped.done')).messages).toBe(400);
        const [failed] = await queryRows<{ outcome: string; error_code: string }>(database.db, sql`select outcome, error_code from ingest_runs order by id limit 1`);
        expect(failed).toEqual({ outcome: 'failed', error_code: 'E_IMAP_CONNECTION' });
      } finally {
        await proxy.close();
      }
    }));

  it('recognises every message after a UIDVALIDITY change (folder deleted and re-created)', () =>
    withDatabase(async () => {
      const messages = numberedMessages(150, 'validity');
      await appendMessages(server(), 'Validity', messages);
      const config = configFor('Validity', { action: 'seen' });
      const before = (await folderStatus(server(), 'Validity')).uidValidity;
      expect((await ingest(config)).fetched).toBe(150);
      const facts = await count('mail_facts');

      await recreateFolder(server(), 'Validity');
      await appendMessages(server(), 'Validity', messages);
      expect((await folderStatus(server(), 'Validity')).uidValidity).not.toBe(before);
      const after = await ingest(config);
      expect(after).toMatchObject({ fetched: 150, stored: 0, quarantined: 0, duplicates: 150 });
      expect(await count('ingested_messages')).toBe(150);
      expect(await count('mail_facts')).toBe(facts);
      const [checkpoint] = await queryRows<{ uid_validity: string }>(database.db, sql`select uid_validity from ingest_checkpoints`);
      expect(BigInt(checkpoint!.uid_validity)).toBe((await folderStatus(server(), 'Validity')).uidValidity);
    }));

  it('quarantines binary garbage, truncated MIME and oversized messages, and goes on with the folder', () =>
    withDatabase(async () => {
      const arf = fixture('arf-abuse.eml');
      const boundary = /boundary="?([^";\r\n]+)"?/i.exec(arf)![1]!;
      const firstPart = arf.indexOf(`--${boundary}`);
      const truncated = `X-Warden-Test: truncated\r\n${arf.slice(0, firstPart + boundary.length + 60)}`;
      const garbage = Buffer.concat([randomBytes(3000), Buffer.from([0, 0, 0]), randomBytes(1000)]);
      const oversized = `X-Warden-Test: oversized\r\n${fixture('dsn-postfix-userunknown.eml')}\r\n${'padding line of an oversized message\r\n'.repeat(3000)}`;
      const good = Array.from({ length: 10 }, (_, index) => `X-Warden-Test: good-${index}\r\n${fixture(index % 2 ? 'arf-abuse.eml' : 'dsn-postfix-userunknown.eml')}`);
      // Bad ones first: the good ones after them must still be stored in the same run.
      await appendMessages(server(), 'Bad', [garbage, Buffer.from(truncated, 'latin1'), Buffer.from(oversized, 'latin1'), ...good.map((text) => Buffer.from(text, 'latin1'))], 1);
      const config = configFor('Bad', { action: 'move', folder: 'Bad.done' }, { maxMessageBytes: 32 * 1024 });

      const run = await ingest(config);
      expect(run).toMatchObject({ fetched: 13, stored: 10, quarantined: 3, errors: 0 });
      const rows = await queryRows<{ reason_code: string; headers_only: boolean; uid: string }>(
        database.db,
        sql`select q.reason_code, m.headers_only, m.uid from quarantine q join ingested_messages m on m.id = q.message_id order by m.uid`,
      );
      expect(rows.map((row) => [row.reason_code, row.headers_only])).toEqual([
        ['E_INGEST_NOT_TEXT', false],
        ['E_INGEST_TRUNCATED', false],
        ['E_INGEST_OVERSIZED', true],
      ]);
      expect((await folderStatus(server(), 'Bad')).messages).toBe(0);
      expect((await folderStatus(server(), 'Bad.done')).messages).toBe(13);
      expect(await count('events', sql`type = 'quarantine.growing'`)).toBe(1);
      expect((await ingest(config)).fetched).toBe(0);
    }));

  it('fails the run with E_IMAP_AUTH on a wrong password and records why', () =>
    withDatabase(async () => {
      const config = configFor('INBOX', { action: 'seen' }, { password: 'wrong-password' });
      await expect(ingestMailboxesJob.run({ db: database.db, config, logger }, new Date())).rejects.toMatchObject({ code: 'E_IMAP_AUTH' });
      const [run] = await queryRows<{ outcome: string; error_code: string; error: string }>(database.db, sql`select outcome, error_code, error from ingest_runs`);
      expect(run).toMatchObject({ outcome: 'failed', error_code: 'E_IMAP_AUTH' });
      expect(run!.error).toMatch(/authentication failed/);
      expect(await count('events', sql`type = 'mailbox.failing'`)).toBe(1);
    }));
});
