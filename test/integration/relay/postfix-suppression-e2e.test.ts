// The real Postfix asking Relay Warden at RCPT TO with the README's suppression block, mail sent
// with swaks: after an ARF complaint about r@example.net is ingested, a message from another
// sender to r@example.net and s@example.net is refused for r (5xx at RCPT TO) and delivered to s;
// a userunknown bounce suppresses, a bounce blaming our IP does not; and with the README's DATA
// block, a one-recipient message gets one-click unsubscribe headers whose link, POSTed, suppresses.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wardenConfigSchema } from '../../../src/config/schema';
import { ingestMailboxes } from '../../../src/ingest/run';
import { startService, type RunningService } from '../../../src/service';
import { waitFor } from '../../support/poll';
import { freeTcpPort, postfixUnavailable, startPostfix, type RunningPostfix } from '../../support/postfix';
import { arfComplaint, blocked, userUnknown } from '../../support/suppression-mail';
import { sendToRecipients, swaksUnavailable } from '../../support/swaks';
import { projectRoot } from '../../support/warden-process';

const unavailable = postfixUnavailable() ?? swaksUnavailable();
if (unavailable) {
  if (process.env.CI === 'true') throw new Error(`CI=true requires the Postfix suppression test: ${unavailable}`);
  console.warn(`[skip] Postfix suppression test: ${unavailable}`);
}

/** A main.cf block of the README's suppression section (the one after `lead`), pointed at the test's port. */
function readmeBlock(lead: string, must: string, policyPort: number): string[] {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const start = readme.indexOf(`${lead}\n\n\`\`\`\n`);
  const block = start < 0 ? undefined : readme.slice(start + lead.length + 5, readme.indexOf('```', start + lead.length + 5));
  if (!block?.includes(must)) throw new Error(`the README has no main.cf block with ${must} after "${lead}"`);
  return block.replaceAll('inet:127.0.0.1:10031', `inet:127.0.0.1:${policyPort}`).split('\n');
}
const readmeSuppressionBlock = (port: number) => readmeBlock('refuses a suppressed recipient at `RCPT TO`:', 'smtpd_recipient_restrictions', port);
const readmeUnsubscribeBlock = (port: number) => readmeBlock('adds both headers to a message with one recipient:', 'policy_context=list-unsubscribe-post', port);

describe.skipIf(unavailable)('Postfix refusing suppressed recipients at RCPT TO', () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-postfix-suppression-'));
  const maildir = join(dir, 'fbl');
  const configWith = (port: number) => wardenConfigSchema.parse({
    server: { port },
    database: { dataDir: 'memory://' },
    scheduler: { enabled: false },
    relay: { policyServer: { enabled: true, port: 0, senderFrom: 'sender', countFlushMs: 50 } },
    mailboxes: { local: [{ name: 'fbl', path: maildir, format: 'maildir' }] },
    suppression: { key: 'suppression-key-for-tests-0123456789abcdef', oneClick: { baseUrl: `http://127.0.0.1:${port}` } },
  });
  let config: ReturnType<typeof configWith>;
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
    config = configWith(await freeTcpPort());
    service = await startService({ config, logger: pino({ level: 'silent' }), jobs: [] });
    const port = service.policyServer!.port;
    postfix = await startPostfix({ policyPort: port, policyMainCf: readmeSuppressionBlock(port) });
  });
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

  it('prepends one-click unsubscribe headers to a one-recipient message; POSTing the link suppresses for that sender', async () => {
    const port = service.policyServer!.port;
    // Postfix logs each header the rules name, as the message is written to the queue.
    const rules = join(dir, 'header_checks');
    writeFileSync(rules, '/^List-Unsubscribe/ WARN\n');
    chmodSync(dir, 0o755);
    chmodSync(rules, 0o644);
    const withHeaders = await startPostfix({ policyPort: port, policyMainCf: [...readmeSuppressionBlock(port), ...readmeUnsubscribeBlock(port)], extraMainCf: [`header_checks = regexp:${rules}`] });
    try {
      const dialogue = await sendToRecipients({ port: withHeaders.smtpPort, from: 'news@shop.example', to: ['kim@example.net'] });
      expect(dialogue.endOfData, dialogue.transcript).toMatch(/^250 /);
      const queueId = /queued as (\w+)/.exec(dialogue.endOfData!)![1]!;
      const logged = await waitFor(() => {
        const lines = withHeaders.log().split('\n').filter((line) => line.includes(`${queueId}: warning: header List-Unsubscribe`));
        return lines.length === 2 && lines;
      }, { what: 'both headers in the Postfix log' });
      expect(logged[0]).toMatch(/header List-Unsubscribe: <http:\/\/127\.0\.0\.1:\d+\/unsubscribe\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+>/);
      expect(logged[1]).toMatch(/header List-Unsubscribe-Post: List-Unsubscribe=One-Click/);
      // Two recipients: Postfix names none at DATA, and no header is added.
      const two = await sendToRecipients({ port: withHeaders.smtpPort, from: 'news@shop.example', to: ['kim@example.net', 'lou@example.net'] });
      const twoId = /queued as (\w+)/.exec(two.endOfData!)![1]!;
      await waitFor(() => new RegExp(`${twoId}: to=<lou@example\\.net>.*status=sent`).test(withHeaders.log()), { what: 'the second message delivered' });
      expect(withHeaders.log()).not.toMatch(new RegExp(`${twoId}: warning: header List-Unsubscribe`));

      const link = /<(http[^>]+)>/.exec(logged[0]!)![1]!;
      const posted = await fetch(link, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
      expect(posted.status).toBe(200);
      await waitFor(() => service.suppressionSnapshot!.check('kim@example.net', 'news@shop.example', 'shop.example', new Date()).suppressed, { what: 'kim unsubscribed in the snapshot' });
      const again = await sendToRecipients({ port: withHeaders.smtpPort, from: 'news@shop.example', to: ['kim@example.net'] });
      expect(again.recipients.get('kim@example.net')).toMatch(/^550 5\.7\.1 /);
      // Unsubscribed from that sender's mail, not from everyone's.
      const other = await sendToRecipients({ port: withHeaders.smtpPort, from: 'alice@shop.example', to: ['kim@example.net'] });
      expect(other.recipients.get('kim@example.net')).toMatch(/^250 /);
    } finally {
      await withHeaders.stop();
    }
  });
});
