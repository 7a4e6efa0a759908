// The Postfix policy server's recipient checks over real TCP: a suppressed recipient refused with
// 550 5.7.1 at RCPT TO whoever sends, a scoped entry for its sender only, the single recipient of a
// message at END-OF-MESSAGE, and one-click headers prepended at DATA by policy_context.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policyServerConfig } from '../../../src/config/relay';
import { suppressionConfig } from '../../../src/config/suppression';
import { openDatabase, type Database } from '../../../src/db/client';
import { suppressRecipient, suppressionOf, type Suppression } from '../../../src/enforcement/suppression';
import { HourlyCounter } from '../../../src/relay/hourly-counter';
import { PolicySnapshot } from '../../../src/relay/policy-snapshot';
import { PostfixPolicyServer } from '../../../src/relay/postfix-policy-server';
import { SuppressionSnapshot } from '../../../src/relay/suppression-snapshot';
import { oneClickKeyPurpose, readToken, unsubscribeLinkMaker } from '../../../src/suppression/one-click';
import { PolicyClient } from '../../support/policy-client';
import { waitFor } from '../../support/poll';

const logger = pino({ level: 'silent' });
const now = new Date('2026-11-20T12:00:00Z');

describe('the Postfix policy server and suppressed recipients', () => {
  let database: Database;
  let suppression: Suppression;
  let snapshot: SuppressionSnapshot;
  let policies: PolicySnapshot;
  let counter: HourlyCounter;
  let server: PostfixPolicyServer;
  let client: PolicyClient;

  beforeAll(async () => {
    database = await openDatabase({ dataDir: 'memory://' });
    await database.migrate();
    const config = suppressionConfig.parse({ key: 'suppression-key-for-tests-0123456789abcdef', oneClick: { baseUrl: 'https://warden.example.com' } });
    suppression = suppressionOf(database.db, config)!;
    const request = (scope: 'relay' | 'sender', scopeId = '') => ({ scope, scopeId, reason: 'manual' as const, source: 'api' as const, actor: 'ops', note: 'test' });
    await suppressRecipient(suppression, { address: 'r@example.net' }, request('relay'), now);
    await suppressRecipient(suppression, { address: 'k@example.net' }, request('sender', 'shop-7'), now);
    snapshot = new SuppressionSnapshot(database, suppression.keyer, { refreshSeconds: 3600, logger });
    await snapshot.start();
    policies = new PolicySnapshot(database, { throttleLimitPerHour: 100, refreshSeconds: 3600, logger });
    await policies.start();
    counter = new HourlyCounter(database.db, { flushMs: 3_600_000, logger });
    server = new PostfixPolicyServer({
      config: policyServerConfig.parse({ port: 0, senderFrom: 'sasl_username' }),
      snapshot: policies,
      counter,
      logger,
      recordSendEvents: false,
      suppression: snapshot,
      unsubscribeLinks: unsubscribeLinkMaker('https://warden.example.com', 'sender', suppression.tokenKey, (address) => suppression.keyer.hash(address)),
      clock: () => now,
    });
    client = await PolicyClient.open((await server.listen()).port);
    await waitFor(() => snapshot.size.entries === 2, { what: 'the entries loaded' });
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
    await counter?.stop();
    await policies?.stop();
    await snapshot?.stop();
    await database?.close();
  });

  it('refuses a relay-wide suppressed recipient at RCPT TO, with or without a login, and lets the others through', async () => {
    expect(await client.ask({ protocol_state: 'RCPT', sasl_username: 'shop-9', recipient: 'R@Example.net' })).toMatch(/^550 5\.7\.1 Recipient address is suppressed/);
    expect(await client.ask({ protocol_state: 'RCPT', sasl_username: '', recipient: 'r@example.net' })).toMatch(/^550 5\.7\.1 /);
    expect(await client.ask({ protocol_state: 'RCPT', sasl_username: 'shop-9', recipient: 's@example.net' })).toBe('DUNNO');
  });

  it('refuses a recipient suppressed for one sender to that sender only', async () => {
    expect(await client.ask({ protocol_state: 'RCPT', sasl_username: 'shop-7', recipient: 'k@example.net' })).toMatch(/^550 5\.7\.1 /);
    expect(await client.ask({ protocol_state: 'RCPT', sasl_username: 'shop-8', recipient: 'k@example.net' })).toBe('DUNNO');
  });

  it('refuses a message at END-OF-MESSAGE whose one recipient is suppressed', async () => {
    expect(await client.ask({ protocol_state: 'END-OF-MESSAGE', sasl_username: 'shop-9', recipient: 'r@example.net', queue_id: 'Q1' })).toMatch(/^550 5\.7\.1 /);
    expect(await client.ask({ protocol_state: 'END-OF-MESSAGE', sasl_username: 'shop-9', recipient: '', recipient_count: 2, queue_id: 'Q2' })).toBe('DUNNO');
  });

  it('prepends the one-click headers at DATA for one recipient, by policy_context', async () => {
    const link = await client.ask({ protocol_state: 'DATA', sasl_username: 'shop-7', recipient: 'kim@example.net', policy_context: 'list-unsubscribe' });
    const token = /^PREPEND List-Unsubscribe: <https:\/\/warden\.example\.com\/unsubscribe\/(\S+)>$/.exec(link)?.[1];
    expect(readToken(suppression.keyer.derive(oneClickKeyPurpose), token ?? '')).toEqual({ recipientHash: suppression.keyer.hash('kim@example.net'), scope: 'sender', scopeId: 'shop-7' });
    expect(await client.ask({ protocol_state: 'DATA', sasl_username: 'shop-7', recipient: 'kim@example.net', policy_context: 'list-unsubscribe-post' })).toBe('PREPEND List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    // Several recipients (none named), or no sender for a sender-scoped link: nothing to add.
    expect(await client.ask({ protocol_state: 'DATA', sasl_username: 'shop-7', recipient: '', recipient_count: 2, policy_context: 'list-unsubscribe' })).toBe('DUNNO');
    expect(await client.ask({ protocol_state: 'DATA', sasl_username: '', recipient: 'kim@example.net', policy_context: 'list-unsubscribe' })).toBe('DUNNO');
  });
});
