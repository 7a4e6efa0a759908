// Logging out ends the dashboard session on the server: the old cookie is refused afterwards, on
// every instance that shares the database.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allJobs } from '../../../src/jobs';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { resolveJobs } from '../../../src/scheduler/scheduler';
import { testEngines } from '../../support/engines';

const password = 'correct horse battery staple';
const origin = 'http://localhost';
const config = wardenConfigSchema.parse({ dashboard: { password, sessionSecret: 's'.repeat(32) } });

describe.each(testEngines())('logout ($name)', (engine) => {
  let database: Database;
  let instanceA: ReturnType<typeof createApp>;
  let instanceB: ReturnType<typeof createApp>;
  beforeAll(async () => {
    database = await engine.open();
    const make = () => createApp({ database, config, logger: pino({ level: 'silent' }), jobs: resolveJobs(allJobs, {}) });
    instanceA = make();
    instanceB = make();
  });
  afterAll(() => database.close());

  const logIn = async () => {
    const response = await instanceA.request('/ui/login', { method: 'POST', body: new URLSearchParams({ secret: password }), headers: { origin } });
    const value = /warden_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
    if (!value) throw new Error('login did not set a cookie');
    return `warden_session=${value}`;
  };

  it('refuses the old cookie after logout, on this instance and another', async () => {
    const cookie = await logIn();
    const other = await logIn();
    expect((await instanceB.request('/api/v1/senders', { headers: { cookie } })).status).toBe(200);

    const out = await instanceA.request('/ui/logout', { method: 'POST', headers: { cookie, origin } });
    expect(out.status).toBe(303);

    for (const instance of [instanceA, instanceB]) {
      expect((await instance.request('/ui/session', { headers: { cookie } })).status).toBe(401);
      expect((await instance.request('/api/v1/senders', { headers: { cookie } })).status).toBe(401);
      const page = await instance.request('/ui/', { headers: { cookie } });
      expect(page.status).toBe(302);
      expect(page.headers.get('location')).toBe('/ui/login');
    }
    // Another session of the same user is not affected.
    expect((await instanceB.request('/ui/session', { headers: { cookie: other } })).status).toBe(200);
  });
});
