// Backpressure of the Postfix policy server over real TCP, on both engines: when the send events it
// answered are not stored in time, it holds its next answers instead of dropping events.
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { policyServerConfig } from '../../../src/config/relay';
import type { Database } from '../../../src/db/client';
import { sendEvents } from '../../../src/db/schema';
import { HourlyCounter } from '../../../src/relay/hourly-counter';
import { PolicySnapshot } from '../../../src/relay/policy-snapshot';
import { PostfixPolicyServer } from '../../../src/relay/postfix-policy-server';
import { testEngines } from '../../support/engines';
import { PolicyClient } from '../../support/policy-client';
import { waitFor } from '../../support/poll';

const logger = pino({ level: 'silent' });

describe.each(testEngines())('Postfix policy server backpressure on $name', (engine) => {
  let database: Database;
  let snapshot: PolicySnapshot;
  let counter: HourlyCounter;
  let server: PostfixPolicyServer;
  let port: number;
  const clients: PolicyClient[] = [];

  const start = async (flushMs: number, maxPendingEvents: number) => {
    counter = new HourlyCounter(database.db, { flushMs, logger, maxPendingEvents });
    counter.start();
    server = new PostfixPolicyServer({ config: policyServerConfig.parse({ port: 0 }), snapshot, counter, logger, recordSendEvents: true });
    port = (await server.listen()).port;
  };
  const open = async () => {
    const client = await PolicyClient.open(port);
    clients.push(client);
    return client;
  };

  beforeEach(async () => {
    database = await engine.open();
    snapshot = new PolicySnapshot(database, { throttleLimitPerHour: 100, refreshSeconds: 3600, logger });
    await snapshot.start();
  });
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server.close();
    await counter.stop();
    await snapshot.stop();
    await database.close();
  });

  it('holds the next answer while a send event answered a flush interval ago is not stored, and gives it once it is', async () => {
    await database.db.execute(sql.raw(`create or replace function refuse_send_event() returns trigger language plpgsql as $$
      begin raise exception 'refused for the test'; end $$`));
    await database.db.execute(sql.raw('create trigger refuse_send_event before insert on send_events for each row execute function refuse_send_event()'));
    await start(50, 50_000);
    const client = await open();
    expect(await client.ask({ sasl_username: 'alice', sender: 'alice@shop.example', queue_id: 'H1' })).toBe('DUNNO');
    await waitFor(() => !counter.accepting(), { what: 'the first event to be a flush interval old, unstored' });
    let second: string | undefined;
    void client.ask({ sasl_username: 'alice', sender: 'alice@shop.example', queue_id: 'H2' }).then((answer) => (second = answer));
    await waitFor(() => server.heldConnections === 1, { what: 'the connection to be held' });
    expect(second).toBeUndefined();
    await database.db.execute(sql.raw('drop trigger refuse_send_event on send_events'));
    await waitFor(() => second, { what: 'the held answer' });
    expect(second).toBe('DUNNO');
    await counter.flush();
    const stored = await database.db.select({ messageId: sendEvents.messageId }).from(sendEvents).orderBy(sendEvents.messageId);
    expect(stored.map((row) => row.messageId)).toEqual(['postfix:192.0.2.10:H1', 'postfix:192.0.2.10:H2']);
  });

  it('stores every message it answered DUNNO under sustained load past a small bound', async () => {
    await start(100, 10);
    const connections = await Promise.all(Array.from({ length: 20 }, () => open()));
    const deadline = performance.now() + 3000;
    let dunno = 0;
    let sequence = 0;
    // One request in flight per connection, as an smtpd sends them, for three seconds.
    await Promise.all(
      connections.map(async (client, c) => {
        while (performance.now() < deadline) {
          sequence += 1;
          const answer = await client.ask({ sasl_username: `user${sequence % 1000}`, sender: 'u@shop.example', queue_id: `L${c}N${sequence}` });
          if (answer === 'DUNNO') dunno += 1;
        }
      }),
    );
    await counter.flush();
    expect(counter.stats.heldEpisodes).toBeGreaterThan(0);
    expect(counter.stats.refused).toBe(0);
    expect(dunno).toBeGreaterThan(100);
    expect(await database.db.$count(sendEvents)).toBe(dunno);
  });
});
