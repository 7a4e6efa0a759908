// A CSV import naming one recipient and scope more than once, on both storage engines: a row is
// weighed against the rows before it as against a stored entry (the longer-lasting one wins, as
// README's "keeps whichever lasts longer" says); the entry's id is taken at its first row written,
// its version at its last.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { entriesAt, entriesInForce, entriesOfRecipient, entryChangesSince, recentAudit } from '../../../src/db/suppression-queries';
import { AddressKeyer } from '../../../src/suppression/address';
import { csvHeader, csvLine, type CsvEntry } from '../../../src/suppression/csv';
import { testEngines } from '../../support/engines';
import { json } from '../../support/http';

const logger = pino({ level: 'silent' });
const opsToken = 'ops-token-0123456789abcdef01';
const key = 'suppression-key-for-tests-0123456789abcdef';
const keyer = new AddressKeyer(key);
const day = 86_400_000;

describe.each(testEngines())('a CSV import with repeated rows ($name)', (engine) => {
  const config = wardenConfigSchema.parse({ auth: { tokens: [{ name: 'ops', token: opsToken, scopes: ['ops'] }] }, suppression: { key } });
  let database: Database;
  let now = new Date('2026-06-01T12:00:00Z');
  let app: ReturnType<typeof createApp>;
  const bo = keyer.hash('bo@example.org')!;
  const cy = keyer.hash('cy@example.org')!;
  const row = (recipientHash: string, scope: CsvEntry['scope'], scopeId: string, reason: CsvEntry['reason'], days: number | null): CsvEntry => ({
    recipientHash,
    scope,
    scopeId,
    reason,
    expiresAt: days === null ? null : new Date(now.getTime() + days * day),
  });
  const importCsv = (rows: CsvEntry[]) =>
    json(app.request('/api/v1/suppressions/import', { method: 'POST', headers: { authorization: `Bearer ${opsToken}`, 'content-type': 'text/csv' }, body: csvHeader + rows.map(csvLine).join('') }));
  const stored = async (recipientHash: string, scope: string) => (await entriesOfRecipient(database.db, recipientHash)).find((entry) => entry.scope === scope)!;

  beforeAll(async () => {
    database = await engine.open();
    app = createApp({ database, config, logger, jobs: [], clock: () => now });
  });
  afterAll(async () => {
    await database?.close();
  });

  it('stores the longest-lasting row of each recipient and scope, ids in order of first rows and versions of last ones written, with one audit row', async () => {
    const answer = await importCsv([
      row(bo, 'relay', '', 'hardBounce', 10),
      row(cy, 'sender', 'shop-7', 'unsubscribe', null),
      row(bo, 'domain', 'shop.example', 'complaint', null),
      // Covered by the unsubscribe above, which lasts until removed: not written.
      row(cy, 'sender', 'shop-7', 'complaint', 20),
      // Outlasts the first row for this recipient and scope: written over it.
      row(bo, 'relay', '', 'manual', 30),
      // Shorter-lived than the row before it: not written, though it comes last.
      row(bo, 'relay', '', 'manual', 5),
    ]);
    expect(answer).toEqual({ rows: 6, imported: 4, rejected: [] });
    expect(await stored(bo, 'relay')).toMatchObject({ reason: 'manual', source: 'import', origin: 'ops', expiresAt: new Date('2026-07-01T12:00:00Z'), createdAt: now, removedAt: null });
    expect(await stored(cy, 'sender')).toMatchObject({ scopeId: 'shop-7', reason: 'unsubscribe', expiresAt: null });
    expect(await stored(bo, 'domain')).toMatchObject({ scopeId: 'shop.example', reason: 'complaint', expiresAt: null });
    const keyOf = (entry: { recipientHash: string | null; scope: string }) => `${entry.recipientHash === bo ? 'bo' : 'cy'} ${entry.scope}`;
    expect((await entriesInForce(database.db, now, 0, 10)).map(keyOf)).toEqual(['bo relay', 'cy sender', 'bo domain']);
    expect((await entryChangesSince(database.db, 0, 10)).map(keyOf)).toEqual(['cy sender', 'bo domain', 'bo relay']);
    const audit = await recentAudit(database.db, 10);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor: 'ops', action: 'import', entryId: null, recipientHash: null, note: 'CSV import of 6 rows', details: { rows: 6, written: 4 } });
  });

  it('over stored entries: skips the rows a stored entry or an earlier row covers, and writes the others', async () => {
    const before = await stored(bo, 'relay');
    now = new Date('2026-06-02T12:00:00Z');
    const answer = await importCsv([
      // 45 days from now outlasts the stored entry (until July 1): written.
      row(bo, 'relay', '', 'hardBounce', 45),
      // 40 days: covered by the row above, though it outlasts the stored entry.
      row(bo, 'relay', '', 'manual', 40),
      // Covered by the stored complaint until removed.
      row(bo, 'domain', 'shop.example', 'manual', 5),
      row(cy, 'relay', '', 'complaint', null),
      row(cy, 'relay', '', 'complaint', null),
    ]);
    expect(answer).toEqual({ rows: 5, imported: 2, rejected: [] });
    expect(await stored(bo, 'relay')).toMatchObject({ id: before.id, createdAt: before.createdAt, updatedAt: now, reason: 'hardBounce', expiresAt: new Date('2026-07-17T12:00:00Z') });
    expect((await stored(bo, 'relay')).version).toBeGreaterThan(before.version);
    expect(await stored(bo, 'domain')).toMatchObject({ reason: 'complaint', expiresAt: null, updatedAt: new Date('2026-06-01T12:00:00Z') });
    expect(await entriesOfRecipient(database.db, cy)).toHaveLength(2);
    expect((await recentAudit(database.db, 10))[0]).toMatchObject({ action: 'import', note: 'CSV import of 5 rows', details: { rows: 5, written: 2 } });
  });

  it('reads the stored entries of an import naming more recipients than one statement binds (65,535)', async () => {
    const keys = Array.from({ length: 70_000 }, (_, index) => ({ recipientHash: index.toString(16).padStart(64, '0'), scope: 'relay' as const, scopeId: '' }));
    const found = await entriesAt(database.db, [...keys, { recipientHash: bo, scope: 'relay', scopeId: '' }]);
    expect([...found.values()].map((entry) => entry.reason)).toEqual(['hardBounce']);
  });
});
