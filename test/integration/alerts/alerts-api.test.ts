// The alerts API and `warden alerts` through the app factory, against a real loopback receiver.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allJobs } from '../../../src/jobs';
import { deliverAlertsJob } from '../../../src/jobs/deliver-alerts';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { insertEvents } from '../../../src/db/events';
import { resolveJobs } from '../../../src/scheduler/scheduler';
import { testEngines } from '../../support/engines';
import { json } from '../../support/http';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';

const opsToken = 'ops-token-0123456789abcdef01';
const relayToken = 'relay-token-0123456789abcdef0';
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const now = new Date('2026-11-25T10:00:00Z');
const logger = pino({ level: 'silent' });

describe('alerts API', () => {
  let database: Database;
  let receiver: WebhookReceiver;
  let app: ReturnType<typeof createApp>;
  let config: ReturnType<typeof wardenConfigSchema.parse>;
  beforeAll(async () => {
    database = await testEngines()[0]!.open();
    receiver = await startWebhookReceiver(secret, () => 500);
    config = wardenConfigSchema.parse({
      auth: { tokens: [{ name: 'ops', token: opsToken, scopes: ['ops'] }, { name: 'postfix', token: relayToken, scopes: ['relay'] }] },
      webhooks: { destinations: [{ name: 'oncall', url: receiver.url, secret, format: 'slack' }], giveUpAfterHours: 0, groupWaitSeconds: 0 },
    });
    app = createApp({ database, config, logger, jobs: resolveJobs(allJobs, {}), clock: () => now });
  });
  afterAll(async () => {
    await receiver.close();
    await database.close();
  });

  const call = (path: string, init: { method?: string; body?: unknown; token?: string } = {}) =>
    app.request(path, {
      method: init.method ?? 'GET',
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      headers: { authorization: `Bearer ${init.token ?? opsToken}`, 'content-type': 'application/json' },
    });

  it('needs the ops scope', async () => {
    const response = await call('/api/v1/alerts', { token: relayToken });
    expect(response.status).toBe(403);
    expect((await json(response)).error.code).toBe('E_FORBIDDEN');
  });

  it('sends a test alert, signed, in the destination format, and reports what the receiver answered', async () => {
    receiver.behave(() => 200);
    const body = await json(call('/api/v1/alerts/test', { method: 'POST', body: { destination: 'oncall' } }));
    expect(body).toMatchObject({ delivered: true, attempt: { httpStatus: 200 }, delivery: { kind: 'test', status: 'delivered' } });
    const [request] = receiver.accepted();
    expect(request).toMatchObject({ signatureValid: true, webhookId: body.delivery.messageId });
    expect(request!.body.text).toContain('[TEST]');
    const missing = await call('/api/v1/alerts/test', { method: 'POST', body: { destination: 'nobody' } });
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.code).toBe('E_NOT_FOUND');
  });

  it('lists firing alerts and an alert’s deliveries with attempts, and replays a dead one', async () => {
    receiver.behave(() => 500);
    await insertEvents(database.db, [{ type: 'sender.suspended', severity: 'critical', subject: 'sender:mallory', summary: 'mallory suspended', payload: null, at: now }]);
    await deliverAlertsJob.run({ db: database.db, config, logger }, now);
    const { alerts } = await json(call('/api/v1/alerts?state=firing'));
    expect(alerts).toEqual([expect.objectContaining({ dedupKey: 'reputation:suspended:sender:mallory', state: 'firing', severity: 'critical' })]);
    const detail = await json(call(`/api/v1/alerts/${alerts[0].id}/deliveries`));
    expect(detail.deliveries).toEqual([expect.objectContaining({ status: 'dead', attempts: 1, destination: 'oncall' })]);
    expect(detail.deliveries[0].attemptLog[0]).toMatchObject({ httpStatus: 500, outcome: 'failed' });
    expect(detail.deliveries[0].attemptLog[0].responseSnippet.length).toBeLessThanOrEqual(2048);

    const dead = await json(call('/api/v1/alerts/deliveries?status=dead'));
    expect(dead.deliveries.map((d: { kind: string }) => d.kind)).toEqual(['trigger']);
    receiver.behave(() => 200);
    const replayed = await json(call('/api/v1/alerts/deliveries/replay', { method: 'POST', body: { allDead: true } }));
    expect(replayed.replayed).toHaveLength(1);
    await deliverAlertsJob.run({ db: database.db, config, logger }, now);
    expect(receiver.accepted().map((r) => r.webhookId)).toContain(detail.deliveries[0].messageId);
    const again = await call('/api/v1/alerts/deliveries/replay', { method: 'POST', body: { id: detail.deliveries[0].id } });
    expect(again.status).toBe(409);
    expect((await call('/api/v1/alerts/999/deliveries')).status).toBe(404);
  });

  it('documents the routes in /openapi.json', async () => {
    const doc = await json(app.request('/openapi.json'));
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/alerts', '/api/v1/alerts/{id}/deliveries', '/api/v1/alerts/test', '/api/v1/alerts/deliveries/replay']));
  });
});
