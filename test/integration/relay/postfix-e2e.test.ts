// The real Postfix asking Relay Warden at the end of DATA (check_policy_service), mail sent with
// swaks: an allowed, a throttled and a suspended sender get the SMTP replies the policy decides.
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wardenConfigSchema } from '../../../src/config/schema';
import { relayHourlyCounts } from '../../../src/db/schema';
import { writeOverride } from '../../../src/db/subjects';
import { startService, type RunningService } from '../../../src/service';
import { waitFor } from '../../support/poll';
import { postfixUnavailable, startPostfix, type RunningPostfix } from '../../support/postfix';

function swaksUnavailable(): string | null {
  try {
    accessSync('/usr/bin/swaks', constants.X_OK);
    return null;
  } catch {
    return 'swaks is not installed (Debian: apt-get install swaks)';
  }
}

const unavailable = postfixUnavailable() ?? swaksUnavailable();
if (unavailable) {
  if (process.env.CI === 'true') throw new Error(`CI=true requires the Postfix end-to-end test: ${unavailable}`);
  console.warn(`[skip] Postfix end-to-end test: ${unavailable}`);
}

/** The server's reply to the end of DATA (the line after the dot), as swaks shows it. */
async function sendMail(port: number, from: string): Promise<string> {
  const child = spawn('swaks', ['--server', '127.0.0.1', '--port', String(port), '--from', from, '--to', 'someone@gmail.example', '--helo', 'client.example', '--timeout', '20'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  await new Promise((resolve) => child.once('exit', resolve));
  const lines = output.split('\n');
  const dot = lines.findIndex((line) => /^ ->\s+\.$/.test(line));
  const reply = lines.slice(dot + 1).find((line) => /^\s*<(-|\*\*)\s+\d{3}/.test(line));
  if (dot < 0 || !reply) throw new Error(`no reply to the end of DATA in swaks output:\n${output}`);
  return reply.replace(/^\s*<(-|\*\*)\s+/, '');
}

describe.skipIf(unavailable)('Postfix with check_policy_service pointing at Relay Warden', () => {
  let service: RunningService;
  let postfix: RunningPostfix;
  beforeAll(async () => {
    const config = wardenConfigSchema.parse({
      server: { port: 0 },
      database: { dataDir: 'memory://' },
      scheduler: { enabled: false },
      relay: { policyServer: { enabled: true, port: 0, senderFrom: 'sender', countFlushMs: 50 } },
    });
    service = await startService({ config, logger: pino({ level: 'silent' }), jobs: [] });
    const now = new Date();
    const db = service.database.db;
    await writeOverride(db, 'sender', 'mallory@shop.example', { action: 'suspend', reason: 'phishing', until: null, limitPerHour: null, by: 'ops' }, 'ops', 'phishing', now);
    await writeOverride(db, 'sender', 'trudy@shop.example', { action: 'throttle', reason: 'new account', until: null, limitPerHour: 1, by: 'ops' }, 'ops', 'new', now);
    await waitFor(() => service.policySnapshot.lookup('trudy@shop.example', undefined, now).action === 'throttle', { what: 'the snapshot' });
    postfix = await startPostfix({ policyPort: service.policyServer!.port });
  });
  afterAll(async () => {
    await postfix?.stop();
    await service?.stop();
  });

  it('accepts mail from an allowed sender', async () => {
    expect(await sendMail(postfix.smtpPort, 'alice@shop.example')).toMatch(/^250 2\.0\.0 Ok: queued/);
  });

  it('rejects mail from a suspended sender with 554 5.7.1', async () => {
    expect(await sendMail(postfix.smtpPort, 'mallory@shop.example')).toMatch(/^554 5\.7\.1 .*Sender mallory@shop\.example is suspended/);
  });

  it('accepts a throttled sender up to its limit, then defers with 450 4.7.1', async () => {
    expect(await sendMail(postfix.smtpPort, 'trudy@shop.example')).toMatch(/^250 /);
    expect(await sendMail(postfix.smtpPort, 'trudy@shop.example')).toMatch(/^450 4\.7\.1 .*over its limit of 1 messages per hour/);
    const [count] = await waitFor(async () => {
      const rows = await service.database.db.select().from(relayHourlyCounts);
      return rows.some((row) => row.sender === 'trudy@shop.example') && rows.filter((row) => row.sender === 'trudy@shop.example');
    }, { what: 'the count written' });
    expect(count).toMatchObject({ accepted: 1 });
  });
});
