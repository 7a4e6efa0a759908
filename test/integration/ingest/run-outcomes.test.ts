// A source's run when the database, not the mailbox, fails: the failure names storage, and the next
// good run closes the mailbox incident — on both engines.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { routeOutbox } from '../../../src/alerts/outbox-router';
import { wardenConfigSchema } from '../../../src/config/schema';
import { queryRows, type Database } from '../../../src/db/client';
import { ingestMailboxes } from '../../../src/ingest/run';
import { testEngines } from '../../support/engines';

const fixtures = fileURLToPath(new URL('../../fixtures/mail/', import.meta.url));
const logger = pino({ level: 'silent' });
const t0 = new Date('2026-11-25T12:00:00Z');

describe.each(testEngines())('ingestion run outcomes on $name', (engine) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-outcomes-'));
  const maildir = join(dir, 'fbl');
  const config = wardenConfigSchema.parse({
    mailboxes: { local: [{ name: 'fbl', path: maildir, format: 'maildir' }] },
    webhooks: { destinations: [{ name: 'oncall', url: 'http://127.0.0.1:9/hook', minSeverity: 'info' }], groupWaitSeconds: 0 },
  });
  let database: Database;

  beforeEach(async () => {
    mkdirSync(join(maildir, 'new'), { recursive: true });
    mkdirSync(join(maildir, 'cur'), { recursive: true });
    const names = readdirSync(fixtures).filter((name) => name.endsWith('.eml')).sort().slice(0, 4);
    names.forEach((name, index) => copyFileSync(join(fixtures, name), join(maildir, 'new', `${1700000000 + index}.M${index}.host`)));
    database = await engine.open();
  });
  afterEach(async () => {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const ingest = (minutes: number) => ingestMailboxes({ db: database.db, config, logger, now: new Date(t0.getTime() + minutes * 60_000) });
  const alertStates = async () => queryRows<{ dedup_key: string; state: string }>(database.db, sql`select dedup_key, state from alerts where kind = 'failing' order by id`);

  it('labels a batch the database refused as a storage failure, not a mailbox one, and resolves the incident on the next good run', async () => {
    await database.db.execute(sql`alter table mail_facts rename to mail_facts_moved`);
    const failed = await ingest(0);
    expect(failed.failures).toEqual([expect.objectContaining({ source: 'local:fbl', code: 'E_INGEST_STORE', message: expect.stringMatching(/^storing a batch failed: .*mail_facts/) })]);
    expect(failed.stored).toBe(0);
    await routeOutbox(database.db, config.webhooks, new Date(t0.getTime() + 60_000));
    expect(await alertStates()).toEqual([{ dedup_key: 'mailbox:failing:mailbox:local:fbl', state: 'firing' }]);

    await database.db.execute(sql`alter table mail_facts_moved rename to mail_facts`);
    const recovered = await ingest(5);
    expect(recovered.failures).toEqual([]);
    expect(recovered.stored).toBeGreaterThan(0);
    const events = await queryRows<{ type: string }>(database.db, sql`select type from events where subject = 'mailbox:local:fbl' order by id`);
    expect(events.map((event) => event.type)).toEqual(['mailbox.failing', 'mailbox.recovered']);
    await routeOutbox(database.db, config.webhooks, new Date(t0.getTime() + 6 * 60_000));
    expect(await alertStates()).toEqual([{ dedup_key: 'mailbox:failing:mailbox:local:fbl', state: 'resolved' }]);

    // A source that keeps working raises nothing more.
    await ingest(10);
    expect(await queryRows(database.db, sql`select 1 from events where subject = 'mailbox:local:fbl'`)).toHaveLength(2);
  });
});
