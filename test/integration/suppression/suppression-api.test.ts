// The suppression API on one app and database: the relay's batch check from memory, one-click
// unsubscribe (POST with the token suppresses, a forged or altered token is refused, GET changes
// nothing), look-up, add, remove (audited), CSV export and import of hashes, send events keyed, and
// forgetting an address leaving no trace of it or its hash.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import { openDatabase, type Database } from '../../../src/db/client';
import { SuppressionSnapshot } from '../../../src/relay/suppression-snapshot';
import { AddressKeyer } from '../../../src/suppression/address';
import { mintToken, oneClickKeyPurpose, readToken } from '../../../src/suppression/one-click';
import { ingestMailboxes } from '../../../src/ingest/run';
import { json } from '../../support/http';
import { findInDatabase } from '../../support/plain-text-scan';
import { waitFor } from '../../support/poll';
import { arfComplaint } from '../../support/suppression-mail';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const logger = pino({ level: 'silent' });
const opsToken = 'ops-token-0123456789abcdef01';
const relayToken = 'relay-token-0123456789abcdef0';
const key = 'suppression-key-for-tests-0123456789abcdef';

describe('the suppression API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-suppression-api-'));
  const config = wardenConfigSchema.parse({
    auth: { tokens: [{ name: 'ops', token: opsToken, scopes: ['ops'] }, { name: 'relay', token: relayToken, scopes: ['relay'] }] },
    mailboxes: { local: [{ name: 'fbl', path: join(dir, 'fbl'), format: 'maildir' }] },
    suppression: { key, oneClick: { baseUrl: 'https://warden.example.com' } },
  });
  let database: Database;
  let snapshot: SuppressionSnapshot;
  let app: ReturnType<typeof createApp>;
  const call = (path: string, init: { method?: string; body?: unknown; token?: string; contentType?: string } = {}) =>
    app.request(path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${init.token ?? opsToken}`, 'content-type': init.contentType ?? 'application/json' },
      body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
    });
  const check = async (recipients: string[], sender = 'shop-7') =>
    json(call('/api/v1/suppressions/check', { body: { sender, recipients }, token: relayToken }));
  const lookup = async (address: string) => json(call('/api/v1/suppressions/lookup', { body: { address } }));
  const linkOf = async (recipient: string, sender = 'shop-7') => {
    const answer = await json(call('/api/v1/suppressions/unsubscribe-links', { body: { sender, recipients: [recipient] }, token: relayToken }));
    return answer.items[0] as { listUnsubscribe: string; listUnsubscribePost: string };
  };
  const pathOf = (link: string) => new URL(link.slice(1, -1)).pathname;
  const oneClick = (path: string, body = 'List-Unsubscribe=One-Click') =>
    app.request(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });

  beforeAll(async () => {
    database = await openDatabase({ dataDir: 'memory://' });
    await database.migrate();
    snapshot = new SuppressionSnapshot(database, new AddressKeyer(key), { refreshSeconds: 60, logger });
    await snapshot.start();
    app = createApp({ database, config, logger, jobs: [], suppressionSnapshot: snapshot });
  });
  afterAll(async () => {
    await snapshot?.stop();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds an address for ops, and the relay check answers it from memory among 1,000 recipients', async () => {
    const added = await call('/api/v1/suppressions', { body: { address: 'Pat@Example.org', note: 'asked by phone' } });
    expect(added.status).toBe(201);
    const recipients = Array.from({ length: 999 }, (_, index) => `person${index}@example.org`);
    recipients.splice(500, 0, 'pat@example.org');
    await waitFor(async () => (await check(recipients)).suppressed === 1, { what: 'the entry in the snapshot' });
    const answer = await check(recipients);
    expect(answer.recipients[500]).toEqual({ recipient: 'pat@example.org', suppressed: true, reason: 'manual', scope: 'relay' });
    expect(answer.recipients.filter((item: { suppressed: boolean }) => item.suppressed)).toHaveLength(1);
    expect(answer.refusal).toMatchObject({ code: '550', status: '5.7.1' });
    expect((await call('/api/v1/suppressions/check', { body: { recipients: [...recipients, 'one@too.many'] }, token: relayToken })).status).toBe(400);
  });

  it('matches a domain-scoped entry by the sender domain given, or by the domain of a sender address', async () => {
    const added = await call('/api/v1/suppressions', { body: { address: 'dee@example.org', scope: 'domain', scopeId: 'Shop.Example', note: 'no more from shop' } });
    expect(added.status).toBe(201);
    expect((await added.json()).entry).toMatchObject({ scope: 'domain', scopeId: 'shop.example' });
    const unnamed = await call('/api/v1/suppressions', { body: { address: 'dee@example.org', scope: 'sender', note: 'which sender?' } });
    expect(unnamed.status).toBe(400);
    expect((await unnamed.json()).error.code).toBe('E_VALIDATION');
    await waitFor(async () => (await check(['dee@example.org'], 'news@SHOP.example')).suppressed === 1, { what: 'the domain entry in the snapshot' });
    expect((await check(['dee@example.org'], 'news@other.example')).suppressed).toBe(0);
    expect((await check(['dee@example.org'], 'shop-7')).suppressed).toBe(0);
    const given = await json(call('/api/v1/suppressions/check', { body: { sender: 'shop-7', senderDomain: 'SHOP.EXAMPLE', recipients: ['dee@example.org'] }, token: relayToken }));
    expect(given.recipients[0]).toEqual({ recipient: 'dee@example.org', suppressed: true, reason: 'manual', scope: 'domain' });
    const links = (body: Record<string, unknown>) => call('/api/v1/suppressions/unsubscribe-links', { body: { scope: 'domain', recipients: ['eve@example.org'], ...body }, token: relayToken });
    const link = (await json(links({ sender: 'news@Shop.Example' }))).items[0].listUnsubscribe as string;
    const token = pathOf(link).split('/').pop()!;
    expect(readToken(new AddressKeyer(key).derive(oneClickKeyPurpose), token)).toEqual({ recipientHash: new AddressKeyer(key).hash('eve@example.org'), scope: 'domain', scopeId: 'shop.example' });
    const refused = await links({ sender: 'shop-7' });
    expect(refused.status).toBe(400);
    expect((await refused.json()).error.code).toBe('E_VALIDATION');
    const { entries } = await lookup('dee@example.org');
    expect((await call(`/api/v1/suppressions/${entries[0].id}/remove`, { body: { note: 'test entry' } })).status).toBe(200);
  });

  it('answers 409 E_SUPPRESSION_OFF on the relay and ops routes while suppression.key is not set', async () => {
    const offConfig = wardenConfigSchema.parse({ auth: config.auth });
    const offApp = createApp({ database, config: offConfig, logger, jobs: [] });
    const ask = (path: string, body: unknown, token: string) =>
      offApp.request(path, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const [path, body, token] of [
      ['/api/v1/suppressions/check', { recipients: ['pat@example.org'] }, relayToken],
      ['/api/v1/suppressions/unsubscribe-links', { sender: 'shop-7', recipients: ['pat@example.org'] }, relayToken],
      ['/api/v1/suppressions', { address: 'pat@example.org', note: 'off' }, opsToken],
    ] as const) {
      const answer = await ask(path, body, token);
      expect(answer.status, path).toBe(409);
      expect((await answer.json()).error, path).toMatchObject({ code: 'E_SUPPRESSION_OFF', message: 'recipient suppression is off: set suppression.key' });
    }
  });

  it('removes an entry with a reason, audited, and the relay stops refusing', async () => {
    const found = await lookup('pat@example.org');
    const removed = await call(`/api/v1/suppressions/${found.entries[0].id}/remove`, { body: { note: 'added by mistake' } });
    expect(removed.status).toBe(200);
    await waitFor(async () => (await check(['pat@example.org'])).suppressed === 0, { what: 'the removal in the snapshot' });
    const after = await lookup('pat@example.org');
    expect(after.suppressed).toBe(false);
    expect(after.audit.map((row: { action: string; note: string; actor: string }) => [row.action, row.note, row.actor])).toEqual([
      ['remove', 'added by mistake', 'ops'],
      ['add', 'asked by phone', 'ops'],
    ]);
  });

  it('one-click: GET shows a button and changes nothing; POST with the token suppresses for the sender', async () => {
    const link = await linkOf('kim@example.org');
    expect(link.listUnsubscribe).toMatch(/^<https:\/\/warden\.example\.com\/unsubscribe\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+>$/);
    expect(link.listUnsubscribePost).toBe('List-Unsubscribe=One-Click');
    const page = await app.request(pathOf(link.listUnsubscribe));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('name="List-Unsubscribe" value="One-Click"');
    expect((await lookup('kim@example.org')).entries).toEqual([]);
    const posted = await oneClick(pathOf(link.listUnsubscribe));
    expect(posted.status).toBe(200);
    const [entry] = (await lookup('kim@example.org')).entries;
    expect(entry).toMatchObject({ reason: 'unsubscribe', source: 'oneClick', scope: 'sender', scopeId: 'shop-7', active: true });
    await waitFor(async () => (await check(['kim@example.org'], 'shop-7')).suppressed === 1, { what: 'the unsubscribe in the snapshot' });
    // Unsubscribed from shop-7's mail only.
    expect((await check(['kim@example.org'], 'shop-8')).suppressed).toBe(0);
  });

  it('one-click: a forged or altered token, or a POST without List-Unsubscribe=One-Click, suppresses nothing', async () => {
    const link = pathOf((await linkOf('lou@example.org')).listUnsubscribe);
    const token = link.split('/').at(-1)!;
    const [payload, mac] = token.split('.') as [string, string];
    const otherRecipient = pathOf((await linkOf('max@example.org')).listUnsubscribe).split('/').at(-1)!.split('.')[0]!;
    const keyer = new AddressKeyer('another-key-of-at-least-32-characters!!');
    const forged = [
      `/unsubscribe/${payload}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`,
      `/unsubscribe/${otherRecipient}.${mac}`,
      `/unsubscribe/${mintToken(keyer.derive('one-click unsubscribe v1'), { recipientHash: new AddressKeyer(key).hash('lou@example.org')!, scope: 'relay', scopeId: '' })}`,
      `/unsubscribe/${payload}`,
    ];
    for (const path of forged) {
      expect((await oneClick(path)).status, path).toBe(400);
      expect((await app.request(path)).status, path).toBe(400);
    }
    expect((await oneClick(link, 'List-Unsubscribe=Maybe')).status).toBe(400);
    expect((await lookup('lou@example.org')).entries).toEqual([]);
    expect((await lookup('max@example.org')).entries).toEqual([]);
  });

  it('exports the entries in force as CSV of hashes, and imports one, reporting bad rows by line', async () => {
    const exported = await call('/api/v1/suppressions/export');
    const csv = await exported.text();
    expect(exported.headers.get('content-type')).toMatch(/^text\/csv/);
    const keyer = new AddressKeyer(key);
    expect(csv).toBe(`recipient_hash,scope,scope_id,reason,expires_at\r\n${keyer.hash('kim@example.org')},sender,shop-7,unsubscribe,\r\n`);
    expect(csv).not.toContain('@');
    const imported = await json(
      call('/api/v1/suppressions/import', {
        contentType: 'text/csv',
        body: `recipient_hash,scope,scope_id,reason,expires_at\r\n${keyer.hash('ned@example.org')},relay,,complaint,\r\nned@example.org,relay,,complaint,\r\n`,
      }),
    );
    expect(imported).toEqual({ rows: 2, imported: 1, rejected: [{ line: 3, error: expect.stringContaining('64 hex digits') }] });
    expect((await lookup('ned@example.org')).entries[0]).toMatchObject({ reason: 'complaint', source: 'import', active: true });
    const summary = await json(call('/api/v1/suppressions/summary'));
    expect(summary).toMatchObject({ enabled: true, total: 2, byReason: { unsubscribe: 1, complaint: 1 }, bySource: { oneClick: 1, import: 1 } });
  });

  it('keys the recipient of a send event, and refuses the relay token the ops routes', async () => {
    const event = { messageId: 'm-1@shop.example', recipient: 'Ola@Example.org', sender: 'shop-7', senderDomain: 'shop.example', recipientDomain: 'example.org', ip: '192.0.2.10', at: '2026-04-01T10:00:00Z' };
    expect((await call('/api/v1/events', { body: [event], token: relayToken })).status).toBe(200);
    expect((await findInDatabase(database.db, ['ola@example.org'])).get('ola@example.org')).toEqual([]);
    expect((await call('/api/v1/suppressions/lookup', { body: { address: 'ola@example.org' }, token: relayToken })).status).toBe(403);
  });

  it('forgets an address: no entry, sighting, audit hash, stored address or marker is left', async () => {
    mkdirSync(join(dir, 'fbl', 'new'), { recursive: true });
    writeFileSync(join(dir, 'fbl', 'new', '1700000001.M1.host'), arfComplaint({ recipient: 'ola@example.org', at: '2026-04-01T11:00:00Z' }));
    await ingestMailboxes({ db: database.db, config, logger, now: new Date('2026-04-02T00:00:00Z') });
    const before = await lookup('ola@example.org');
    expect(before.suppressed).toBe(true);
    const hash = before.recipientHash as string;
    // Suppressed, its address is replaced by the marker in the stored complaint.
    expect((await findInDatabase(database.db, [`suppressed:${hash}`])).get(`suppressed:${hash}`)).toEqual(expect.arrayContaining(['mail_facts.recipient']));
    const forgotten = await json(call('/api/v1/suppressions/forget', { body: { address: 'OLA@example.org', note: 'erasure request #12' } }));
    expect(forgotten).toMatchObject({ entries: 1, sightings: 1, facts: 1, messages: 1, sendEvents: 1 });
    const traces = await findInDatabase(database.db, ['ola@example.org', hash]);
    expect(traces.get('ola@example.org')).toEqual([]);
    expect(traces.get(hash)).toEqual([]);
    await waitFor(async () => (await check(['ola@example.org'])).suppressed === 0, { what: 'the forget in the snapshot' });
    expect((await lookup('ola@example.org')).entries).toEqual([]);
  });
});
