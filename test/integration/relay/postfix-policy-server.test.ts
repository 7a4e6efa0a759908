// The Postfix policy server over real TCP, on both engines: decisions, counting, malformed input,
// many concurrent connections with many requests each.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { policyServerConfig } from '../../../src/config/relay';
import type { Database } from '../../../src/db/client';
import { relayHourlyCounts, sendEvents } from '../../../src/db/schema';
import { writeOverride } from '../../../src/db/subjects';
import { HourlyCounter } from '../../../src/relay/hourly-counter';
import { PolicySnapshot } from '../../../src/relay/policy-snapshot';
import { PostfixPolicyServer } from '../../../src/relay/postfix-policy-server';
import { SteeringSnapshot } from '../../../src/relay/steering-snapshot';
import { steeringConfig } from '../../../src/config/steering';
import { setDrainMark } from '../../../src/db/steering-queries';
import { runSteeringPass } from '../../../src/enforcement/ip-steering';
import { testEngines } from '../../support/engines';
import { PolicyClient, postfixRequest } from '../../support/policy-client';
import { waitFor } from '../../support/poll';

const logger = pino({ level: 'silent' });
const now = new Date('2026-11-20T12:00:00Z');
const suspend = { action: 'suspend' as const, reason: 'phishing', until: null, limitPerHour: null, by: 'ops' };
const throttle = (limitPerHour: number) => ({ action: 'throttle' as const, reason: 'new account', until: null, limitPerHour, by: 'ops' });

describe.each(testEngines())('Postfix policy server on $name', (engine) => {
  let database: Database;
  let snapshot: PolicySnapshot;
  let counter: HourlyCounter;
  let server: PostfixPolicyServer;
  let port: number;
  const clients: PolicyClient[] = [];
  const open = async () => {
    const client = await PolicyClient.open(port);
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    database = await engine.open();
    await writeOverride(database.db, 'sender', 'mallory', suspend, 'ops', 'phishing', now);
    await writeOverride(database.db, 'sender', 'trudy', throttle(3), 'ops', 'new account', now);
    await writeOverride(database.db, 'domain', 'spam.example', suspend, 'ops', 'snowshoe', now);
    snapshot = new PolicySnapshot(database, { throttleLimitPerHour: 100, refreshSeconds: 3600, logger });
    await snapshot.start();
    counter = new HourlyCounter(database.db, { flushMs: 3_600_000, logger });
    server = new PostfixPolicyServer({ config: policyServerConfig.parse({ port: 0 }), snapshot, counter, logger, recordSendEvents: true, clock: () => now });
    port = (await server.listen()).port;
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server.close();
    await counter.stop();
    await snapshot.stop();
    await database.close();
  });

  it('answers DUNNO for an allowed sender, REJECT 5.7.1 for a suspended one, on one connection', async () => {
    const client = await open();
    expect(await client.ask({ sasl_username: 'alice', sender: 'alice@shop.example', queue_id: 'A1' })).toBe('DUNNO');
    expect(await client.ask({ sasl_username: 'mallory', sender: 'm@shop.example', queue_id: 'A2' })).toMatch(/^REJECT 5\.7\.1 Sender mallory is suspended/);
    // Suspended through its sender domain: the envelope sender's domain.
    expect(await client.ask({ sasl_username: 'bob', sender: 'bob@spam.example', queue_id: 'A3' })).toMatch(/^REJECT 5\.7\.1/);
    expect(await client.ask({ sasl_username: '', sender: 'anon@shop.example' })).toBe('DUNNO');
  });

  it('defers a throttled sender over its hourly limit, counting messages at END-OF-MESSAGE only', async () => {
    const client = await open();
    // Recipient-stage checks decide but do not count: three RCPT TO of one message are one message.
    for (let i = 0; i < 3; i++) expect(await client.ask({ protocol_state: 'RCPT', sasl_username: 'trudy', recipient: `r${i}@x.example` })).toBe('DUNNO');
    for (let i = 0; i < 3; i++) expect(await client.ask({ sasl_username: 'trudy', queue_id: `T${i}`, recipient_count: 3 })).toBe('DUNNO');
    expect(await client.ask({ sasl_username: 'trudy', queue_id: 'T3' })).toMatch(/^DEFER_IF_PERMIT 4\.7\.1 Sender trudy is over its limit of 3 messages per hour/);
    expect(await client.ask({ protocol_state: 'RCPT', sasl_username: 'trudy' })).toMatch(/^DEFER_IF_PERMIT/);
    await counter.flush();
    const [row] = await database.db.select().from(relayHourlyCounts);
    // The deferred message is not counted.
    expect(row).toMatchObject({ sender: 'trudy', accepted: 3 });
  });

  it('counts accepted messages as send volume, once per message, and not rejected ones', async () => {
    const client = await open();
    await client.ask({ sasl_username: 'alice', sender: 'alice@shop.example', recipient: 'u@gmail.example', queue_id: 'Q1' });
    await client.ask({ sasl_username: 'alice', sender: 'alice@shop.example', recipient_count: 5, queue_id: 'Q2' });
    await client.ask({ sasl_username: 'mallory', sender: 'm@shop.example', queue_id: 'Q3' });
    await counter.flush();
    const rows = await database.db.select().from(sendEvents).orderBy(sendEvents.messageId);
    expect(rows.map((r) => [r.messageId, r.sender, r.senderDomain, r.recipientDomain, r.saslUsername])).toEqual([
      ['postfix:192.0.2.10:Q1', 'alice', 'shop.example', 'gmail.example', 'alice'],
      ['postfix:192.0.2.10:Q2', 'alice', 'shop.example', 'unknown', 'alice'],
    ]);
  });

  it('shares the hourly count with another instance through the database', async () => {
    const other = new HourlyCounter(database.db, { flushMs: 3_600_000, logger });
    for (let i = 0; i < 2; i++) other.add('trudy', now);
    await other.flush();
    const client = await open();
    expect(await client.ask({ sasl_username: 'trudy', queue_id: 'S1' })).toBe('DUNNO');
    // The first message started the read of the shared count in the background.
    expect(await counter.count('trudy', now)).toBe(3);
    expect(await client.ask({ sasl_username: 'trudy', queue_id: 'S2' })).toMatch(/^DEFER_IF_PERMIT/);
  });

  it('with steering, answers FILTER <transport>: for accepted mail, records the IP it leaves by, and a refusal still wins', async () => {
    const steering = steeringConfig.parse({ enabled: true, ips: [{ ip: '198.51.100.1', transport: 'out-a' }, { ip: '198.51.100.2', transport: 'out-b' }] });
    const steeringSnapshot = new SteeringSnapshot(database, steering, { refreshSeconds: 3600, logger });
    await steeringSnapshot.start();
    const steered = new PostfixPolicyServer({ config: policyServerConfig.parse({ port: 0 }), snapshot, counter, logger, recordSendEvents: true, steering: steeringSnapshot, clock: () => now });
    try {
      const client = await PolicyClient.open((await steered.listen()).port);
      clients.push(client);
      const first = await client.ask({ sasl_username: 'alice', sender: 'alice@shop.example', queue_id: 'F1' });
      expect(first).toMatch(/^FILTER out-[ab]:$/);
      // Sticky: the same sender, the same transport.
      expect(await client.ask({ sasl_username: 'alice', sender: 'alice@shop.example', queue_id: 'F2' })).toBe(first);
      expect(await client.ask({ sasl_username: 'mallory', sender: 'm@shop.example', queue_id: 'F3' })).toMatch(/^REJECT 5\.7\.1/);
      await counter.flush();
      const rows = await database.db.select().from(sendEvents).orderBy(sendEvents.messageId);
      const ip = first === 'FILTER out-a:' ? '198.51.100.1' : '198.51.100.2';
      expect(rows.map((row) => [row.messageId, row.ip])).toEqual([
        ['postfix:192.0.2.10:F1', ip],
        ['postfix:192.0.2.10:F2', ip],
      ]);

      // Ops drain alice's IP: her next message moves to the other one.
      await setDrainMark(database.db, ip, { since: now, by: 'ops', reason: 'test' }, now);
      await runSteeringPass(database.db, steering, now);
      await waitFor(() => steeringSnapshot.choose('alice')?.ip !== ip, { what: 'the snapshot to see the drain' });
      expect(await client.ask({ sasl_username: 'alice', sender: 'alice@shop.example', queue_id: 'F4' })).toBe(first === 'FILTER out-a:' ? 'FILTER out-b:' : 'FILTER out-a:');
    } finally {
      await steered.close();
      await steeringSnapshot.stop();
    }
  });

  it('answers DUNNO to malformed requests and keeps serving the connection', async () => {
    const client = await open();
    client.send('this is not the policy protocol\n\n');
    expect(await client.next()).toBe('DUNNO');
    client.send('request=something_else\nsender=x@y.example\n\n');
    expect(await client.next()).toBe('DUNNO');
    client.send('\n');
    expect(await client.next()).toBe('DUNNO');
    expect(await client.ask({ sasl_username: 'mallory' })).toMatch(/^REJECT/);
    expect(server.stats.malformed).toBe(3);
  });

  it('closes a connection that sends an endless line, after a DUNNO, and goes on serving others', async () => {
    const flooder = await open();
    flooder.send('sender='.padEnd(100_000, 'x'));
    expect(await flooder.next()).toBe('DUNNO');
    await flooder.closed;
    expect(await (await open()).ask({ sasl_username: 'mallory' })).toMatch(/^REJECT/);
  });

  it('serves 200 concurrent connections with 25 pipelined requests each, answers in order', async () => {
    const connections = await Promise.all(Array.from({ length: 200 }, () => open()));
    const results = await Promise.all(
      connections.map(async (client, c) => {
        const senders = Array.from({ length: 25 }, (_, i) => ((c + i) % 5 === 0 ? 'mallory' : `user${c}-${i}`));
        client.send(senders.map((sender, i) => postfixRequest({ sasl_username: sender, queue_id: `C${c}R${i}` })).join(''));
        const answers: string[] = [];
        for (let i = 0; i < senders.length; i++) answers.push(await client.next());
        return senders.every((sender, i) => (sender === 'mallory' ? answers[i]!.startsWith('REJECT') : answers[i] === 'DUNNO'));
      }),
    );
    expect(results.every(Boolean)).toBe(true);
    await counter.flush();
    await waitFor(async () => (await database.db.select().from(sendEvents)).length === 4000, { what: '4,000 accepted messages stored' });
  });
});

describe('Postfix policy server sender identity', () => {
  it('identifies senders by envelope address or by mapped client address', async () => {
    const database = await testEngines()[0]!.open();
    await writeOverride(database.db, 'sender', 'webshop-42', suspend, 'ops', 'x', now);
    await writeOverride(database.db, 'sender', 'mallory@shop.example', suspend, 'ops', 'x', now);
    const snapshot = new PolicySnapshot(database, { throttleLimitPerHour: 100, refreshSeconds: 3600, logger });
    await snapshot.start();
    const counter = new HourlyCounter(database.db, { flushMs: 3_600_000, logger });
    const servers = [
      new PostfixPolicyServer({ config: policyServerConfig.parse({ port: 0, senderFrom: 'sender' }), snapshot, counter, logger, recordSendEvents: false, clock: () => now }),
      new PostfixPolicyServer({
        config: policyServerConfig.parse({ port: 0, senderFrom: 'client_address', clientAddressSenders: { '192.0.2.50': 'webshop-42' } }),
        snapshot, counter, logger, recordSendEvents: false, clock: () => now,
      }),
    ];
    try {
      const [bySender, byAddress] = await Promise.all(servers.map(async (server) => PolicyClient.open((await server.listen()).port)));
      expect(await bySender!.ask({ sender: 'Mallory@Shop.example' })).toMatch(/^REJECT/);
      expect(await bySender!.ask({ sender: '' })).toBe('DUNNO');
      expect(await byAddress!.ask({ client_address: '192.0.2.50' })).toMatch(/^REJECT/);
      expect(await byAddress!.ask({ client_address: '192.0.2.51' })).toBe('DUNNO');
      bySender!.close();
      byAddress!.close();
    } finally {
      await Promise.all(servers.map((server) => server.close()));
      await snapshot.stop();
      await database.close();
    }
  });
});
