// (3) `warden serve` killed with SIGKILL while a receiver holds a delivery open: after a restart
// every alert arrives, in order, and only the one in flight twice, under the same webhook-id.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/poll';
import { createTestDatabase, postgresTestUrl, type TestDatabase } from '../../support/postgres';
import { startServe } from '../../support/warden-process';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const opsToken = 'ops-token-0123456789abcdef01';
const postgresServer = postgresTestUrl();

const engines = [
  { name: 'pglite', database: async () => ({ env: {}, drop: async () => {} }) },
  ...(postgresServer
    ? [{ name: 'postgres', database: async () => {
        const testDb: TestDatabase = await createTestDatabase(postgresServer);
        return { env: { DATABASE_URL: testDb.url }, drop: testDb.drop };
      } }]
    : []),
];

describe.each(engines)('alert delivery across a crash on $name', (engine) => {
  let receiver: WebhookReceiver | undefined;
  afterEach(async () => {
    await receiver?.close();
  });

  it('(3) loses nothing and repeats only the delivery in flight, with the same webhook-id', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'warden-alerts-'));
    const database = await engine.database();
    // The second delivery is held open (never answered) the first time it arrives.
    let heldId: string | undefined;
    receiver = await startWebhookReceiver(secret, ({ index, webhookId }) => {
      if (index === 1 && !heldId) {
        heldId = webhookId;
        return 'hold';
      }
      return 200;
    });
    writeFileSync(
      join(cwd, 'warden.yaml'),
      `auth:
  tokens: [{ name: ops, token: ${opsToken}, scopes: [ops] }]
scheduler:
  leaseSeconds: 2
jobs:
  deliver-alerts: { schedule: "* * * * * *" }
  evaluate-reputation: { enabled: false }
webhooks:
  destinations:
    - { name: oncall, url: "${receiver.url}", secret: "${secret}", minSeverity: info, timeoutMs: 3000 }
  groupWaitSeconds: 0
  retry: { baseSeconds: 1, capSeconds: 2 }
`,
    );
    let serve = await startServe({ cwd, env: database.env, startTimeoutMs: 60_000 });
    try {
      for (const sender of ['alice', 'bob', 'carol']) {
        const response = await fetch(`${serve.url}/api/v1/senders/${sender}/override`, {
          method: 'POST',
          headers: { authorization: `Bearer ${opsToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ action: 'suspend', reason: 'abuse reported' }),
        });
        expect(response.status).toBe(200);
      }
      await waitFor(() => receiver!.received.some((r) => r.answered === 'held'), { timeoutMs: 20_000, what: 'the receiver to hold a delivery' });
      serve.child.kill('SIGKILL');
      await serve.exited;

      serve = await startServe({ cwd, env: database.env, startTimeoutMs: 60_000 });
      await waitFor(() => receiver!.accepted().length >= 3, { timeoutMs: 30_000, what: 'all three alerts after the restart' });

      const accepted = receiver.accepted();
      expect(accepted.map((r) => r.body.alert.dedupKey)).toEqual([
        'sender:override_set:sender:alice',
        'sender:override_set:sender:bob',
        'sender:override_set:sender:carol',
      ]);
      expect(accepted.every((r) => r.signatureValid)).toBe(true);
      expect(new Set(accepted.map((r) => r.webhookId)).size).toBe(3);
      // At least once: the held delivery came again under its webhook-id; nothing else twice.
      expect(accepted[1]!.webhookId).toBe(heldId);
      const perId = new Map<string, number>();
      for (const r of receiver.received) perId.set(r.webhookId, (perId.get(r.webhookId) ?? 0) + 1);
      expect([...perId.entries()].filter(([, count]) => count > 1)).toEqual([[heldId, 2]]);
    } finally {
      serve.child.kill('SIGKILL');
      await serve.exited;
      await database.drop();
    }
  }, 180_000);
});
