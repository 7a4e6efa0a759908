// The policy API through the app factory: one sender's policy, and changes since a version.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allJobs } from '../../../src/jobs';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { sendEvents } from '../../../src/db/schema';
import { writeOverride } from '../../../src/db/subjects';
import { HourlyCounter } from '../../../src/relay/hourly-counter';
import { PolicySnapshot } from '../../../src/relay/policy-snapshot';
import { postfixActionFor } from '../../../src/relay/postfix-policy-server';
import { resolveJobs } from '../../../src/scheduler/scheduler';
import { testEngines } from '../../support/engines';
import { json } from '../../support/http';
import { waitFor } from '../../support/poll';

const opsToken = 'ops-token-0123456789abcdef01';
const relayToken = 'relay-token-0123456789abcdef0';
const config = wardenConfigSchema.parse({
  auth: { tokens: [{ name: 'ops', token: opsToken, scopes: ['ops'] }, { name: 'postfix', token: relayToken, scopes: ['relay'] }] },
});
const now = new Date('2026-11-20T12:30:00Z');
const logger = pino({ level: 'silent' });

describe('policy API', () => {
  let database: Database;
  let snapshot: PolicySnapshot;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    database = await testEngines()[0]!.open();
    snapshot = new PolicySnapshot(database, { throttleLimitPerHour: 100, tiers: config.tiers, campaigns: config.campaigns, refreshSeconds: 3600, logger });
    await snapshot.start();
    app = createApp({ database, config, logger, jobs: resolveJobs(allJobs, {}), clock: () => now, policySnapshot: snapshot });
  });
  afterAll(async () => {
    await snapshot.stop();
    await database.close();
  });
  const get = (path: string, headers: Record<string, string> = {}, token = relayToken) =>
    app.request(path, { headers: { authorization: `Bearer ${token}`, ...headers } });

  it('answers allow for an unknown sender, with the new tier’s limits', async () => {
    const response = await get('/api/v1/policy/senders/alice');
    expect(response.status).toBe(200);
    // A sender the relay never mentioned is new: allowed, within 50 messages an hour and 200 a day.
    expect(await response.json()).toEqual({ sender: 'alice', action: 'allow', limitPerHour: 50, limitPerDay: 200, tier: 'new', reason: 'no policy', version: 0 });
  });

  it('answers throttle with the limit, suspend, and the domain of an address-like sender', async () => {
    const until = new Date('2026-11-21T00:00:00Z');
    await writeOverride(database.db, 'sender', 'trudy', { action: 'throttle', reason: 'new', until, limitPerHour: 20, by: 'ops' }, 'ops', 'new', now);
    await writeOverride(database.db, 'domain', 'spam.example', { action: 'suspend', reason: 'snowshoe', until: null, limitPerHour: null, by: 'ops' }, 'ops', 'snowshoe', now);
    await waitFor(() => snapshot.lookup('x', 'spam.example', now).action === 'suspend', { timeoutMs: 1000, intervalMs: 10 });
    expect(await json(get('/api/v1/policy/senders/trudy'))).toMatchObject({ action: 'throttle', limitPerHour: 20, until: until.toISOString(), reason: expect.stringContaining('new') });
    expect(await json(get('/api/v1/policy/senders/bob@spam.example'))).toMatchObject({ action: 'suspend', reason: expect.stringContaining('sender domain spam.example') });
    expect(await json(get('/api/v1/policy/senders/bob?domain=spam.example'))).toMatchObject({ action: 'suspend' });
    expect(await json(get('/api/v1/policy/senders/bob?domain=shop.example'))).toMatchObject({ action: 'allow' });
  });

  it('refuses an over-long sender, an empty or over-long domain and a malformed client with 400, naming the limits', async () => {
    for (const path of [
      `/api/v1/policy/senders/${'a'.repeat(321)}`,
      '/api/v1/policy/senders/bob?domain=',
      `/api/v1/policy/senders/bob?domain=${'d'.repeat(254)}`,
      '/api/v1/policy/senders/bob?client=1',
      `/api/v1/policy/senders/bob?client=${'1'.repeat(46)}`,
    ]) {
      const response = await get(path);
      expect(response.status, path).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'E_VALIDATION', message: expect.stringContaining('at most 320 characters') } });
    }
    // The same sender within the limits, with and without a query string, is answered.
    expect((await get(`/api/v1/policy/senders/${'a'.repeat(320)}`)).status).toBe(200);
    expect((await get('/api/v1/policy/senders/bob?client=192.0.2.7&domain=shop.example')).status).toBe(200);
  });

  it('lists changes since a version, with an ETag that makes an unchanged poll a 304', async () => {
    const all = await get('/api/v1/policy');
    const body = await json(all);
    expect(body.changes.map((c: { id: string }) => c.id)).toEqual(['trudy', 'spam.example']);
    expect(body.changes[0]).toMatchObject({ kind: 'sender', action: 'throttle', limitPerHour: 20, until: '2026-11-21T00:00:00.000Z', then: { action: 'allow' } });
    const etag = all.headers.get('etag')!;
    expect((await get(`/api/v1/policy?since=${body.version}`)).status).toBe(200);
    expect(await json(get(`/api/v1/policy?since=${body.version}`))).toEqual({ version: body.version, changes: [] });
    expect((await get('/api/v1/policy', { 'if-none-match': etag })).status).toBe(304);
    await writeOverride(database.db, 'sender', 'trudy', null, 'ops', 'cleared', now);
    await waitFor(() => snapshot.version > body.version, { timeoutMs: 1000, intervalMs: 10 });
    const after = await get(`/api/v1/policy?since=${body.version}`, { 'if-none-match': etag });
    expect(after.status).toBe(200);
    expect((await json(after)).changes).toMatchObject([{ id: 'trudy', action: 'allow' }]);
  });

  it('needs a token with the relay scope (ops has every scope)', async () => {
    expect((await app.request('/api/v1/policy/senders/alice')).status).toBe(401);
    expect((await get('/api/v1/policy/senders/alice', {}, opsToken)).status).toBe(200);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const document = await json(app.request('/openapi.json'));
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/v1/policy/senders/{id}', '/api/v1/policy']));
  });
});

describe('policy API with the shared hourly counts (relays that report accepted messages)', () => {
  let database: Database;
  let snapshot: PolicySnapshot;
  let counter: HourlyCounter;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    database = await testEngines()[0]!.open();
    await writeOverride(database.db, 'sender', 'trudy@shop.example', { action: 'throttle', reason: 'new', until: null, limitPerHour: 2, by: 'ops' }, 'ops', 'new', now);
    await writeOverride(database.db, 'sender', 'mallory', { action: 'suspend', reason: 'phishing kit', until: null, limitPerHour: null, by: 'ops' }, 'ops', 'x', now);
    snapshot = new PolicySnapshot(database, { throttleLimitPerHour: 100, tiers: config.tiers, campaigns: config.campaigns, refreshSeconds: 3600, logger });
    await snapshot.start();
    counter = new HourlyCounter(database.db, { flushMs: 3_600_000, logger });
    app = createApp({ database, config, logger, jobs: resolveJobs(allJobs, {}), clock: () => now, policySnapshot: snapshot, hourlyCounter: counter });
  });
  afterAll(async () => {
    await counter.stop();
    await snapshot.stop();
    await database.close();
  });
  const get = (path: string) => app.request(path, { headers: { authorization: `Bearer ${relayToken}` } });
  const report = (sender: string, body: unknown, token: string | null = relayToken) =>
    app.request(`/api/v1/policy/senders/${encodeURIComponent(sender)}/accepted`, {
      method: 'POST',
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('counts reported messages and refuses at the limit with the Postfix policy server\'s text', async () => {
    expect(await json(get('/api/v1/policy/senders/trudy@shop.example'))).toMatchObject({ action: 'throttle', limitPerHour: 2, acceptedThisHour: 0 });
    expect((await json(get('/api/v1/policy/senders/trudy@shop.example'))).refusal).toBeUndefined();
    expect(await json(report('trudy@shop.example', {}))).toEqual({ sender: 'trudy@shop.example', acceptedThisHour: 1, acceptedToday: 1 });
    expect(await json(report('trudy@shop.example', {}))).toMatchObject({ acceptedThisHour: 2 });
    const answer = await json(get('/api/v1/policy/senders/trudy@shop.example'));
    const postfix = postfixActionFor('trudy@shop.example', snapshot.lookup('trudy@shop.example', 'shop.example', now), 2);
    expect(answer).toMatchObject({ action: 'throttle', acceptedThisHour: 2, acceptedToday: 2, refusal: { action: 'defer', status: '4.7.1' } });
    expect(postfix).toMatchObject({ kind: 'DEFER_IF_PERMIT', status: answer.refusal.status, text: answer.refusal.text });
    expect(answer.refusal.text).toBe('Sender trudy@shop.example is over its limit of 2 messages per hour; try again later');
  });

  it('refuses a suspended sender with 5.7.1, naming the rule and not the reason', async () => {
    const answer = await json(get('/api/v1/policy/senders/mallory'));
    expect(answer).toMatchObject({ action: 'suspend', refusal: { action: 'reject', status: '5.7.1', text: 'Sender mallory is suspended from sending through this relay' } });
    expect(answer.acceptedThisHour).toBeUndefined();
    expect(answer.refusal.text).not.toContain('phishing');
  });

  it('stores a reported message as a send event when it comes with one, and only counts it otherwise', async () => {
    const event = { messageId: 'm1@shop.example', senderDomain: 'Shop.example', recipientDomain: 'gmail.example', ip: '192.0.2.10', clientAddress: '192.0.2.44', saslUsername: 'alice' };
    expect((await report('alice@shop.example', { sendEvent: event })).status).toBe(200);
    expect((await report('alice@shop.example', { sendEvent: { messageId: 'm2@shop.example' } })).status).toBe(200);
    expect((await report('alice@shop.example', {})).status).toBe(200);
    await counter.flush();
    const rows = await database.db.select().from(sendEvents).orderBy(sendEvents.messageId);
    expect(rows.map((row) => [row.messageId, row.sender, row.senderDomain, row.recipientDomain, row.ip, row.clientAddress, row.saslUsername])).toEqual([
      ['m1@shop.example', 'alice@shop.example', 'shop.example', 'gmail.example', '192.0.2.10', '192.0.2.44', 'alice'],
      ['m2@shop.example', 'alice@shop.example', 'shop.example', 'unknown', 'unknown', null, null],
    ]);
    expect(await json(get('/api/v1/policy/senders/alice@shop.example'))).toMatchObject({ acceptedThisHour: 3 });
  });

  it('refuses a report without the relay scope or with a malformed send event', async () => {
    expect((await report('alice', {}, null)).status).toBe(401);
    const bad = await report('alice', { sendEvent: { messageId: 'm3', ip: 'not-an-ip' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'E_VALIDATION', message: expect.stringContaining('ip') } });
  });

  it('documents the report route in the OpenAPI document', async () => {
    const document = await json(app.request('/openapi.json'));
    expect(Object.keys(document.paths)).toContain('/api/v1/policy/senders/{id}/accepted');
    expect(document.components.schemas.SenderPolicy.properties).toHaveProperty('refusal');
  });
});
