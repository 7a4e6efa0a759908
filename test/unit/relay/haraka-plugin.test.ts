// The Haraka plugin against a stand-in of the throttle API: DENY, DENYSOFT, cache, fail-open.
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const pluginModule = createRequire(import.meta.url)('../../../integrations/haraka/relay_warden.js');
const [DENY, DENYSOFT] = [902, 903];

const policies: Record<string, unknown> = {
  mallory: { sender: 'mallory', action: 'suspend', reason: 'phishing', version: 3 },
  trudy: { sender: 'trudy', action: 'throttle', limitPerHour: 2, reason: 'new', version: 4 },
  newbie: { sender: 'newbie', action: 'allow', limitPerHour: 50, limitPerDay: 1, tier: 'new', reason: 'no policy', version: 0 },
};

describe('Haraka plugin', () => {
  let server: Server;
  let url: string;
  const asked: string[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      asked.push(`${request.url} ${request.headers.authorization}`);
      const sender = decodeURIComponent(request.url!.split('/').pop()!);
      if (sender === 'slow') return; // never answers
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(policies[sender] ?? { sender, action: 'allow', reason: 'no policy', version: 0 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  function loadPlugin() {
    const plugin = {
      ...pluginModule,
      config: { get: () => ({ main: { url, token: 'relay-token', sender_from: 'auth_user', timeout_ms: '1000', cache_seconds: '60' } }) },
    };
    plugin.register();
    return plugin;
  }
  const connection = (user: string) => ({
    notes: { auth_user: user },
    transaction: { notes: {} as Record<string, unknown> },
    loginfo: () => {},
    logerror: () => {},
  });
  const mail = (plugin: ReturnType<typeof loadPlugin>, conn: ReturnType<typeof connection>) =>
    new Promise<unknown[]>((resolve) => plugin.hook_mail((...args: unknown[]) => resolve(args), conn, [{ address: () => 'x@y.example' }]));
  const queued = (plugin: ReturnType<typeof loadPlugin>, conn: ReturnType<typeof connection>) =>
    new Promise<void>((resolve) => plugin.hook_queue_ok(() => resolve(), conn));

  it('lets an allowed sender through and denies a suspended one with 5.7.1', async () => {
    const plugin = loadPlugin();
    expect(await mail(plugin, connection('alice'))).toEqual([]);
    const [code, text] = await mail(plugin, connection('mallory'));
    expect(code).toBe(DENY);
    expect(text).toMatch(/^5\.7\.1 /);
    expect(asked).toContain('/api/v1/policy/senders/alice Bearer relay-token');
  });

  it('defers a throttled sender once its queued messages reach the limit, asking the API once', async () => {
    const plugin = loadPlugin();
    const before = asked.length;
    for (let i = 0; i < 2; i++) {
      const conn = connection('trudy');
      expect(await mail(plugin, conn)).toEqual([]);
      await queued(plugin, conn);
    }
    const [code, text] = await mail(plugin, connection('trudy'));
    expect(code).toBe(DENYSOFT);
    expect(text).toMatch(/^4\.7\.1 .*limit of 2 messages per hour/);
    expect(asked.length - before).toBe(1);
  });

  it('holds an allowed sender to the daily limit of its tier', async () => {
    const plugin = loadPlugin();
    const conn = connection('newbie');
    expect(await mail(plugin, conn)).toEqual([]);
    await queued(plugin, conn);
    const [code, text] = await mail(plugin, connection('newbie'));
    expect(code).toBe(DENYSOFT);
    expect(text).toMatch(/^4\.7\.1 .*limit of 1 messages per day/);
  });

  it('lets mail through when Relay Warden does not answer in time (fail open)', async () => {
    const plugin = loadPlugin();
    const started = Date.now();
    expect(await mail(plugin, connection('slow'))).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
