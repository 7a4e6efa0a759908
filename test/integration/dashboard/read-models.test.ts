// The dashboard's read-model endpoints on seeded data, on PGlite and PostgreSQL; the senders list
// with 100,000 senders; /openapi.json still valid with them.
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allJobs } from '../../../src/jobs';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { resolveJobs } from '../../../src/scheduler/scheduler';
import { abusiveSender, relayIps, seedDashboardData } from '../../support/dashboard-seed';
import { testEngines } from '../../support/engines';
import { json } from '../../support/http';

const opsToken = 'ops-token-0123456789abcdef01';
const config = wardenConfigSchema.parse({ auth: { tokens: [{ name: 'ops', token: opsToken, scopes: ['ops'] }] } });
const now = new Date('2026-11-20T12:30:00Z');

describe.each(testEngines())('dashboard read models ($name)', (engine) => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    database = await engine.open();
    await seedDashboardData(database.db, now);
    app = createApp({ database, config, logger: pino({ level: 'silent' }), jobs: resolveJobs(allJobs, {}), clock: () => now });
  });
  afterAll(() => database.close());

  const get = (path: string) => json(app.request(path, { headers: { authorization: `Bearer ${opsToken}` } }));

  it('counts senders and domains per action in force, open quarantine and firing alerts', async () => {
    const overview = await get('/api/v1/overview');
    expect(overview.senders).toMatchObject({ suspend: 1, throttle: 0 });
    expect(overview.senders.allow + overview.senders.warn + overview.senders.suspend).toBe(41);
    expect(overview).toMatchObject({ quarantineOpen: 1, alertsFiring: 1 });
  });

  it('gives the relay’s hourly rates with every hour present, and the configured lines', async () => {
    const rates = await get('/api/v1/rates/relay?bucket=hour&count=48');
    expect(rates.points).toHaveLength(48);
    expect(rates.points.at(-1).at).toBe('2026-11-20T12:00:00.000Z');
    expect(rates.points[0].sent).toBe(0);
    const total = (name: string) => rates.points.reduce((sum: number, p: Record<string, number>) => sum + p[name]!, 0);
    expect(total('complaints')).toBe(12);
    // Blocks of our IP are counted on the IP, not as hard bounces.
    expect(total('hardBounces')).toBe(20);
    expect(total('blocked')).toBe(10);
    const busy = rates.points.find((p: { complaints: number }) => p.complaints > 0);
    expect(busy.complaintRate).toBeCloseTo(busy.complaints / busy.sent, 10);
    expect(rates.complaintRate).toEqual({ warn: 0.0005, throttle: 0.001, suspend: 0.003 });
    const daily = await get('/api/v1/rates/relay?bucket=day&count=30');
    expect(daily.points).toHaveLength(30);
    expect(daily.points.reduce((sum: number, p: { sent: number }) => sum + p.sent, 0)).toBeGreaterThan(total('sent'));
  });

  it('gives daily counts of the asked keys, zeros for a key never seen', async () => {
    const body = await get(`/api/v1/rates/daily?dimension=sender&keys=${abusiveSender}&keys=nobody&days=7`);
    expect(Object.keys(body.series)).toEqual([abusiveSender, 'nobody']);
    expect(body.series[abusiveSender]).toHaveLength(7);
    expect(body.series[abusiveSender].reduce((sum: number, p: { complaints: number }) => sum + p.complaints, 0)).toBe(12);
    expect(body.series.nobody.every((p: { sent: number }) => p.sent === 0)).toBe(true);
    const single = await get(`/api/v1/rates/daily?dimension=ip&keys=${relayIps[0]}`);
    expect(single.series[relayIps[0]!]).toHaveLength(14);
  });

  it('lists mailbox providers by volume with their block rates', async () => {
    const { providers } = await get('/api/v1/providers?limit=3');
    expect(providers).toHaveLength(3);
    expect(providers[0]['7d'].sent).toBeGreaterThanOrEqual(providers[1]['7d'].sent);
    const blocked = providers.reduce((sum: number, p: { '7d': { blocked: number } }) => sum + p['7d'].blocked, 0);
    expect(blocked).toBeGreaterThan(0);
  });

  it('summarises each mailbox source and retries a quarantined message', async () => {
    const mailboxes = await get('/api/v1/mailboxes');
    expect(mailboxes.sources.map((s: { source: string }) => s.source)).toEqual(['imap:bounces', 'imap:fbl']);
    const fbl = mailboxes.sources[1];
    expect(fbl.latest.startedAt).toBe(new Date(now.getTime() - 600_000).toISOString());
    expect(fbl.last24h).toMatchObject({ runs: 3, failed: 1 });
    expect(mailboxes.quarantineOpen).toBe(1);
    const [entry] = (await get('/api/v1/quarantine')).items;
    const retried = await app.request(`/api/v1/quarantine/${entry.id}/retry`, { method: 'POST', headers: { authorization: `Bearer ${opsToken}` } });
    expect(retried.status).toBe(200);
    expect(await json(retried)).toMatchObject({ id: entry.id, resolved: false, reasonCode: 'E_INGEST_NO_FACTS' });
    expect((await get('/api/v1/quarantine')).items[0].retries).toBe(1);
    const missing = await app.request('/api/v1/quarantine/999999/retry', { method: 'POST', headers: { authorization: `Bearer ${opsToken}` } });
    expect(missing.status).toBe(404);
  });

  it('filters senders by part of their id and reports the total', async () => {
    const page = await get('/api/v1/senders?q=STOMER-0&limit=5&sort=id&order=asc');
    expect(page.total).toBe(10);
    expect(page.items.map((s: { id: string }) => s.id)).toEqual(['customer-00', 'customer-01', 'customer-02', 'customer-03', 'customer-04']);
    expect(page.nextOffset).toBe(5);
    expect((await get('/api/v1/senders?q=customer-0&limit=5&offset=5')).nextOffset).toBeNull();
    // LIKE wildcards in the filter are plain characters.
    expect((await get('/api/v1/senders?q=%25')).total).toBe(0);
    expect((await get('/api/v1/senders?q=_')).total).toBe(0);
  });

  it('keeps /openapi.json a valid document that lists the new routes', async () => {
    const response = await app.request('/openapi.json');
    expect(response.status).toBe(200);
    const document = await json(response);
    expect(document.openapi).toBe('3.0.3');
    for (const path of ['/api/v1/overview', '/api/v1/rates/relay', '/api/v1/rates/daily', '/api/v1/providers', '/api/v1/mailboxes', '/api/v1/quarantine/{id}/retry']) {
      expect(document.paths).toHaveProperty([path]);
    }
    expect(document.paths['/api/v1/senders'].get.parameters.map((p: { name: string }) => p.name)).toContain('q');
  });
});

describe.each(testEngines())('senders list with 100,000 senders ($name)', (engine) => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    database = await engine.open();
    // Volume and rates spread so that every sort has many distinct values and some ties.
    await database.db.execute(sql`
      insert into reputation_subjects (kind, id, auto_action, sent_24h, sent_7d, sent_30d, complaints_7d, complaint_rate_7d, hard_bounce_rate_7d)
      select 'sender', 'sender-' || lpad(i::text, 6, '0'),
             case when i % 1000 = 0 then 'suspend' when i % 250 = 0 then 'throttle' else 'allow' end,
             i % 500, i % 3000, (i * 7919) % 100000, i % 7, (i % 97) / 10000.0, (i % 89) / 1000.0
      from generate_series(1, 100000) as i`);
    app = createApp({ database, config, logger: pino({ level: 'silent' }), jobs: resolveJobs(allJobs, {}), clock: () => now });
  }, 120_000);
  afterAll(() => database.close());

  const timed = async (path: string) => {
    const started = performance.now();
    const body = await json(app.request(path, { headers: { authorization: `Bearer ${opsToken}` } }));
    return { body, ms: performance.now() - started };
  };

  it('sorts and pages on the server, to the last page, fast', async () => {
    const first = await timed('/api/v1/senders?sort=volume&order=desc&limit=50');
    expect(first.body.total).toBe(100_000);
    const volumes = first.body.items.map((s: { sent30d: number }) => s.sent30d);
    expect(volumes).toEqual([...volumes].sort((a, b) => b - a));
    expect(volumes[0]).toBe(99_999);
    const last = await timed('/api/v1/senders?sort=volume&order=desc&limit=50&offset=99950');
    expect(last.body.items).toHaveLength(50);
    expect(last.body.nextOffset).toBeNull();
    expect(last.body.items.at(-1).sent30d).toBe(0);
    const byRate = await timed('/api/v1/senders?sort=complaintRate&order=desc&action=suspend&limit=50');
    expect(byRate.body.total).toBe(100);
    const filtered = await timed('/api/v1/senders?q=sender-09999&limit=50');
    expect(filtered.body.total).toBe(10);
    // Generous bounds for a loaded two-core machine; a page that reads every row would take seconds.
    for (const { ms } of [first, last, byRate, filtered]) expect(ms).toBeLessThan(3_000);
    console.info(`senders page with 100,000 senders (${engine.name}): first ${first.ms.toFixed(0)} ms, last ${last.ms.toFixed(0)} ms, by rate and action ${byRate.ms.toFixed(0)} ms, filtered ${filtered.ms.toFixed(0)} ms`);
  });
});
