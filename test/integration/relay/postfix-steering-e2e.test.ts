// Listed-IP steering with the real Postfix and rbldnsd on loopback: the README's two smtp transports,
// bound to 127.0.0.2 and 127.0.0.3, deliver to a receiver that records the connecting address. Relay Warden
// answers FILTER <transport>: per sender; once rbldnsd lists 127.0.0.2 (and the blocklist job
// runs) new mail leaves from 127.0.0.3; after the delisting and the quiet period, from both again;
// with both listed, nothing is steered and mail leaves by Postfix's default transport.
import { eq } from 'drizzle-orm';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dnsblCheckJob } from '../../../src/jobs/dnsbl-check';
import { ipSteeringJob } from '../../../src/jobs/ip-steering';
import { wardenConfigSchema } from '../../../src/config/schema';
import { policyAudit } from '../../../src/db/schema';
import { recentEvents } from '../../../src/db/events';
import { DnsblResolver } from '../../../src/dnsbl/resolver';
import { runJobOnce } from '../../../src/scheduler/run-job';
import { startService, type RunningService } from '../../../src/service';
import { oneTestZoneDnsbl } from '../../support/dnsbl-test-zone';
import { waitFor } from '../../support/poll';
import { postfixUnavailable, startPostfix, type RunningPostfix } from '../../support/postfix';
import { findRbldnsd, startRbldnsd, type RunningRbldnsd } from '../../support/rbldnsd';
import { startSmtpReceiver, type RunningSmtpReceiver } from '../../support/smtp-receiver';
import { sendMail, swaksUnavailable } from '../../support/swaks';
import { projectRoot } from '../../support/warden-process';

const unavailable = postfixUnavailable() ?? swaksUnavailable() ?? (findRbldnsd() ? null : 'rbldnsd is not installed (Debian: apt-get install rbldnsd)');
if (unavailable) {
  if (process.env.CI === 'true') throw new Error(`CI=true requires the Postfix steering test: ${unavailable}`);
  console.warn(`[skip] Postfix steering test: ${unavailable}`);
}

/** The README's master.cf lines for two IPs, bound to the loopback addresses of the test. */
function readmeMasterCf(): string[] {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const block = /`master\.cf`, one `smtp` transport per IP:\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block?.includes('smtp_bind_address=192.0.2.10') || !block.includes('smtp_bind_address=192.0.2.11')) throw new Error('the README has no master.cf block binding 192.0.2.10 and 192.0.2.11');
  return block.replaceAll('192.0.2.10', '127.0.0.2').replaceAll('192.0.2.11', '127.0.0.3').trimEnd().split('\n');
}

const token = 'relay-token-steering-0123456789';
const logger = pino({ level: 'silent' });
// The zone's own test point is 127.0.0.9: 127.0.0.2, RFC 5782's usual one, is a relay IP here.
const zoneLines = (listed: string[]) => [':127.0.0.2:Listed: see https://bl.steer.test/lookup?ip=$', '127.0.0.9', ...listed];
const senders = Array.from({ length: 12 }, (_, index) => `sender${index}@shop.example`);

describe.skipIf(unavailable)('Postfix steered by Relay Warden between two outgoing IPs', () => {
  let rbldnsd: RunningRbldnsd;
  let receiver: RunningSmtpReceiver;
  let service: RunningService;
  let postfix: RunningPostfix;
  let config: ReturnType<typeof wardenConfigSchema.parse>;

  const runJob = (job: typeof dnsblCheckJob) => runJobOnce(job, { db: service.database.db, config, logger }, { trigger: 'manual', slot: null, instance: 'test', now: () => new Date() });
  const usable = async (sender?: string) => {
    const response = await fetch(`${service.url}/api/v1/ips/usable${sender ? `?sender=${encodeURIComponent(sender)}` : ''}`, { headers: { authorization: `Bearer ${token}` } });
    expect(response.status).toBe(200);
    return (await response.json()) as { usable: string[]; exhausted: boolean; chosen: { ip: string; transport: string } | null; ips: { ip: string; state: string }[] };
  };
  /** rbldnsd answers for 127.0.0.2 and 127.0.0.3 as wanted (the reload is asynchronous). */
  const zoneServes = async (listed: string[]) => {
    const probe = new DnsblResolver({ nameserver: rbldnsd.host, port: rbldnsd.port, timeoutMs: 200, retries: 0, concurrency: 1, perZoneQueriesPerSecond: 0 });
    await waitFor(
      async () => {
        for (const ip of ['127.0.0.2', '127.0.0.3']) {
          const answer = (await probe.query(`${ip.split('.').reverse().join('.')}.bl.steer.test`, 'A')).answer;
          if ((answer.status === 'answer') !== listed.includes(ip)) return false;
        }
        return true;
      },
      { what: `rbldnsd to serve ${listed.join(', ') || 'no listing'}` },
    );
  };
  /** Sends one message per sender; returns the address each arrived from. */
  const sendAll = async (from: string[]) => {
    const before = receiver.messages.length;
    for (const sender of from) expect(await sendMail({ port: postfix.smtpPort, from: sender })).toMatch(/^250 /);
    await waitFor(() => receiver.messages.length >= before + from.length, { timeoutMs: 30_000, what: `${from.length} messages at the receiver` });
    return new Map(receiver.messages.slice(before).map((message) => [message.mailFrom, message.remoteAddress]));
  };
  const snapshotShows = (states: Record<string, string>) =>
    waitFor(async () => {
      const ips = (await usable()).ips;
      return Object.entries(states).every(([ip, state]) => ips.find((entry) => entry.ip === ip)?.state === state) && service.steeringSnapshot.answer('x').ips.every((ip) => ip.state === states[ip.ip]);
    }, { what: `steering states ${JSON.stringify(states)}` });

  beforeAll(async () => {
    rbldnsd = await startRbldnsd([{ name: 'bl.steer.test', type: 'ip4set', lines: zoneLines([]) }]);
    receiver = await startSmtpReceiver();
    config = wardenConfigSchema.parse({
      server: { port: 0 },
      database: { dataDir: 'memory://' },
      scheduler: { enabled: false },
      auth: { tokens: [{ name: 'relay', token, scopes: ['relay'] }] },
      relay: { ips: ['127.0.0.2', '127.0.0.3'], policyServer: { enabled: true, port: 0, senderFrom: 'sender', countFlushMs: 50 } },
      dnsbl: oneTestZoneDnsbl({ id: 'steer', name: 'steering test list', zone: 'bl.steer.test', listedTestPoint: '127.0.0.9', nameserver: rbldnsd, retries: 1 }),
      steering: {
        enabled: true,
        ips: [
          { ip: '127.0.0.2', transport: 'out-a' },
          { ip: '127.0.0.3', transport: 'out-b' },
        ],
        listingSeverity: 'error',
        // Short for the test: three seconds quiet, then straight back to full weight.
        quietPeriodMinutes: 0.05,
        warmBackMinutes: 0,
      },
    });
    service = await startService({ config, logger, jobs: [] });
    postfix = await startPostfix({
      policyPort: service.policyServer!.port,
      // FILTER names the transport only: the destination is default_filter_nexthop (here the receiver).
      extraMainCf: [`default_filter_nexthop = [127.0.0.1]:${receiver.port}`],
      extraMasterCf: readmeMasterCf(),
    });
  }, 120_000);
  afterAll(async () => {
    await postfix?.stop();
    await service?.stop();
    await receiver?.close();
    await rbldnsd?.stop();
  });

  it('with both IPs clean, spreads senders over both, each where the API says', async () => {
    await runJob(dnsblCheckJob);
    const arrivals = await sendAll(senders);
    expect(new Set(arrivals.values())).toEqual(new Set(['127.0.0.2', '127.0.0.3']));
    for (const sender of senders) expect(arrivals.get(sender)).toBe((await usable(sender)).chosen!.ip);
  });

  it('after rbldnsd lists 127.0.0.2 and the blocklist job runs, new mail arrives from 127.0.0.3 only', async () => {
    rbldnsd.updateZone(0, zoneLines(['127.0.0.2']));
    await zoneServes(['127.0.0.2']);
    const run = await runJob(dnsblCheckJob);
    expect(run.summary).toMatchObject({ listed: 1, steeringChanges: 1 });
    await snapshotShows({ '127.0.0.2': 'listed', '127.0.0.3': 'active' });
    expect(await usable('sender0@shop.example')).toMatchObject({ usable: ['127.0.0.3'], exhausted: false, chosen: { ip: '127.0.0.3', transport: 'out-b' } });

    const arrivals = await sendAll(senders);
    expect(new Set(arrivals.values())).toEqual(new Set(['127.0.0.3']));

    const steered = (await recentEvents(service.database.db, { type: 'steering.steered', limit: 5 }))[0];
    expect(steered).toMatchObject({ subject: 'ip:127.0.0.2', severity: 'warning' });
    expect(steered!.summary).toContain('new mail leaves by 127.0.0.3');
    const audit = await service.database.db.select().from(policyAudit).where(eq(policyAudit.kind, 'ip'));
    expect(audit.map((row) => [row.subject, row.reason.split(':')[0]])).toEqual([['127.0.0.2', 'active → listed']]);
  });

  it('after the delisting and the quiet period, new mail arrives from both again', async () => {
    rbldnsd.updateZone(0, zoneLines([]));
    await zoneServes([]);
    await runJob(dnsblCheckJob);
    await snapshotShows({ '127.0.0.2': 'quiet', '127.0.0.3': 'active' });
    // Still quiet: nothing from 127.0.0.2 yet.
    expect(new Set((await sendAll(senders.slice(0, 4))).values())).toEqual(new Set(['127.0.0.3']));

    await waitFor(async () => (await runJob(ipSteeringJob)).summary?.changes === 1, { timeoutMs: 20_000, intervalMs: 500, what: 'the quiet period to end' });
    await snapshotShows({ '127.0.0.2': 'active', '127.0.0.3': 'active' });
    const arrivals = await sendAll(senders);
    expect(new Set(arrivals.values())).toEqual(new Set(['127.0.0.2', '127.0.0.3']));
    expect((await recentEvents(service.database.db, { limit: 3 })).map((event) => event.type)).toContain('steering.restored');
  });

  it('with both IPs listed, says so and answers no FILTER: mail leaves by the default transport', async () => {
    rbldnsd.updateZone(0, zoneLines(['127.0.0.2', '127.0.0.3']));
    await zoneServes(['127.0.0.2', '127.0.0.3']);
    await runJob(dnsblCheckJob);
    await snapshotShows({ '127.0.0.2': 'listed', '127.0.0.3': 'listed' });
    expect(await usable('sender0@shop.example')).toMatchObject({ usable: [], exhausted: true, chosen: null });
    expect((await recentEvents(service.database.db, { type: 'steering.exhausted', limit: 1 }))[0]).toMatchObject({ severity: 'critical' });

    const before = receiver.messages.length;
    const reply = await sendMail({ port: postfix.smtpPort, from: 'sender0@shop.example' });
    const queueId = /queued as ([0-9A-F]+)/.exec(reply)?.[1];
    expect(queueId).toBeDefined();
    // The harness's default transport is discard: the message is removed without reaching the receiver.
    await waitFor(() => postfix.log().includes(`${queueId}: removed`), { what: 'the message delivered by the default transport' });
    const lines = postfix.log().split('\n').filter((line) => line.includes(queueId!));
    expect(lines.some((line) => line.includes('FILTER'))).toBe(false);
    expect(lines.some((line) => /relay=none.*status=sent/.test(line))).toBe(true);
    expect(receiver.messages.length).toBe(before);
  });
});
