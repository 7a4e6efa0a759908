// Blame for a listing, on both engines: three senders share a relay IP; one sends the mail that
// draws complaints and spam blocks before the IP is listed. When the blocklist job confirms the
// listing, that sender ranks first with its share of the IP's mail: in the listing event, the
// alert it opens, and the IP's API detail.
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { routeOutbox } from '../../../src/alerts/outbox-router';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { recentEvents } from '../../../src/db/events';
import { alerts } from '../../../src/db/schema';
import { storeSendEvents, type SendEventInput } from '../../../src/db/send-events';
import { recordFacts } from '../../../src/enforcement/facts';
import type { FactInput } from '../../../src/enforcement/fact-records';
import { dnsblCheckJob } from '../../../src/jobs/dnsbl-check';
import { runJobOnce } from '../../../src/scheduler/run-job';
import { oneTestZoneDnsbl } from '../../support/dnsbl-test-zone';
import { startTestDnsServer, type TestDnsServer } from '../../support/dns-server';
import { testEngines } from '../../support/engines';

const logger = pino({ level: 'silent' });
const ip = '192.0.2.10';
const relayToken = 'relay-token-0123456789abcdef0';
const listedAt = new Date('2026-03-02T12:00:00Z');
let listing = false;

let dns: TestDnsServer;
beforeAll(async () => {
  dns = await startTestDnsServer((name) => {
    if (name === '2.0.0.127.bl.blame.test') return { kind: 'answer', a: ['127.0.0.2'] };
    if (listing && name === '10.2.0.192.bl.blame.test') return { kind: 'answer', a: ['127.0.0.2'] };
    return { kind: 'nxdomain' };
  });
});
afterAll(() => dns.close());

const config = () =>
  wardenConfigSchema.parse({
    auth: { tokens: [{ name: 'relay', token: relayToken, scopes: ['relay'] }] },
    relay: { ips: [ip] },
    dnsbl: oneTestZoneDnsbl({ id: 'blame', name: 'blame test list', zone: 'bl.blame.test', listedTestPoint: '127.0.0.2', nameserver: dns, retries: 0 }),
    steering: { blameWindowHours: 6 },
    webhooks: { destinations: [{ name: 'ops-chat', url: 'http://127.0.0.1:9/hook', format: 'json' }] },
  });

/** `count` messages from a sender on the IP, spread over the hours before the listing. */
function sends(sender: string, count: number, hoursBefore: number): SendEventInput[] {
  return Array.from({ length: count }, (_, index) => ({
    messageId: `${sender}-${index}`,
    recipientKey: `rcpt${index}@mail.example`,
    sender,
    senderDomain: sender.split('@')[1]!,
    recipientDomain: 'mail.example',
    ip,
    at: new Date(listedAt.getTime() - hoursBefore * 3_600_000 + index * 1000),
  }));
}

const fact = (sender: string, index: number, over: Partial<FactInput>): FactInput => ({
  dedupKey: `${sender}-${over.kind}-${over.reason ?? over.feedbackType}-${index}`,
  kind: 'complaint',
  sender,
  originalMessageId: `${sender}-${index}`,
  source: 'test',
  occurredAt: new Date(listedAt.getTime() - 3_600_000 + index * 1000),
  ...over,
});

describe.each(testEngines())('blame for a listing on $name', (engine) => {
  let database: Database;
  beforeEach(async () => {
    database = await engine.open();
    listing = false;
  });
  afterEach(() => database.close());

  it('ranks first the sender whose mail drew complaints and spam blocks, with its share, in the event, the alert and the API', async () => {
    // alice sends the most, cleanly; bob a little, one unknown-user bounce (the recipient's fault,
    // not the IP's); mallory 30% of the mail, with complaints and spam blocks, three hours before.
    await storeSendEvents(database.db, [...sends('alice@shop.example', 50, 5), ...sends('bob@news.example', 20, 4), ...sends('mallory@deals.example', 30, 3)]);
    // Mail from the IP outside the window does not count.
    await storeSendEvents(database.db, sends('old@shop.example', 40, 30));
    await recordFacts(database.db, [
      ...[0, 1, 2, 3].map((index) => fact('mallory@deals.example', index, { kind: 'complaint', feedbackType: 'abuse' })),
      ...[4, 5].map((index) => fact('mallory@deals.example', index, { kind: 'bounce', reason: 'spamdetected', hardBounce: true })),
      fact('bob@news.example', 0, { kind: 'bounce', reason: 'userunknown', hardBounce: true }),
      fact('alice@shop.example', 0, { kind: 'complaint', feedbackType: 'not-spam' }),
    ]);

    listing = true;
    const cfg = config();
    const run = await runJobOnce(dnsblCheckJob, { db: database.db, config: cfg, logger }, { trigger: 'manual', slot: null, instance: 'test', now: () => listedAt });
    expect(run.outcome).toBe('succeeded');

    const [listed] = await recentEvents(database.db, { type: 'dnsbl.listed', limit: 1 });
    const blame = (listed!.payload as { blame: { totalSent: number; senders: { sender: string; share: number; complaints: number; ipBlamingBounces: number }[] } }).blame;
    expect(blame.totalSent).toBe(100);
    expect(blame.senders.map((sender) => [sender.sender, sender.share, sender.complaints, sender.ipBlamingBounces])).toEqual([
      ['mallory@deals.example', 0.3, 4, 2],
      ['alice@shop.example', 0.5, 0, 0],
      ['bob@news.example', 0.2, 0, 0],
    ]);
    expect(listed!.summary).toMatch(/most to blame first: mallory@deals\.example \(30% of the mail, 4 complaints, 2 blocked\/spam\/reputation bounces\)/);

    // The alert the listing opens is titled with the event's summary: it names the sender.
    await routeOutbox(database.db, cfg.webhooks, listedAt);
    const [alert] = await database.db.select().from(alerts);
    expect(alert!.kind).toBe('listed');
    expect(alert!.title).toContain('mallory@deals.example (30% of the mail');

    const app = createApp({ database, config: cfg, logger, jobs: [] });
    const response = await app.request(`/api/v1/ips/${ip}`, { headers: { authorization: `Bearer ${relayToken}` } });
    expect(response.status).toBe(200);
    const detail = (await response.json()) as { blame: { to: string; senders: { rank: number; sender: string; share: number }[] } };
    expect(detail.blame.to).toBe(listedAt.toISOString());
    expect(detail.blame.senders[0]).toMatchObject({ rank: 1, sender: 'mallory@deals.example', share: 0.3 });
  });
});
