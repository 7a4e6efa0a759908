// The real Postfix asking Relay Warden at RCPT TO with the README's suppression block, mail sent
// with swaks: after an ARF complaint about r@example.net is ingested, a message from another
// sender to r@example.net and s@example.net is refused for r (5xx at RCPT TO) and delivered to s;
// a userunknown bounce suppresses, a bounce blaming our IP does not.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wardenConfigSchema } from '../../../src/config/schema';
import { ingestMailboxes } from '../../../src/ingest/run';
import { startService, type RunningService } from '../../../src/service';
import { waitFor } from '../../support/poll';
import { postfixUnavailable, startPostfix, type RunningPostfix } from '../../support/postfix';
import { arfComplaint, blocked, userUnknown } from '../../support/suppression-mail';
import { sendToRecipients, swaksUnavailable } from '../../support/swaks';
import { projectRoot } from '../../support/warden-process';

const unavailable = postfixUnavailable() ?? swaksUnavailable();
if (unavailable) {
  if (process.env.CI === 'true') throw new Error(`CI=true requires the Postfix suppression test: ${unavailable}`);
  console.warn(`[skip] Postfix suppression test: ${unavailable}`);
}

/** The main.cf block of the README's suppression section, pointed at the test's port. */
function readmeSuppressionBlock(policyPort: number): string[] {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const block = /refuses a suppressed recipient at `RCPT TO`:\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block?.includes('smtpd_recipient_restrictions')) throw new Error('the README has no main.cf block with smtpd_recipient_restrictions for suppression');
  return block.replaceAll('inet:127.0.0.1:10031', `inet:127.0.0.1:${policyPort}`).split('\n');
}

describe.skipIf(unavailable)('Postfix refusing suppressed recipients at RCPT TO', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-postfix-suppression-'));
  const maildir = join(dir, 'fbl');
  const config = wardenConfigSchema.parse({
    server: { port: 0 },
    database: { dataDir: 'memory://' },
    scheduler: { enabled: false },
    relay: { policyServer: { enabled: true, port: 0, senderFrom: 'sender', countFlushMs: 50 } },
    mailboxes: { local: [{ name: 'fbl', path: maildir, format: 'maildir' }] },
    suppression: { key: 'suppression-key-for-tests-0123456789abcdef' },
  });
  let service: RunningService;
  let postfix: RunningPostfix;
  let file = 0;
  const ingest = async (...reports: Buffer[]) => {
    for (const report of reports) writeFileSync(join(maildir, 'new', `${1700000000 + ++file}.M${file}.host`), report);
    const summary = await ingestMailboxes({ db: service.database.db, config, logger: pino({ level: 'silent' }), now: new Date() });
    expect(summary.failures).toEqual([]);
  };
  const suppressed = (address: string) => service.suppressionSnapshot!.check(address, undefined, undefined, new Date()).suppressed;
  const send = (from: string, to: string[]) => sendToRecipients({ port: postfix.smtpPort, from, to });

  beforeAll(async () => {
    mkdirSync(join(maildir, 'new'), { recursive: true });
    mkdirSync(join(maildir, 'cur'), { recursive: true });
    service = await startService({ config, logger: pino({ level: 'silent' }), jobs: [] });
    const port = service.policyServer!.port;
    postfix = await startPostfix({ policyPort: port, policyMainCf: readmeSuppressionBlock(port) });
  }, 60_000);
  afterAll(async () => {
    await postfix?.stop();
    await service?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers to r@example.net before anyone complained', async () => {
    const dialogue = await send('alice@shop.example', ['r@example.net']);
    expect(dialogue.recipients.get('r@example.net')).toMatch(/^250 /);
    expect(dialogue.endOfData).toMatch(/^250 /);
  });

  it('after a complaint about r@example.net, refuses r for another sender at RCPT TO and delivers to s', async () => {
    const complainedOf = new Date(Date.now() - 3_600_000).toISOString();
    await ingest(arfComplaint({ recipient: 'r@example.net', at: complainedOf, sender: 'anon-41' }));
    await waitFor(() => suppressed('r@example.net'), { what: 'r@example.net in the suppression snapshot' });
    const dialogue = await send('mallory-new-account@shop.example', ['r@example.net', 's@example.net']);
    expect(dialogue.recipients.get('r@example.net')).toMatch(/^550 5\.7\.1 .*suppressed/);
    expect(dialogue.recipients.get('s@example.net')).toMatch(/^250 /);
    expect(dialogue.endOfData, dialogue.transcript).toMatch(/^250 /);
    const queueId = /queued as (\w+)/.exec(dialogue.endOfData!)![1]!;
    // Delivered (discarded by the test relay) to s only.
    await waitFor(() => new RegExp(`${queueId}: to=<s@example\\.net>.*status=sent`).test(postfix.log()), { what: 'delivery to s in the Postfix log' });
    expect(postfix.log()).not.toMatch(new RegExp(`${queueId}: to=<r@example\\.net>`));
  });

  it('refuses the recipient of a userunknown bounce, and still delivers to one whose bounce blamed our IP', async () => {
    const bounced = new Date(Date.now() - 3_600_000).toISOString();
    await ingest(userUnknown({ recipient: 'u@example.net', at: bounced }), blocked({ recipient: 'b@example.net', at: bounced }));
    await waitFor(() => suppressed('u@example.net'), { what: 'u@example.net in the suppression snapshot' });
    const dialogue = await send('alice@shop.example', ['u@example.net', 'b@example.net']);
    expect(dialogue.recipients.get('u@example.net')).toMatch(/^550 5\.7\.1 /);
    expect(dialogue.recipients.get('b@example.net')).toMatch(/^250 /);
    expect(dialogue.endOfData).toMatch(/^250 /);
  });
});
