// Behind a reverse proxy: the login throttle and the request log key on the client X-Forwarded-For
// names, but only when the socket's peer is one of server.trustedProxies. A real HTTP server on
// loopback: the peer of every request here is 127.0.0.1, as it is for a proxy on the same host.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allJobs } from '../../../src/jobs';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { resolveJobs } from '../../../src/scheduler/scheduler';
import { testEngines } from '../../support/engines';

const password = 'correct horse battery staple';

interface Served {
  url: string;
  logLines: Array<Record<string, unknown>>;
  server: ServerType;
}

describe('server.trustedProxies', () => {
  let database: Database;
  const servers: ServerType[] = [];
  beforeAll(async () => {
    database = await testEngines()[0]!.open();
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await database.close();
  });

  async function start(trustedProxies: string[]): Promise<Served> {
    const config = wardenConfigSchema.parse({ server: { trustedProxies }, dashboard: { password, sessionSecret: 's'.repeat(32) } });
    const logLines: Served['logLines'] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
    const app = createApp({ database, config, logger, jobs: resolveJobs(allJobs, {}) });
    const server = await new Promise<ServerType>((resolve) => {
      const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
    });
    servers.push(server);
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, logLines, server };
  }

  const login = async (served: Served, secret: string, forwardedFor: string) => {
    const response = await fetch(`${served.url}/ui/login`, {
      method: 'POST',
      body: new URLSearchParams({ secret }),
      headers: { origin: served.url, 'x-forwarded-for': forwardedFor },
      redirect: 'manual',
    });
    return response.headers.get('location');
  };

  it('locks out two clients behind a trusted proxy separately, and logs each one', async () => {
    const served = await start(['127.0.0.1/32', '10.0.0.0/8']);
    for (let i = 0; i < 10; i++) expect(await login(served, `guess ${i}`, '198.51.100.1')).toBe('/ui/login?error=invalid');
    expect(await login(served, password, '198.51.100.1')).toBe('/ui/login?error=throttled');
    // A client that writes addresses of its own in front changes nothing: the header is read from the
    // right, and the first address that is not a trusted proxy is the one the proxy saw.
    expect(await login(served, password, '203.0.113.77, 198.51.100.1')).toBe('/ui/login?error=throttled');
    // Through two trusted proxies (10.1.2.3 forwarded to the one on loopback), the same client still.
    expect(await login(served, password, '198.51.100.1, 10.1.2.3')).toBe('/ui/login?error=throttled');
    expect(await login(served, password, '198.51.100.2')).toBe('/ui/');
    const clients = served.logLines.filter((line) => line.msg === 'request').map((line) => line.client);
    expect(clients.slice(0, 10)).toEqual(Array(10).fill('198.51.100.1'));
    expect(clients.at(-1)).toBe('198.51.100.2');
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy: one lock for the peer', async () => {
    const served = await start(['192.0.2.0/24']);
    for (let i = 0; i < 10; i++) expect(await login(served, `guess ${i}`, '198.51.100.1')).toBe('/ui/login?error=invalid');
    expect(await login(served, password, '198.51.100.2')).toBe('/ui/login?error=throttled');
    const clients = new Set(served.logLines.filter((line) => line.msg === 'request').map((line) => line.client));
    expect([...clients]).toEqual(['127.0.0.1']);
  });

  it('refuses an entry that is not an address or a CIDR range', () => {
    const parsed = wardenConfigSchema.safeParse({ server: { trustedProxies: ['10.0.0.0/33', 'proxy.example'] } });
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((issue) => issue.path.join('.'))).toEqual(['server.trustedProxies.0', 'server.trustedProxies.1']);
  });
});
