// Request bodies are limited per route: a body over the limit is a 413 in the error shape, read no
// further than the limit (streamed) or not at all (declared by Content-Length).
import { serve, type ServerType } from '@hono/node-server';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allJobs } from '../../../src/jobs';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { resolveJobs } from '../../../src/scheduler/scheduler';
import { testEngines } from '../../support/engines';
import { json } from '../../support/http';

const relayToken = 'relay-token-0123456789abcdef0';
const opsToken = 'ops-token-0123456789abcdef01';
const config = wardenConfigSchema.parse({
  auth: { tokens: [{ name: 'ops', token: opsToken, scopes: ['ops'] }, { name: 'postfix', token: relayToken, scopes: ['relay'] }] },
  dashboard: { password: 'correct horse battery staple', sessionSecret: 's'.repeat(32) },
});
const megabyte = 1024 * 1024;
const chunkBytes = 64 * 1024;

/** A body of `totalBytes` produced on demand, counting how much of it the server pulled. */
function countedBody(totalBytes: number, fill = 0x20) {
  let pulled = 0;
  const chunk = new Uint8Array(chunkBytes).fill(fill);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= totalBytes) return controller.close();
      pulled += chunk.length;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled: () => pulled };
}

describe('request body limits', () => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    database = await testEngines()[0]!.open();
    app = createApp({ database, config, logger: pino({ level: 'silent' }), jobs: resolveJobs(allJobs, {}) });
  });
  afterAll(() => database.close());

  const streamed = (path: string, body: ReadableStream<Uint8Array>, headers: Record<string, string>) =>
    app.request(path, { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

  it('refuses a streamed 100 MB login form after reading at most a few KB of it', async () => {
    const body = countedBody(100 * megabyte);
    const response = await streamed('/ui/login', body.stream, { origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' });
    expect(response.status).toBe(413);
    expect((await json(response)).error).toMatchObject({ code: 'E_TOO_LARGE', requestId: expect.any(String) });
    expect(body.pulled()).toBeLessThanOrEqual(4 * chunkBytes);
  });

  it('refuses a streamed 100 MB events batch after reading no more than its limit', async () => {
    const body = countedBody(100 * megabyte);
    const response = await streamed('/api/v1/events', body.stream, { authorization: `Bearer ${relayToken}`, 'content-type': 'application/x-ndjson' });
    expect(response.status).toBe(413);
    expect((await json(response)).error.code).toBe('E_TOO_LARGE');
    // 10,000 rows of at most 3 KiB each, and the few chunks a stream pulls ahead.
    expect(body.pulled()).toBeLessThanOrEqual(10_000 * 3 * 1024 + 4 * chunkBytes);
  });

  it('refuses a JSON body over 8 KB on an ops route with 413', async () => {
    const response = await app.request('/api/v1/senders/carol/override', {
      method: 'POST',
      body: JSON.stringify({ action: 'suspend', reason: 'x'.repeat(9 * 1024) }),
      headers: { authorization: `Bearer ${opsToken}`, 'content-type': 'application/json' },
    });
    expect(response.status).toBe(413);
    expect((await json(response)).error.code).toBe('E_TOO_LARGE');
  });

  it('still takes a full batch of 10,000 events', async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => ({
      messageId: `<${'m'.repeat(900)}.${i}@relay.example>`,
      recipient: `user${i}@gmail.example`,
      sender: 'bulk',
      senderDomain: 'customers.example',
      recipientDomain: 'gmail.example',
      ip: '192.0.2.10',
      at: '2026-11-20T11:00:00Z',
    }));
    const response = await app.request('/api/v1/events', {
      method: 'POST',
      body: JSON.stringify(rows),
      headers: { authorization: `Bearer ${relayToken}`, 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ received: 10_000, stored: 10_000 });
  });

  describe('over a socket', () => {
    let server: ServerType;
    let port: number;
    beforeAll(async () => {
      server = await new Promise<ServerType>((resolve) => {
        const started = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
      });
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('answers 413 to an unauthenticated login declaring 100 MB before the client sends more than its first chunk', async () => {
      let written = 0;
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = httpRequest(
          { host: '127.0.0.1', port, method: 'POST', path: '/ui/login', headers: { origin: `http://127.0.0.1:${port}`, 'content-type': 'application/x-www-form-urlencoded', 'content-length': 100 * megabyte } },
          (response) => {
            let body = '';
            response.on('data', (part: Buffer) => (body += part.toString()));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          },
        );
        request.on('error', (error) => (written > 0 ? undefined : reject(error)));
        written += chunkBytes;
        request.write(Buffer.alloc(chunkBytes, 0x61));
        // Nothing more is sent: a server that waits for the whole body never answers, and the test times out.
      });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.body).error.code).toBe('E_TOO_LARGE');
      expect(written).toBe(chunkBytes);
    }, 10_000);
  });
});
