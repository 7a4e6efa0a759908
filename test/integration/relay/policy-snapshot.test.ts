// The policy snapshot on both engines: loaded at start, refreshed by NOTIFY on every policy write,
// and on PostgreSQL a change made through one connection is seen by another instance's snapshot.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reputationConfig } from '../../../src/config/reputation';
import { openDatabase, type Database } from '../../../src/db/client';
import { recordFacts } from '../../../src/enforcement/facts';
import { storeSendEvents } from '../../../src/db/send-events';
import { writeOverride } from '../../../src/db/subjects';
import { PolicySnapshot } from '../../../src/relay/policy-snapshot';
import { evaluateReputation } from '../../../src/enforcement/evaluation';
import { testEngines } from '../../support/engines';
import { waitFor } from '../../support/poll';
import { createTestDatabase, postgresTestUrl } from '../../support/postgres';

const rules = reputationConfig.parse({});
const logger = pino({ level: 'silent' });
const now = new Date('2026-11-20T12:00:00Z');
// A long fallback interval: these tests see changes only through NOTIFY.
const snapshotOf = (database: Database) => new PolicySnapshot(database, { throttleLimitPerHour: 100, refreshSeconds: 3600, logger });
const override = (action: 'allow' | 'throttle' | 'suspend', until: Date | null = null, limitPerHour: number | null = null) => ({
  action,
  reason: 'test',
  until,
  limitPerHour,
  by: 'ops',
});

describe.each(testEngines())('policy snapshot on $name', (engine) => {
  let database: Database;
  let snapshot: PolicySnapshot;
  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(async () => {
    await snapshot?.stop();
    await database.close();
  });

  it('answers allow for a sender it has never seen, without reading the database', async () => {
    snapshot = snapshotOf(database);
    await snapshot.start();
    expect(snapshot.lookup('nobody', 'nowhere.example', now)).toMatchObject({ action: 'allow', version: 0 });
  });

  it('loads the policies in force at start', async () => {
    await writeOverride(database.db, 'sender', 'mallory', override('suspend'), 'ops', 'phishing', now);
    snapshot = snapshotOf(database);
    await snapshot.start();
    expect(snapshot.lookup('mallory', undefined, now)).toMatchObject({ action: 'suspend', source: 'manual' });
    expect(snapshot.version).toBeGreaterThan(0);
  });

  it('sees an override set after start through NOTIFY, and its expiry at lookup time', async () => {
    snapshot = snapshotOf(database);
    await snapshot.start();
    const until = new Date(now.getTime() + 3_600_000);
    await writeOverride(database.db, 'sender', 'trudy', override('throttle', until, 5), 'ops', 'new account', now);
    await waitFor(() => snapshot.lookup('trudy', undefined, now).action === 'throttle', { timeoutMs: 1000, intervalMs: 10, what: 'the override in the snapshot' });
    expect(snapshot.lookup('trudy', undefined, now)).toMatchObject({ limitPerHour: 5, until });
    expect(snapshot.lookup('trudy', undefined, new Date(until.getTime() + 1)).action).toBe('allow');
  });

  it('applies the stricter sending-domain policy, and sees automatic decisions', async () => {
    snapshot = snapshotOf(database);
    await snapshot.start();
    const versionBefore = snapshot.version;
    await storeSendEvents(
      database.db,
      Array.from({ length: 1000 }, (_, i) => ({
        messageId: `<m${i}@relay>`, recipientKey: `r${i}`, sender: 'eve', senderDomain: 'bulk.example',
        recipientDomain: 'gmail.example', ip: '192.0.2.10', at: new Date(now.getTime() - 7_200_000 + i),
      })),
    );
    await recordFacts(
      database.db,
      Array.from({ length: 10 }, (_, i) => ({
        dedupKey: `c${i}`, kind: 'complaint' as const, reason: 'feedback', feedbackType: 'abuse',
        sender: 'eve', senderDomain: 'bulk.example', source: 'test', occurredAt: new Date(now.getTime() - 3_600_000),
      })),
    );
    await evaluateReputation(database.db, rules, now);
    await waitFor(() => snapshot.lookup('eve', undefined, now).action === 'suspend', { timeoutMs: 1000, intervalMs: 10, what: 'the evaluation in the snapshot' });
    // Another sender of the suspended domain is suspended for mail from it, and only from it.
    expect(snapshot.lookup('frank', 'bulk.example', now)).toMatchObject({ action: 'suspend', source: 'domain' });
    expect(snapshot.lookup('frank', 'other.example', now).action).toBe('allow');
    const changes = snapshot.changesSince(versionBefore);
    expect(changes.map((c) => `${c.kind}:${c.id}`).sort()).toEqual(['domain:bulk.example', 'sender:eve']);
    expect(snapshot.changesSince(snapshot.version)).toEqual([]);
  });

  it('reports a cleared override as a change, so copies drop it', async () => {
    await writeOverride(database.db, 'sender', 'oscar', override('suspend'), 'ops', 'x', now);
    snapshot = snapshotOf(database);
    await snapshot.start();
    const since = snapshot.version;
    await writeOverride(database.db, 'sender', 'oscar', null, 'ops', 'cleaned', now);
    await waitFor(() => snapshot.version > since, { timeoutMs: 1000, intervalMs: 10, what: 'the clear in the snapshot' });
    expect(snapshot.changesSince(since)).toMatchObject([{ id: 'oscar', policy: { override: null } }]);
    expect(snapshot.lookup('oscar', undefined, now).action).toBe('allow');
  });
});

const serverUrl = postgresTestUrl();
describe.skipIf(!serverUrl)('policy snapshot across instances on PostgreSQL', () => {
  it('shows a change made through one instance in another instance’s snapshot within 1 s', async () => {
    const testDb = await createTestDatabase(serverUrl!);
    const first = await openDatabase({ url: testDb.url });
    const second = await openDatabase({ url: testDb.url });
    const snapshots = [snapshotOf(first), snapshotOf(second)];
    try {
      await first.migrate();
      await Promise.all(snapshots.map((s) => s.start()));
      for (const [writer, reader, sender] of [[first, snapshots[1]!, 'alice'], [second, snapshots[0]!, 'bob']] as const) {
        await writeOverride(writer.db, 'sender', sender, override('suspend'), 'ops', 'cross-instance', now);
        // Measured from the commit: what the relay waits for is propagation, not the write itself.
        const started = Date.now();
        await waitFor(() => reader.lookup(sender, undefined, now).action === 'suspend', { timeoutMs: 1000, intervalMs: 5, what: `${sender} suspended in the other snapshot` });
        expect(Date.now() - started).toBeLessThan(1000);
      }
      // Each instance also hears its own change; both end on the same version.
      await waitFor(() => snapshots[0]!.version === snapshots[1]!.version, { timeoutMs: 1000, what: 'both snapshots at the same version' });
    } finally {
      await Promise.all(snapshots.map((s) => s.stop()));
      await first.close();
      await second.close();
      await testDb.drop();
    }
  });
});
