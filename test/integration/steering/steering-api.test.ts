// The steering API on both engines: usable IPs and the sender's, ops draining an IP and restoring
// it (each change an event and an audit row naming the operator), and steering off.
import { eq } from 'drizzle-orm';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { recentEvents } from '../../../src/db/events';
import { policyAudit } from '../../../src/db/schema';
import { testEngines } from '../../support/engines';

const logger = pino({ level: 'silent' });
const opsToken = 'ops-token-0123456789abcdef01';
const relayToken = 'relay-token-0123456789abcdef0';
const tokens = [
  { name: 'alice-ops', token: opsToken, scopes: ['ops'] },
  { name: 'relay', token: relayToken, scopes: ['relay'] },
];
const steeringOn = {
  auth: { tokens },
  relay: { ips: ['192.0.2.10', '192.0.2.11'] },
  steering: {
    enabled: true,
    ips: [
      { ip: '192.0.2.10', transport: 'out-a' },
      { ip: '192.0.2.11', transport: 'out-b', weight: 3 },
    ],
  },
};
const senders = Array.from({ length: 20 }, (_, index) => `s${index}@shop.example`);

describe.each(testEngines())('steering API on $name', (engine) => {
  let database: Database;
  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.close());

  const client = (settings: object) => {
    const app = createApp({ database, config: wardenConfigSchema.parse(settings), logger, jobs: [] });
    return (path: string, init: RequestInit & { token?: string } = {}) =>
      app.request(`/api/v1${path}`, { ...init, headers: { authorization: `Bearer ${init.token ?? relayToken}`, 'content-type': 'application/json' } });
  };

  it('answers both IPs usable and a sticky choice per sender', async () => {
    const request = client(steeringOn);
    const chosen = new Map<string, string>();
    for (const sender of senders) {
      const body = await (await request(`/ips/usable?sender=${sender}`)).json();
      expect(body).toMatchObject({ enabled: true, usable: ['192.0.2.10', '192.0.2.11'], exhausted: false });
      chosen.set(sender, body.chosen.ip);
      expect((await (await request(`/ips/usable?sender=${sender}`)).json()).chosen.ip).toBe(body.chosen.ip);
    }
    expect(new Set(chosen.values())).toEqual(new Set(['192.0.2.10', '192.0.2.11']));
  });

  it('ops drain an IP: no sender gets it, with an event and an audit row; clearing the mark restores it', async () => {
    const request = client(steeringOn);
    expect((await request('/ips/192.0.2.10/draining', { method: 'PUT', body: JSON.stringify({ reason: 'maintenance' }) })).status).toBe(403);
    expect((await request('/ips/192.0.2.99/draining', { method: 'PUT', token: opsToken, body: JSON.stringify({ reason: 'x' }) })).status).toBe(404);

    const drained = await request('/ips/192.0.2.10/draining', { method: 'PUT', token: opsToken, body: JSON.stringify({ reason: 'maintenance' }) });
    expect(drained.status).toBe(200);
    const body = await drained.json();
    expect(body.usable).toEqual(['192.0.2.11']);
    expect(body.ips[0]).toMatchObject({ ip: '192.0.2.10', state: 'draining', effectiveWeight: 0, draining: { by: 'alice-ops', reason: 'maintenance' } });
    for (const sender of senders) expect((await (await request(`/ips/usable?sender=${sender}`)).json()).chosen.ip).toBe('192.0.2.11');
    const [steered] = await recentEvents(database.db, { type: 'steering.steered', limit: 1 });
    expect(steered).toMatchObject({ subject: 'ip:192.0.2.10', payload: expect.objectContaining({ cause: 'draining' }) });

    const restored = await request('/ips/192.0.2.10/draining', { method: 'DELETE', token: opsToken });
    expect((await restored.json()).usable).toEqual(['192.0.2.10', '192.0.2.11']);
    expect((await recentEvents(database.db, { type: 'steering.restored', limit: 1 }))[0]).toMatchObject({ subject: 'ip:192.0.2.10' });
    const audit = await database.db.select().from(policyAudit).where(eq(policyAudit.kind, 'ip')).orderBy(policyAudit.id);
    expect(audit.map((row) => [row.subject, row.actor, row.source, row.reason.split(':')[0]])).toEqual([
      ['192.0.2.10', 'alice-ops', 'manual', 'active → draining'],
      ['192.0.2.10', 'alice-ops', 'manual', 'draining → active'],
    ]);
  });

  it('with every IP drained, says exhausted and chooses none', async () => {
    const request = client(steeringOn);
    for (const ip of ['192.0.2.10', '192.0.2.11']) await request(`/ips/${ip}/draining`, { method: 'PUT', token: opsToken, body: JSON.stringify({ reason: 'both' }) });
    expect(await (await request('/ips/usable?sender=s1@shop.example')).json()).toMatchObject({ usable: [], exhausted: true, chosen: null });
    expect((await recentEvents(database.db, { type: 'steering.exhausted', limit: 1 }))[0]).toMatchObject({ severity: 'critical' });
  });

  it('with steering off, says so and chooses none', async () => {
    const request = client({ auth: { tokens } });
    expect(await (await request('/ips/usable?sender=s1@shop.example')).json()).toMatchObject({ enabled: false, usable: [], chosen: null, exhausted: false });
  });
});
