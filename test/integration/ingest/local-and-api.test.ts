// The local Maildir/mbox source through the same pipeline, the complaints/bounces/quarantine API
// and `warden quarantine`, on an in-memory database (no mail server needed).
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allJobs } from '../../../src/jobs';
import { createApp } from '../../../src/api/app';
import type { CliContext } from '../../../src/cli/command';
import { quarantineCommand } from '../../../src/cli/quarantine';
import { wardenConfigSchema } from '../../../src/config/schema';
import { openDatabase, queryRows, type Database } from '../../../src/db/client';
import { ingestMailboxes } from '../../../src/ingest/run';
import { resolveJobs } from '../../../src/scheduler/scheduler';
import { json } from '../../support/http';

const fixtures = fileURLToPath(new URL('../../fixtures/mail/', import.meta.url));
const logger = pino({ level: 'silent' });
const opsToken = 'ops-token-0123456789abcdef01';
const relayToken = 'relay-token-0123456789abcdef0';

describe('local mail stores, the mail API and warden quarantine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-local-'));
  const maildir = join(dir, 'fbl');
  const mbox = join(dir, 'fbl.mbox');
  const names = readdirSync(fixtures).filter((name) => name.endsWith('.eml')).sort();
  const config = wardenConfigSchema.parse({
    database: { dataDir: join(dir, 'data') },
    auth: { tokens: [{ name: 'ops', token: opsToken, scopes: ['ops'] }, { name: 'relay', token: relayToken, scopes: ['relay'] }] },
    mailboxes: { local: [{ name: 'fbl-maildir', path: maildir, format: 'maildir' }] },
  });
  let database: Database;

  beforeAll(async () => {
    mkdirSync(join(maildir, 'new'), { recursive: true });
    mkdirSync(join(maildir, 'cur'), { recursive: true });
    names.forEach((name, index) => copyFileSync(join(fixtures, name), join(maildir, index % 2 ? 'cur' : 'new', `${1700000000 + index}.M${index}.host:2,S`)));
    writeFileSync(join(maildir, 'new', '1700009999.Mjunk.host'), 'Subject: lunch?\n\nnot a bounce at all\n');
    database = await openDatabase({ dataDir: config.database.dataDir });
    await database.migrate();
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const count = async (query: ReturnType<typeof sql>) => Number((await queryRows<{ n: string }>(database.db, query))[0]!.n);
  const ingest = (local = config.mailboxes.local) => ingestMailboxes({ db: database.db, config: { ...config, mailboxes: { ...config.mailboxes, local } }, logger, now: new Date('2026-11-25T12:00:00Z') });

  it('reads a Maildir once; a second pass and the same messages in an mbox add nothing', async () => {
    const first = await ingest();
    expect(first.failures).toEqual([]);
    expect(first.fetched).toBe(names.length + 1);
    expect(first.quarantined).toBeGreaterThanOrEqual(1);
    expect(first.stored + first.quarantined).toBe(names.length + 1);
    expect((await ingest()).fetched).toBe(0);

    // The same messages delivered to an mbox are recognised by their content.
    const mboxText = names.map((name) => `From MAILER-DAEMON Wed Nov 25 10:00:00 2026\n${readFileSync(join(fixtures, name), 'latin1').replace(/\r\n/g, '\n').replace(/^(>*From )/gm, '>$1')}`);
    writeFileSync(mbox, Buffer.from(mboxText.join('\n'), 'latin1'));
    const fromMbox = await ingest([{ name: 'fbl-mbox', path: mbox, format: 'mbox', holds: 'auto' }]);
    expect(fromMbox.failures).toEqual([]);
    expect(fromMbox.fetched).toBe(names.length);
    expect(fromMbox.stored).toBe(0);
  });

  it('records a missing local store as a failed run with a reason', async () => {
    const summary = await ingest([{ name: 'gone', path: join(dir, 'nowhere'), format: 'mbox', holds: 'auto' }]);
    expect(summary.failures).toMatchObject([{ source: 'local:gone', code: 'E_LOCAL_READ' }]);
    expect(await count(sql`select count(*) as n from events where type = 'mailbox.failing'`)).toBe(1);
  });

  it('serves complaints and bounces with filters and cursor pagination (ops scope)', async () => {
    const app = createApp({ database, config, logger, jobs: resolveJobs(allJobs, config.jobs) });
    const get = (path: string, token = opsToken) => app.request(path, { headers: { authorization: `Bearer ${token}` } });
    expect((await get('/api/v1/bounces', relayToken)).status).toBe(403);

    const bounces = await json(await get('/api/v1/bounces?limit=500'));
    const total = await count(sql`select count(*) as n from mail_facts where kind = 'bounce'`);
    expect(bounces.items).toHaveLength(total);
    expect(bounces.items.every((fact: { kind: string }) => fact.kind === 'bounce')).toBe(true);

    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Array<{ id: number }>; nextCursor: string | null } = await json(await get(`/api/v1/bounces?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);

    const complaints = await json(await get('/api/v1/complaints'));
    expect(complaints.items.length).toBeGreaterThan(0);
    const domain = complaints.items.find((fact: { senderDomain: string | null }) => fact.senderDomain)?.senderDomain;
    if (domain) {
      const filtered = await json(await get(`/api/v1/complaints?domain=${domain}`));
      expect(filtered.items.every((fact: { senderDomain: string }) => fact.senderDomain === domain)).toBe(true);
    }
    expect((await json(await get('/api/v1/complaints?to=2000-01-01T00:00:00Z'))).items).toEqual([]);
    const badCursor = await get('/api/v1/complaints?cursor=bm9wZQ');
    expect(badCursor.status).toBe(400);
    expect((await json(badCursor)).error.code).toBe('E_VALIDATION');

    const quarantine = await json(await get('/api/v1/quarantine'));
    expect(quarantine.items.map((item: { reasonCode: string }) => item.reasonCode)).toContain('E_INGEST_NO_FACTS');
  });

  it('lists, shows and retries quarantined messages from the command line', async () => {
    const out: string[] = [];
    const ctx: CliContext = { stdout: (text) => out.push(text), stderr: (text) => out.push(text), loadConfig: async () => config, env: {} };
    const [entry] = await queryRows<{ id: number; message_id: number }>(database.db, sql`select id, message_id from quarantine where reason_code = 'E_INGEST_NO_FACTS' order by id limit 1`);
    // The CLI opens the embedded database itself: this process lets go of it meanwhile.
    await database.close();
    try {
      expect(await quarantineCommand.run(['list'], ctx)).toBe(0);
      expect(out.join('')).toMatch(new RegExp(`^${entry!.id}\\s+open\\s+E_INGEST_NO_FACTS`, 'm'));
      out.length = 0;
      expect(await quarantineCommand.run(['show', String(entry!.id)], ctx)).toBe(0);
      expect(out.join('')).toContain('Subject: lunch?');
      out.length = 0;
      expect(await quarantineCommand.run(['retry', String(entry!.id)], ctx)).toBe(1);
      expect(out.join('')).toContain('still quarantined: E_INGEST_NO_FACTS');
    } finally {
      database = await openDatabase({ dataDir: config.database.dataDir });
    }

    // A message the analyzer now reads (here: its stored bytes replaced by a readable report).
    const readable = gzipSync(readFileSync(join(fixtures, 'dsn-postfix-userunknown.eml')));
    await database.db.execute(sql`update ingested_messages set raw_gzip = ${readable} where id = ${entry!.message_id}`);
    await database.close();
    try {
      out.length = 0;
      expect(await quarantineCommand.run(['retry', String(entry!.id)], ctx)).toBe(0);
      expect(out.join('')).toMatch(/resolved, \d+ fact\(s\) stored/);
      expect(await quarantineCommand.run(['retry', 'x'], ctx)).toBe(2);
    } finally {
      database = await openDatabase({ dataDir: config.database.dataDir });
    }
    expect(await count(sql`select count(*) as n from quarantine where status = 'resolved'`)).toBe(1);
  });
});
