// The HTTP API through the same app object `warden serve` runs, on an in-memory database.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json } from '../../support/http';
import { allJobs } from '../../../src/jobs';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { newInstanceId, resolveJobs, Scheduler } from '../../../src/scheduler/scheduler';
import { testEngines } from '../../support/engines';

const opsToken = 'ops-token-0123456789abcdef01';
const relayToken = 'relay-token-0123456789abcdef0';
const config = wardenConfigSchema.parse({
  auth: {
    tokens: [
      { name: 'ops', token: opsToken, scopes: ['ops'] },
      { name: 'relay', token: relayToken, scopes: ['relay'] },
    ],
  },
});
const logger = pino({ level: 'silent' });

describe('HTTP API', () => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    database = await testEngines()[0]!.open();
    const jobs = resolveJobs(allJobs, config.jobs);
    const scheduler = new Scheduler(jobs, { db: database.db, config, logger }, newInstanceId());
    app = createApp({ database, config, logger, jobs, scheduler });
  });
  afterAll(() => database.close());

  const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });

  it('answers /healthz without auth', async () => {
    const response = await app.request('/healthz');
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ status: 'ok' });
  });

  it('answers /readyz with the engine and applied migrations', async () => {
    const response = await app.request('/readyz');
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body).toMatchObject({ status: 'ready', engine: 'pglite' });
    expect(body.migrations.applied).toBe(body.migrations.expected);
  });

  it('refuses /api without a token with 401 and the error shape', async () => {
    const response = await app.request('/api/v1/jobs');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('Bearer');
    const body = await json(response);
    expect(body.error).toMatchObject({ code: 'E_UNAUTHORIZED', message: expect.stringContaining('missing Authorization') });
    expect(body.error.requestId).toBe(response.headers.get('x-request-id'));
  });

  it('refuses an unknown token with 401', async () => {
    const response = await app.request('/api/v1/jobs', bearer('not-a-configured-token-at-all'));
    expect(response.status).toBe(401);
    expect((await json(response)).error.message).toBe('unknown bearer token');
  });

  it('refuses a relay-scoped token on an ops route with 403', async () => {
    const response = await app.request('/api/v1/jobs', bearer(relayToken));
    expect(response.status).toBe(403);
    expect((await json(response)).error).toMatchObject({ code: 'E_FORBIDDEN', message: 'token relay lacks the ops scope' });
  });

  it('lists jobs with their schedules for an ops token', async () => {
    const response = await app.request('/api/v1/jobs', bearer(opsToken));
    expect(response.status).toBe(200);
    const { jobs } = await json(response);
    expect(jobs).toContainEqual(expect.objectContaining({ name: 'prune-history', schedule: '17 3 * * *', enabled: true, lastRun: null }));
  });

  it('runs a job on request and shows the run in the history', async () => {
    const run = await app.request('/api/v1/jobs/prune-history/run', { method: 'POST', ...bearer(opsToken) });
    expect(run.status).toBe(200);
    const result = await json(run);
    expect(result).toMatchObject({ outcome: 'succeeded', summary: { runsDeleted: 0, firesDeleted: 0 } });
    const history = await await json(app.request('/api/v1/jobs/runs?job=prune-history', bearer(opsToken)));
    expect(history.runs[0]).toMatchObject({ id: result.runId, trigger: 'manual', outcome: 'succeeded' });
  });

  it('answers 404 with the error shape for an unknown job', async () => {
    const response = await app.request('/api/v1/jobs/no-such-job/run', { method: 'POST', ...bearer(opsToken) });
    expect(response.status).toBe(404);
    expect((await json(response)).error.code).toBe('E_NOT_FOUND');
  });

  it('answers 409 with a code, not a 500, when asked to run a job in a process without a scheduler', async () => {
    const withoutScheduler = createApp({ database, config, logger, jobs: resolveJobs(allJobs, config.jobs) });
    const response = await withoutScheduler.request('/api/v1/jobs/prune-history/run', { method: 'POST', ...bearer(opsToken) });
    expect(response.status).toBe(409);
    expect((await json(response)).error).toMatchObject({ code: 'E_SCHEDULER_NOT_RUNNING', message: 'the scheduler is not running in this process' });
  });

  it('rejects an invalid query with 400 naming the field', async () => {
    const response = await app.request('/api/v1/jobs/runs?limit=lots', bearer(opsToken));
    expect(response.status).toBe(400);
    const { error } = await json(response);
    expect(error.code).toBe('E_VALIDATION');
    expect(error.message).toContain('limit');
  });

  it('publishes an OpenAPI document of its routes', async () => {
    const document = await await json(app.request('/openapi.json'));
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/api/v1/jobs', '/api/v1/jobs/runs']));
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
  });

  it('exposes Prometheus metrics including job runs', async () => {
    const text = await (await app.request('/metrics')).text();
    expect(text).toContain('warden_job_runs_total{job="prune-history",outcome="succeeded"}');
  });
});
