// Suppression from what mailbox ingestion reads, on both storage engines: a complaint and a
// recipient-caused hard bounce suppress, a block of our IP never does, a full mailbox only after
// bounces over days; a report read again does nothing anew; and no plain suppressed address is
// left in any text column or kept raw report.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database, Db } from '../../../src/db/client';
import { sql } from 'drizzle-orm';
import { queryRows } from '../../../src/db/client';
import { entriesOfRecipient } from '../../../src/db/suppression-queries';
import { importEntries, removeEntry, suppressionOf } from '../../../src/enforcement/suppression';
import { ingestMailboxes } from '../../../src/ingest/run';
import { forgottenMarker, suppressedMarker } from '../../../src/suppression/redaction';
import { forgetAddress } from '../../../src/enforcement/suppression-traces';
import { testEngines } from '../../support/engines';
import { findInDatabase } from '../../support/plain-text-scan';
import { arfComplaint, blocked, blockedForAll, mailboxFull, userUnknown } from '../../support/suppression-mail';

const logger = pino({ level: 'silent' });

/** Whether the details of the facts naming `recipient` hold every one of `texts`. */
async function factDetailsNaming(db: Db, recipient: string, texts: string[]): Promise<boolean> {
  const rows = await queryRows<{ details: string }>(db, sql`select details::text as details from mail_facts where recipient = ${recipient}`);
  return rows.length > 0 && rows.every((row) => texts.every((text) => row.details.includes(text)));
}
const key = 'suppression-key-for-tests-0123456789abcdef';

describe.each(testEngines())('suppression from ingested reports ($name)', (engine) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-suppression-'));
  const maildir = join(dir, 'fbl');
  const config = wardenConfigSchema.parse({
    mailboxes: { local: [{ name: 'fbl', path: maildir, format: 'maildir' }] },
    suppression: { key },
  });
  const suppression = () => suppressionOf(database.db, config.suppression)!;
  let database: Database;
  let file = 0;
  const deliver = (...messages: Buffer[]) => {
    for (const message of messages) writeFileSync(join(maildir, 'new', `${1700000000 + ++file}.M${file}.host`), message);
  };
  const ingest = (now: string) => ingestMailboxes({ db: database.db, config, logger, now: new Date(now) });
  const entriesOf = async (address: string) => entriesOfRecipient(database.db, suppression().keyer.hash(address)!);

  const uBounce = userUnknown({ recipient: 'u@example.net', at: '2026-04-02T09:00:00Z' });

  beforeAll(async () => {
    mkdirSync(join(maildir, 'new'), { recursive: true });
    mkdirSync(join(maildir, 'cur'), { recursive: true });
    database = await engine.open();
    deliver(
      // Written in capitals and with an internationalised domain: the same recipients as below.
      arfComplaint({ recipient: 'R@Example.NET', at: '2026-04-01T10:00:00Z' }),
      arfComplaint({ recipient: 'hidden@isp.example', at: '2026-04-01T10:05:00Z' }, true),
      arfComplaint({ recipient: 'lee@bücher.example', at: '2026-04-01T10:06:00Z' }),
      uBounce,
      blocked({ recipient: 'b@example.net', at: '2026-04-02T09:30:00Z' }),
      // Full on two days: not yet given up on.
      mailboxFull({ recipient: 'm@example.net', at: '2026-04-01T08:00:00Z' }),
      mailboxFull({ recipient: 'm@example.net', at: '2026-04-02T08:00:00Z' }),
      // Three times in one morning: a vacation, not an abandoned mailbox.
      mailboxFull({ recipient: 'v@example.net', at: '2026-04-03T08:00:00Z' }),
      mailboxFull({ recipient: 'v@example.net', at: '2026-04-03T09:00:00Z' }),
      mailboxFull({ recipient: 'v@example.net', at: '2026-04-03T10:00:00Z' }),
    );
    const summary = await ingest('2026-04-05T12:00:00Z');
    expect(summary.failures).toEqual([]);
    expect(summary.stored).toBe(10);
  });
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('suppresses the recipient of a complaint relay-wide, until removed, whatever its case or IDN form', async () => {
    const [entry] = await entriesOf('r@example.net');
    expect(entry).toMatchObject({ scope: 'relay', scopeId: '', reason: 'complaint', source: 'mailbox', expiresAt: null, removedAt: null });
    expect(await entriesOf('LEE@xn--bcher-kva.example')).toHaveLength(1);
  });

  it('suppresses a userunknown hard bounce for 30 days from the bounce, and never a bounce blaming our IP', async () => {
    const [entry] = await entriesOf('u@example.net');
    expect(entry).toMatchObject({ reason: 'hardBounce', scope: 'relay' });
    expect(entry!.expiresAt!.toISOString()).toBe('2026-05-02T09:00:00.000Z');
    expect(await entriesOf('b@example.net')).toEqual([]);
  });

  it('suppresses nobody for a redacted complaint', async () => {
    expect(await entriesOf('redacted@isp.example')).toEqual([]);
    expect(await entriesOf('hidden@isp.example')).toEqual([]);
  });

  it('gives up on a full mailbox only at the third bounce, days after the first', async () => {
    expect(await entriesOf('m@example.net')).toEqual([]);
    expect(await entriesOf('v@example.net')).toEqual([]);
    deliver(mailboxFull({ recipient: 'm@example.net', at: '2026-04-04T08:00:00Z' }));
    await ingest('2026-04-05T13:00:00Z');
    const [entry] = await entriesOf('m@example.net');
    expect(entry).toMatchObject({ reason: 'mailboxFull', scope: 'relay' });
    expect(await entriesOf('v@example.net')).toEqual([]);
  });

  it('does not suppress again on a report read again after ops removed the entry; a new bounce does', async () => {
    const [entry] = await entriesOf('u@example.net');
    await removeEntry(suppression(), entry!.id, 'ops', 'address fixed by the customer', new Date('2026-04-05T14:00:00Z'));
    // The same report delivered again, under another file name.
    deliver(uBounce);
    const again = await ingest('2026-04-05T15:00:00Z');
    expect(again.duplicates).toBe(1);
    expect((await entriesOf('u@example.net'))[0]!.removedAt?.toISOString()).toBe('2026-04-05T14:00:00.000Z');
    // A bounce of another message to it suppresses again.
    deliver(userUnknown({ recipient: 'u@example.net', at: '2026-04-05T09:00:00Z' }));
    await ingest('2026-04-05T16:00:00Z');
    const [renewed] = await entriesOf('u@example.net');
    expect(renewed).toMatchObject({ removedAt: null, reason: 'hardBounce' });
    expect(renewed!.updatedAt.toISOString()).toBe('2026-04-05T16:00:00.000Z');
  });

  it('catches up on complaints stored while suppression was off (or whose step failed)', async () => {
    deliver(arfComplaint({ recipient: 'late@example.net', at: '2026-04-05T10:00:00Z' }));
    const { suppression: _off, ...withoutKey } = config;
    await ingestMailboxes({ db: database.db, config: withoutKey, logger, now: new Date('2026-04-05T17:00:00Z') });
    expect(await entriesOf('late@example.net')).toEqual([]);
    // The next pass, with suppression on, reads nothing new and acts on what was never sighted.
    const pass = await ingest('2026-04-05T18:00:00Z');
    expect(pass.stored).toBe(0);
    expect(await entriesOf('late@example.net')).toMatchObject([{ reason: 'complaint', scope: 'relay' }]);
  });

  it('replaces each recipient an import suppresses in a kept report naming several, and in their facts', async () => {
    // Blocked: sighted, not suppressed, until an import names them.
    deliver(blockedForAll({ recipients: ['p@example.net', 'q@example.net', 's@example.net'], at: '2026-04-05T11:00:00Z' }));
    await ingest('2026-04-05T19:00:00Z');
    const { keyer } = suppression();
    const imported = ['p@example.net', 'q@example.net'].map((address) => ({ recipientHash: keyer.hash(address)!, scope: 'relay' as const, scopeId: '', reason: 'manual' as const, source: 'import' as const, origin: 'ops', expiresAt: null }));
    expect(await importEntries(suppression(), imported, 'ops', 'CSV import of 2 rows', new Date('2026-04-05T19:30:00Z'))).toBe(2);
    const markers = imported.map((entry) => suppressedMarker(entry.recipientHash));
    const found = await findInDatabase(database.db, ['p@example.net', 'q@example.net', 's@example.net', ...markers]);
    for (const marker of markers) expect(found.get(marker), marker).toEqual(expect.arrayContaining(['mail_facts.recipient', expect.stringMatching(/^ingested_messages\.raw_gzip#/)]));
    // Nowhere, not even in the details of s's fact, which quote the returned message's To header
    // (its first address, p): there p's marker stands instead.
    expect(found.get('p@example.net')).toEqual([]);
    expect(found.get('q@example.net')).toEqual([]);
    expect(found.get('s@example.net')).toEqual(expect.arrayContaining(['mail_facts.recipient', expect.stringMatching(/^ingested_messages\.raw_gzip#/)]));
    expect(await factDetailsNaming(database.db, 's@example.net', [markers[0]!])).toBe(true);
  });

  it('forgets an address also where the fact of another recipient quotes it, that fact keeping its own recipient', async () => {
    const { keyer } = suppression();
    const pMarker = suppressedMarker(keyer.hash('p@example.net')!);
    expect(await factDetailsNaming(database.db, 's@example.net', [pMarker])).toBe(true);
    const outcome = await forgetAddress(database.db, keyer, 'p@example.net', 'ops', 'erasure request', new Date('2026-04-05T20:00:00Z'));
    expect(outcome).toMatchObject({ recipientHash: keyer.hash('p@example.net') });
    const found = await findInDatabase(database.db, ['p@example.net', pMarker]);
    expect(found.get('p@example.net')).toEqual([]);
    expect(found.get(pMarker)).toEqual([]);
    expect(await factDetailsNaming(database.db, 's@example.net', [forgottenMarker])).toBe(true);
  });

  it('leaves no plain suppressed address in any text column or kept raw report', async () => {
    const suppressed = ['r@example.net', 'u@example.net', 'm@example.net', 'lee@bücher.example', 'lee@xn--bcher-kva.example', 'late@example.net'];
    // Not suppressed: still stored as the report gave them, which also shows the scan finds what is there.
    const kept = ['b@example.net', 'v@example.net'];
    const found = await findInDatabase(database.db, [...suppressed, ...kept]);
    for (const address of suppressed) expect(found.get(address), address).toEqual([]);
    for (const address of kept) expect(found.get(address), address).toEqual(expect.arrayContaining(['mail_facts.recipient']));
    expect(found.get('b@example.net')!.some((place) => place.startsWith('ingested_messages.raw_gzip'))).toBe(true);
  });
});
