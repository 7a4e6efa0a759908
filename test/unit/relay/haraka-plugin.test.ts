// Edge cases of the Haraka plugin that the real-Haraka test (haraka-e2e) does not reach: a stand-in
// API that stalls or fails, the answer cache, both shapes of an address object, what a report holds.
// The behaviour in the real host against the real server is test/integration/relay/haraka-e2e.test.ts.
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const pluginModule = require('../../../integrations/haraka/relay_warden.js');
const { deny: DENY, denysoft: DENYSOFT } = require('haraka-constants') as { deny: number; denysoft: number };

const suspended = { action: 'suspend', reason: 'phishing', version: 3, refusal: { action: 'reject', status: '5.7.1', text: 'Sender mallory is suspended' } };
const limited = { action: 'allow', limitPerHour: 50, limitPerDay: 200, acceptedThisHour: 0, acceptedToday: 0, tier: 'new', reason: 'no policy', version: 0 };

describe('Haraka plugin (stand-in host and API)', () => {
  let server: Server;
  let url: string;
  const asked: { method: string; url: string; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        asked.push({ method: request.method!, url: request.url!, body });
        const sender = decodeURIComponent(request.url!.split('?')[0]!.split('/')[5]!);
        if (sender === 'slow') return; // never answers
        if (sender === 'broken') return void response.writeHead(500).end('{}');
        response.setHeader('content-type', 'application/json');
        if (request.method === 'POST') return void response.end(JSON.stringify({ sender, acceptedThisHour: 1, acceptedToday: 1 }));
        response.end(JSON.stringify(sender === 'mallory' ? suspended : sender === 'newbie' ? limited : { action: 'allow', tier: 'trusted', reason: 'no policy', version: 0 }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  function loadPlugin(main: Record<string, string | boolean> = {}) {
    const plugin = {
      ...pluginModule,
      config: { get: () => ({ main: { url, token: 'relay-token', sender_from: 'auth_user', timeout_ms: '300', cache_seconds: '60', ...main } }) },
    };
    plugin.register();
    return plugin;
  }
  const connection = (user: string) => ({
    notes: { auth_user: user } as Record<string, unknown>,
    remote: { ip: '192.0.2.44' },
    local: { ip: '192.0.2.10' },
    transaction: {
      uuid: 'T-1',
      notes: {} as Record<string, unknown>,
      rcpt_to: [{ host: 'gmail.example' }, { host: 'Gmail.example' }],
      header: { get: (name: string) => (name === 'Message-ID' ? '<m1@shop.example>\n' : '') },
    },
    loginfo: () => {},
    logerror: () => {},
  });
  const envelope = { address: 'x@Shop.example', host: 'Shop.example' };
  const mail = (plugin: ReturnType<typeof loadPlugin>, conn: ReturnType<typeof connection>, from: unknown = envelope) =>
    new Promise<unknown[]>((resolve) => plugin.hook_mail((...args: unknown[]) => resolve(args), conn, [from, {}]));
  const queued = (plugin: ReturnType<typeof loadPlugin>, conn: ReturnType<typeof connection>) =>
    new Promise<void>((resolve) => plugin.hook_queue_ok(() => resolve(), conn));

  it('asks with the sender domain and client address, and gives the refusal the API hands back', async () => {
    const plugin = loadPlugin();
    expect(await mail(plugin, connection('alice'))).toEqual([]);
    expect(asked.at(-1)).toMatchObject({ method: 'GET', url: '/api/v1/policy/senders/alice?domain=shop.example&client=192.0.2.44' });
    expect(await mail(plugin, connection('mallory'))).toEqual([DENY, '5.7.1 Sender mallory is suspended']);
    plugin.shutdown();
  });

  it('reuses answers without limits, and asks anew for a sender with limits', async () => {
    const plugin = loadPlugin();
    const before = asked.length;
    for (let i = 0; i < 3; i++) await mail(plugin, connection('mallory'));
    for (let i = 0; i < 3; i++) await mail(plugin, connection('newbie'));
    expect(asked.slice(before).map((request) => request.url.split('?')[0])).toEqual([
      '/api/v1/policy/senders/mallory',
      ...Array(3).fill('/api/v1/policy/senders/newbie'),
    ]);
    plugin.shutdown();
  });

  it('reads the envelope sender from a 3.x address (strings) and a 2.x one (methods)', async () => {
    const plugin = loadPlugin({ sender_from: 'mail_from' });
    await mail(plugin, connection(''), { address: 'Bob@Shop.example', host: 'Shop.example' });
    expect(asked.at(-1)!.url).toBe('/api/v1/policy/senders/bob%40shop.example?domain=shop.example&client=192.0.2.44');
    await mail(plugin, connection(''), { address: () => 'Carol@Shop.example', host: () => 'Shop.example' });
    expect(asked.at(-1)!.url).toBe('/api/v1/policy/senders/carol%40shop.example?domain=shop.example&client=192.0.2.44');
    // The null sender (bounces) is not judged.
    const before = asked.length;
    expect(await mail(plugin, connection(''), { address: '', host: '' })).toEqual([]);
    expect(asked.length).toBe(before);
    plugin.shutdown();
  });

  it('reports a queued message with its Message-ID, recipient domain and addresses', async () => {
    const plugin = loadPlugin();
    const conn = connection('alice');
    await mail(plugin, conn);
    await queued(plugin, conn);
    expect(asked.at(-1)).toMatchObject({ method: 'POST', url: '/api/v1/policy/senders/alice/accepted' });
    expect(JSON.parse(asked.at(-1)!.body)).toEqual({
      sendEvent: { messageId: 'm1@shop.example', senderDomain: 'shop.example', recipientDomain: 'gmail.example', ip: '192.0.2.10', clientAddress: '192.0.2.44', saslUsername: 'alice' },
    });
    const countOnly = loadPlugin({ record_send_events: false });
    const other = connection('alice');
    await mail(countOnly, other);
    await queued(countOnly, other);
    expect(JSON.parse(asked.at(-1)!.body)).toEqual({});
    plugin.shutdown();
    countOnly.shutdown();
  });

  it('lets mail through when Relay Warden stalls or fails (on_error=accept), within timeout_ms', async () => {
    const plugin = loadPlugin();
    const started = Date.now();
    expect(await mail(plugin, connection('slow'))).toEqual([]);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await mail(plugin, connection('broken'))).toEqual([]);
    // The report of a message times out the same way, and the message is still answered.
    const conn = connection('slow');
    conn.transaction.notes.relay_warden = { sender: 'slow' };
    await queued(plugin, conn);
    plugin.shutdown();
  });

  it('defers mail when Relay Warden does not answer and on_error=defer', async () => {
    const plugin = loadPlugin({ on_error: 'defer' });
    expect(await mail(plugin, connection('broken'))).toEqual([DENYSOFT, '4.3.5 Sender policy service unavailable; try again later']);
    plugin.shutdown();
  });
});
