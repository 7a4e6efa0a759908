// Blocklist routes through the app object `warden serve` runs, after runs stored as the job stores them.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { loadDnsblState, storeDnsblRun } from '../../../src/db/dnsbl-queries';
import { dnsblEventRow } from '../../../src/dnsbl/events';
import type { DnsblRun } from '../../../src/dnsbl/run';
import { advanceState } from '../../../src/dnsbl/state';
import type { CheckResult } from '../../../src/db/schema/dnsbl';
import { parseTarget } from '../../../src/dnsbl/targets';
import { testEngines } from '../../support/engines';
import { json } from '../../support/http';

const opsToken = 'ops-token-0123456789abcdef01';
const relayToken = 'relay-token-0123456789abcdef0';
const good = {
  id: 'good',
  name: 'Good List',
  zone: 'good.test',
  kinds: ['ipv4', 'domain'],
  codes: [{ code: '127.0.0.3', meaning: 'spam source', severity: 'critical' }],
  testPoints: { listed: ['127.0.0.2'], notListed: ['127.0.0.1'] },
  delistUrl: 'https://good.test/delist',
  usage: { access: 'free', summary: 'test zone' },
};
const config = wardenConfigSchema.parse({
  auth: {
    tokens: [
      { name: 'ops', token: opsToken, scopes: ['ops'] },
      { name: 'relay', token: relayToken, scopes: ['relay'] },
    ],
  },
  dnsbl: { customZones: [good] },
});
const logger = pino({ level: 'silent' });
const zone = config.dnsbl.customZones[0]!;

function check(value: string, listed: boolean): CheckResult {
  return {
    target: parseTarget(value),
    zoneId: 'good',
    zone: 'good.test',
    outcome: listed ? 'listed' : 'clear',
    codes: listed ? ['127.0.0.3'] : [],
    meanings: listed ? [{ code: '127.0.0.3', meaning: 'spam source', severity: 'critical' }] : [],
    severity: listed ? 'critical' : null,
    txt: [],
    explanation: null,
    durationMs: 2,
  };
}

describe('blocklist API', () => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    database = await testEngines()[0]!.open();
    app = createApp({ database, config, logger, jobs: [] });
    for (const at of ['2026-01-01T00:00:00Z', '2026-01-01T00:15:00Z']) {
      const checks = [check('192.0.2.10', true), check('192.0.2.11', false), check('example.com', true)];
      const run: DnsblRun = {
        checks,
        zoneHealth: [{ zoneId: 'good', status: 'healthy', reason: null, testPoints: [] }],
        queryCount: 5,
        durationMs: 9,
        zones: [{ definition: zone, queryZone: zone.zone }],
        targets: checks.map((entry) => entry.target),
      };
      const now = new Date(at);
      const { state, events } = advanceState({ previous: await loadDnsblState(database.db), checks, zoneHealth: run.zoneHealth, zones: [zone], confirmations: 2, now });
      await storeDnsblRun(database.db, { run, state, events: events.map(dnsblEventRow), startedAt: now, finishedAt: now, durationMs: 9 });
    }
  });
  afterAll(() => database.close());

  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  it('refuses /api/v1/ips without a token', async () => {
    const response = await app.request('/api/v1/ips');
    expect(response.status).toBe(401);
    expect((await json(response)).error.code).toBe('E_UNAUTHORIZED');
    expect((await app.request('/api/v1/ips/192.0.2.10')).status).toBe(401);
  });

  it('lists every IP’s state per zone and the zones’ health for a relay token', async () => {
    const response = await app.request('/api/v1/ips', bearer(relayToken));
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.lastRun).toMatchObject({ checks: 3, listed: 2, startedAt: '2026-01-01T00:15:00.000Z' });
    expect(body.ips.map((entry: { ip: string; listed: boolean; severity: string | null }) => [entry.ip, entry.listed, entry.severity])).toEqual([
      ['192.0.2.10', true, 'critical'],
      ['192.0.2.11', false, null],
    ]);
    expect(body.ips[0].zones).toEqual([
      expect.objectContaining({ zoneId: 'good', zoneName: 'Good List', status: 'listed', since: '2026-01-01T00:00:00.000Z', codes: ['127.0.0.3'], delistUrl: 'https://good.test/delist', pending: null }),
    ]);
    expect(body.zones).toEqual([expect.objectContaining({ zoneId: 'good', zone: 'good.test', status: 'healthy' })]);
  });

  it('answers one IP’s history with checks and state changes', async () => {
    const response = await app.request('/api/v1/ips/192.0.2.10?limit=5', bearer(opsToken));
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({ ip: '192.0.2.10', kind: 'ipv4', listed: true, severity: 'critical' });
    expect(body.checks.map((row: { at: string; outcome: string }) => [row.at, row.outcome])).toEqual([
      ['2026-01-01T00:15:00.000Z', 'listed'],
      ['2026-01-01T00:00:00.000Z', 'listed'],
    ]);
    expect(body.changes).toEqual([
      expect.objectContaining({ type: 'dnsbl.listed', severity: 'critical', at: '2026-01-01T00:15:00.000Z', summary: expect.stringContaining('https://good.test/delist') }),
    ]);
  });

  it('answers 404 for an IP never checked and 400 for what is not an IP', async () => {
    const missing = await app.request('/api/v1/ips/198.51.100.7', bearer(relayToken));
    expect(missing.status).toBe(404);
    expect((await json(missing)).error).toMatchObject({ code: 'E_NOT_FOUND', message: expect.stringContaining('198.51.100.7') });
    const invalid = await app.request('/api/v1/ips/example.com', bearer(relayToken));
    expect(invalid.status).toBe(400);
    expect((await json(invalid)).error.code).toBe('E_VALIDATION');
  });

  it('lists domain listings under /dnsbl/domains, not among the IPs', async () => {
    const response = await app.request('/api/v1/dnsbl/domains', bearer(relayToken));
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.domains).toEqual([expect.objectContaining({ domain: 'example.com', listed: true })]);
  });

  it('documents the routes in /openapi.json', async () => {
    const body = await json(await app.request('/openapi.json'));
    expect(Object.keys(body.paths)).toEqual(expect.arrayContaining(['/api/v1/ips', '/api/v1/ips/{ip}', '/api/v1/dnsbl/domains']));
  });
});
