// The real Postfix asking Relay Warden (check_policy_service) with the README's main.cf block, mail
// sent with swaks: an allowed, a throttled and a suspended sender get the SMTP replies the policy
// decides, with the check at the end of DATA and also at RCPT TO; and with 2,000 idle connections
// held from another address, a new Postfix still gets its answers.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wardenConfigSchema } from '../../../src/config/schema';
import { relayHourlyCounts } from '../../../src/db/schema';
import { writeOverride } from '../../../src/db/subjects';
import { startService, type RunningService } from '../../../src/service';
import { waitFor } from '../../support/poll';
import { postfixUnavailable, startPostfix, type RunningPostfix } from '../../support/postfix';
import { sendMail, swaksUnavailable } from '../../support/swaks';
import { projectRoot } from '../../support/warden-process';

const unavailable = postfixUnavailable() ?? swaksUnavailable();
if (unavailable) {
  if (process.env.CI === 'true') throw new Error(`CI=true requires the Postfix end-to-end test: ${unavailable}`);
  console.warn(`[skip] Postfix end-to-end test: ${unavailable}`);
}

/** The main.cf block of the README's "Postfix policy server" section, pointed at the test's port. */
function readmePolicyBlock(policyPort: number): string[] {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const block = /and in Postfix's `main\.cf`:\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block?.includes('check_policy_service inet:127.0.0.1:10031')) throw new Error('the README has no main.cf block with check_policy_service on 127.0.0.1:10031');
  return block.replaceAll('inet:127.0.0.1:10031', `inet:127.0.0.1:${policyPort}`).split('\n');
}

const placements = [
  { name: 'at the end of DATA (the README block)', extraMainCf: () => [] },
  // The README's option: also at RCPT TO, refusing before the content is sent and counting nothing there.
  { name: 'at RCPT TO and the end of DATA', extraMainCf: (port: number) => [`smtpd_recipient_restrictions = check_policy_service inet:127.0.0.1:${port}`] },
];

describe.skipIf(unavailable)('Postfix with check_policy_service pointing at Relay Warden', () => {
  let service: RunningService;
  const countOf = async (sender: string) =>
    (await service.database.db.select().from(relayHourlyCounts)).filter((row) => row.sender === sender).reduce((sum, row) => sum + row.accepted, 0);

  beforeAll(async () => {
    const config = wardenConfigSchema.parse({
      server: { port: 0 },
      database: { dataDir: 'memory://' },
      scheduler: { enabled: false },
      // The request timeout out of the way: the idle connections below are held by the per-client
      // cap alone (the timeout has its own test, policy-port-safety).
      relay: { policyServer: { enabled: true, port: 0, senderFrom: 'sender', countFlushMs: 50, requestTimeoutSeconds: 300 } },
    });
    service = await startService({ config, logger: pino({ level: 'silent' }), jobs: [] });
    const now = new Date();
    const db = service.database.db;
    await writeOverride(db, 'sender', 'mallory@shop.example', { action: 'suspend', reason: 'phishing', until: null, limitPerHour: null, by: 'ops' }, 'ops', 'phishing', now);
    for (const index of placements.keys()) {
      await writeOverride(db, 'sender', `trudy${index}@shop.example`, { action: 'throttle', reason: 'new account', until: null, limitPerHour: 1, by: 'ops' }, 'ops', 'new', now);
    }
    await waitFor(() => service.policySnapshot.lookup(`trudy${placements.length - 1}@shop.example`, undefined, now).action === 'throttle', { what: 'the snapshot' });
  }, 60_000);
  afterAll(async () => {
    await service?.stop();
  });

  describe.each(placements.map((placement, index) => ({ ...placement, index })))('checked $name', ({ extraMainCf, index }) => {
    let postfix: RunningPostfix;
    const trudy = `trudy${index}@shop.example`;
    beforeAll(async () => {
      const port = service.policyServer!.port;
      postfix = await startPostfix({ policyPort: port, policyMainCf: readmePolicyBlock(port), extraMainCf: extraMainCf(port) });
    });
    afterAll(async () => {
      await postfix?.stop();
    });

    it('accepts mail from an allowed sender', async () => {
      expect(await sendMail({ port: postfix.smtpPort, from: 'alice@shop.example' })).toMatch(/^250 2\.0\.0 Ok: queued/);
    });

    it('rejects mail from a suspended sender with 554 5.7.1', async () => {
      expect(await sendMail({ port: postfix.smtpPort, from: 'mallory@shop.example' })).toMatch(/^554 5\.7\.1 .*Sender mallory@shop\.example is suspended/);
    });

    it('accepts a throttled sender up to its limit, then defers with 450 4.7.1, counting each message once', async () => {
      expect(await sendMail({ port: postfix.smtpPort, from: trudy })).toMatch(/^250 /);
      expect(await sendMail({ port: postfix.smtpPort, from: trudy })).toMatch(/^450 4\.7\.1 .*over its limit of 1 messages per hour/);
      await waitFor(async () => (await countOf(trudy)) > 0, { what: 'the count written' });
      expect(await countOf(trudy)).toBe(1);
    });
  });

  describe('with 2,000 idle connections held from one other address', () => {
    let postfix: RunningPostfix | undefined;
    const idle: Socket[] = [];
    afterAll(async () => {
      for (const socket of idle) socket.destroy();
      await postfix?.stop();
    });

    it('still answers a new Postfix: 554 5.7.1 for a suspended sender, 250 for an allowed one', async () => {
      const port = service.policyServer!.port;
      const closed = new Set<Socket>();
      // Connected in batches (the listen backlog is finite), then left silent.
      for (let batch = 0; batch < 20; batch++) {
        await Promise.all(
          Array.from({ length: 100 }, () =>
            new Promise<void>((resolve) => {
              const socket = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' }, () => resolve());
              socket.on('error', () => resolve());
              socket.on('close', () => closed.add(socket));
              idle.push(socket);
            }),
          ),
        );
      }
      const maxConnectionsPerClient = wardenConfigSchema.parse({}).relay.policyServer.maxConnectionsPerClient;
      await waitFor(() => closed.size === idle.length - maxConnectionsPerClient, { timeoutMs: 30_000, what: 'the connections over the per-client cap closed' });
      // Postfix starts now: every smtpd opens a new policy connection, from 127.0.0.1.
      postfix = await startPostfix({ policyPort: port, policyMainCf: readmePolicyBlock(port) });
      expect(await sendMail({ port: postfix.smtpPort, from: 'mallory@shop.example' })).toMatch(/^554 5\.7\.1 .*Sender mallory@shop\.example is suspended/);
      expect(await sendMail({ port: postfix.smtpPort, from: 'alice@shop.example' })).toMatch(/^250 /);
      // The flood is still held: the cap kept a place, not a timeout.
      expect(idle.length - closed.size).toBe(maxConnectionsPerClient);
    }, 120_000);
  });
});
