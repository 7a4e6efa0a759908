// Send events intake and the senders/domains API, through the app factory on PGlite.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allJobs } from '../../../src/jobs';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { recordFacts } from '../../../src/enforcement/facts';
import { evaluateReputation } from '../../../src/enforcement/evaluation';
import { resolveJobs } from '../../../src/scheduler/scheduler';
import { testEngines } from '../../support/engines';
import { json } from '../../support/http';

const opsToken = 'ops-token-0123456789abcdef01';
const relayToken = 'relay-token-0123456789abcdef0';
const config = wardenConfigSchema.parse({
  auth: { tokens: [{ name: 'ops', token: opsToken, scopes: ['ops'] }, { name: 'postfix', token: relayToken, scopes: ['relay'] }] },
});
const now = new Date('2026-11-20T12:30:00Z');

const event = (sender: string, i: number, extra: Record<string, unknown> = {}) => ({
  messageId: `<${sender}.${i}@relay.example>`,
  recipient: `user${i}@gmail.example`,
  sender,
  senderDomain: 'customers.example',
  recipientDomain: 'gmail.example',
  ip: '192.0.2.10',
  at: '2026-11-20T11:00:00Z',
  ...extra,
});

describe('send events and senders API', () => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    database = await testEngines()[0]!.open();
    app = createApp({ database, config, logger: pino({ level: 'silent' }), jobs: resolveJobs(allJobs, {}), clock: () => now });
  });
  afterAll(() => database.close());

  const post = (body: string, token = relayToken, type = 'application/json') =>
    app.request('/api/v1/events', { method: 'POST', body, headers: { authorization: `Bearer ${token}`, 'content-type': type } });
  const get = (path: string, token = opsToken) => app.request(path, { headers: { authorization: `Bearer ${token}` } });

  it('stores good rows, reports bad rows by index, and stores a retry once', async () => {
    const rows = [event('mallory', 0), { ...event('mallory', 1), ip: '300.1.1.1' }, event('mallory', 2), { sender: 'x' }];
    const first = await json(post(JSON.stringify(rows)));
    expect(first).toMatchObject({ received: 4, stored: 2, duplicates: 0 });
    expect(first.rejected.map((r: { index: number }) => r.index)).toEqual([1, 3]);
    expect(first.rejected[0]).toMatchObject({ code: 'E_VALIDATION', message: expect.stringContaining('ip: expected an IPv4 or IPv6 address') });
    const retry = await json(post(JSON.stringify(rows)));
    expect(retry).toMatchObject({ stored: 0, duplicates: 2 });
  });

  it('accepts NDJSON and names a line that is not JSON', async () => {
    const body = [event('mallory', 10), event('mallory', 11)].map((r) => JSON.stringify(r)).join('\n') + '\n{oops\n';
    const result = await json(post(body, relayToken, 'application/x-ndjson'));
    expect(result).toMatchObject({ received: 3, stored: 2, rejected: [{ index: 2, code: 'E_NOT_JSON', message: 'line 3 is not JSON' }] });
  });

  it('refuses more than 10,000 events in one request with 413', async () => {
    const rows = Array.from({ length: 10_001 }, (_, i) => event('bulk', i));
    const response = await post(JSON.stringify(rows));
    expect(response.status).toBe(413);
    expect((await json(response)).error.code).toBe('E_TOO_LARGE');
  });

  it('refuses a body that is not JSON with 400', async () => {
    const response = await post('this is not json', relayToken, 'application/json');
    expect(response.status).toBe(400);
    expect((await json(response)).error.message).toMatch(/^body is not JSON/);
  });

  it('lets a relay token post events but not read senders', async () => {
    expect((await get('/api/v1/senders', relayToken)).status).toBe(403);
  });

  it('lists senders by complaint rate and shows one with its rates, complaints and audit log', async () => {
    const rows = [
      ...Array.from({ length: 996 }, (_, i) => event('mallory', 100 + i)),
      ...Array.from({ length: 1000 }, (_, i) => event('alice', i)),
    ];
    await post(JSON.stringify(rows));
    await recordFacts(
      database.db,
      Array.from({ length: 10 }, (_, i) => ({
        dedupKey: `c${i}`,
        kind: 'complaint' as const,
        feedbackType: 'abuse',
        originalMessageId: `<mallory.${100 + i}@relay.example>`,
        recipient: `user${100 + i}@gmail.example`,
        subject: 'Cheap watches',
        source: 'test',
        occurredAt: new Date('2026-11-20T11:30:00Z'),
      })),
    );
    await evaluateReputation(database.db, config.reputation, now);
    const list = await json(get('/api/v1/senders?sort=complaintRate'));
    expect(list.items.map((s: { id: string }) => s.id)).toEqual(['mallory', 'alice']);
    expect(list.items[0]).toMatchObject({ sent24h: 1000, complaints24h: 10, policy: { action: 'suspend', source: 'automatic' } });
    const suspended = await json(get('/api/v1/senders?action=suspend'));
    expect(suspended.items.map((s: { id: string }) => s.id)).toEqual(['mallory']);

    const detail = await json(get('/api/v1/senders/mallory'));
    expect(detail.rates['24h']).toMatchObject({ sent: 1000, complaints: 10, complaintRate: { rate: 0.01 } });
    expect(detail.rates['24h'].complaintRate.lower).toBeGreaterThan(0.005);
    expect(detail.recentComplaints).toHaveLength(10);
    expect(detail.recentComplaints[0]).toMatchObject({ sender: 'mallory', subject: 'Cheap watches' });
    expect(detail.hourly).toContainEqual(expect.objectContaining({ sent: 1000, complaints: 10 }));
    expect(detail.audit[0]).toMatchObject({ source: 'automatic', toAction: 'suspend' });
    expect((await get('/api/v1/senders/nobody')).status).toBe(404);
  });

  it('sets a manual override that wins, records who set it, and clears it', async () => {
    const set = await app.request('/api/v1/senders/mallory/override', {
      method: 'POST',
      headers: { authorization: `Bearer ${opsToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'throttle', reason: 'customer cleaned the list', forHours: 24, limitPerHour: 20 }),
    });
    expect(set.status).toBe(200);
    expect((await json(set)).policy).toMatchObject({ action: 'throttle', source: 'manual', limitPerHour: 20, until: '2026-11-21T12:30:00.000Z' });
    const cleared = await json(app.request('/api/v1/senders/mallory/override?reason=list%20not%20clean', { method: 'DELETE', headers: { authorization: `Bearer ${opsToken}` } }));
    expect(cleared.policy).toMatchObject({ action: 'suspend', source: 'automatic' });
    const audit = (await json(get('/api/v1/senders/mallory'))).audit;
    expect(audit.slice(0, 2).map((a: { actor: string; reason: string }) => [a.actor, a.reason])).toEqual([
      ['ops', 'list not clean'],
      ['ops', 'customer cleaned the list'],
    ]);
  });

  it('rejects an override with an unknown action, naming the field', async () => {
    const response = await app.request('/api/v1/senders/alice/override', {
      method: 'POST',
      headers: { authorization: `Bearer ${opsToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'ban', reason: 'nope' }),
    });
    expect(response.status).toBe(400);
    expect((await json(response)).error.message).toContain('action');
  });

  it('shows sender domains with their rates', async () => {
    const domains = await json(get('/api/v1/domains?sort=volume'));
    expect(domains.items[0]).toMatchObject({ id: 'customers.example', sent24h: 2000 });
  });
});
