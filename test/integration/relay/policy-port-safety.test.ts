// The Postfix policy port against clients that are not the relay: connections from outside
// allowedClients, one address holding many connections, a request trickled a byte at a time.
// Other loopback addresses (127.0.0.2, .3) stand in for other hosts.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { policyServerConfig } from '../../../src/config/relay';
import type { Database } from '../../../src/db/client';
import { writeOverride } from '../../../src/db/subjects';
import { policyConnectionsRefusedTotal, policyRequestTimeoutsTotal } from '../../../src/metrics';
import { HourlyCounter } from '../../../src/relay/hourly-counter';
import { PolicySnapshot } from '../../../src/relay/policy-snapshot';
import { PostfixPolicyServer } from '../../../src/relay/postfix-policy-server';
import { testEngines } from '../../support/engines';
import { PolicyClient, postfixRequest } from '../../support/policy-client';
import { waitFor } from '../../support/poll';

const now = new Date('2026-11-20T12:00:00Z');

async function refusedCount(reason: string): Promise<number> {
  return (await policyConnectionsRefusedTotal.get()).values.find((value) => value.labels.reason === reason)?.value ?? 0;
}

describe('Postfix policy port safety', () => {
  let database: Database;
  let snapshot: PolicySnapshot;
  let counter: HourlyCounter;
  let server: PostfixPolicyServer | undefined;
  const logLines: { msg: string; [field: string]: unknown }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
  const clients: PolicyClient[] = [];

  async function start(options: Record<string, unknown>): Promise<number> {
    server = new PostfixPolicyServer({ config: policyServerConfig.parse({ port: 0, ...options }), snapshot, counter, logger, recordSendEvents: false, clock: () => now });
    return (await server.listen()).port;
  }
  async function open(port: number, from: string): Promise<PolicyClient> {
    const client = await PolicyClient.open(port, '127.0.0.1', from);
    clients.push(client);
    return client;
  }
  /** Whether the server closes the connection without answering a request sent on it. */
  async function closedUnanswered(client: PolicyClient): Promise<boolean> {
    client.send(postfixRequest({ sasl_username: 'mallory' }));
    return Promise.race([client.closed.then(() => true), client.next().then(() => false)]);
  }

  beforeEach(async () => {
    database = await testEngines()[0]!.open();
    await writeOverride(database.db, 'sender', 'mallory', { action: 'suspend', reason: 'phishing', until: null, limitPerHour: null, by: 'ops' }, 'ops', 'x', now);
    snapshot = new PolicySnapshot(database, { throttleLimitPerHour: 100, refreshSeconds: 3600, logger: pino({ level: 'silent' }) });
    await snapshot.start();
    counter = new HourlyCounter(database.db, { flushMs: 3_600_000, logger });
    logLines.length = 0;
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.socket.destroy();
    await server?.close();
    server = undefined;
    await counter.stop();
    await snapshot.stop();
    await database.close();
  });

  it('closes a connection from outside allowedClients at accept, counts and logs it, and serves the relay', async () => {
    const port = await start({ allowedClients: ['127.0.0.1/32'] });
    const before = await refusedCount('not_allowed');
    expect(await closedUnanswered(await open(port, '127.0.0.2'))).toBe(true);
    expect(await refusedCount('not_allowed')).toBe(before + 1);
    expect(logLines).toContainEqual(expect.objectContaining({ client: '127.0.0.2', reason: 'not_allowed', msg: expect.stringContaining('not in relay.policyServer.allowedClients') }));
    expect(await (await open(port, '127.0.0.1')).ask({ sasl_username: 'mallory' })).toMatch(/^REJECT 5\.7\.1/);
    expect(server!.stats.requests).toBe(1);
  });

  it('caps connections per client address and in all, so one host cannot take the others\' places', async () => {
    const port = await start({ maxConnectionsPerClient: 3, maxConnections: 5 });
    const [clientBefore, totalBefore] = [await refusedCount('client_limit'), await refusedCount('total_limit')];
    // Idle connections: connected, sending nothing.
    for (let i = 0; i < 3; i++) await open(port, '127.0.0.2');
    await waitFor(() => server!.guard.held('127.0.0.2') === 3, { what: 'three connections held' });
    expect(await closedUnanswered(await open(port, '127.0.0.2'))).toBe(true);
    expect(await refusedCount('client_limit')).toBe(clientBefore + 1);
    // Another host still gets in, up to the cap in all.
    const other = await open(port, '127.0.0.3');
    expect(await other.ask({ sasl_username: 'mallory' })).toMatch(/^REJECT/);
    await open(port, '127.0.0.3');
    await waitFor(() => server!.guard.held() === 5, { what: 'five connections held' });
    expect(await closedUnanswered(await open(port, '127.0.0.1'))).toBe(true);
    expect(await refusedCount('total_limit')).toBe(totalBefore + 1);
    expect(logLines.map((line) => line.msg)).toEqual(
      expect.arrayContaining([
        'policy connection refused: maxConnectionsPerClient (3) reached',
        'policy connection refused: maxConnections (5) reached',
      ]),
    );
    // A place freed is a place for the relay.
    other.close();
    await waitFor(() => server!.guard.held() === 4, { what: 'a connection released' });
    expect(await (await open(port, '127.0.0.1')).ask({ sasl_username: 'mallory' })).toMatch(/^REJECT/);
  });

  it('cuts a client sending a byte a second at the request timeout, and leaves idle relay connections alone', async () => {
    const port = await start({ requestTimeoutSeconds: 2 });
    const timeoutsBefore = (await policyRequestTimeoutsTotal.get()).values[0]?.value ?? 0;
    const relay = await open(port, '127.0.0.1');
    expect(await relay.ask({ sasl_username: 'mallory' })).toMatch(/^REJECT/);

    const slow = await open(port, '127.0.0.2');
    const silent = await open(port, '127.0.0.3');
    const request = postfixRequest({ sasl_username: 'mallory' });
    const started = performance.now();
    let sent = 0;
    slow.send(request[sent++]!);
    const drip = setInterval(() => {
      if (!slow.socket.destroyed) slow.send(request[sent++]!);
    }, 1000);
    await slow.closed;
    clearInterval(drip);
    const cutAfterMs = performance.now() - started;
    await silent.closed;
    expect(cutAfterMs).toBeGreaterThanOrEqual(1900);
    expect(cutAfterMs).toBeLessThan(4000);
    expect(sent).toBeLessThanOrEqual(4);
    expect(server!.stats.requestTimeouts).toBe(2);
    expect((await policyRequestTimeoutsTotal.get()).values[0]?.value).toBe(timeoutsBefore + 2);
    expect(logLines).toContainEqual(expect.objectContaining({ msg: 'policy request not received whole in time; connection cut' }));
    // The relay's connection sat idle between requests for longer than the request timeout: still served.
    expect(await relay.ask({ sasl_username: 'mallory' })).toMatch(/^REJECT/);
  });
});
