/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The IP reputation pages in a real browser (Debian's Chromium through playwright-core) against a
// real `warden serve`, after a blocklist run listed one of two steered relay IPs: the steering
// section shows the listed IP out of use and new mail leaving by the other, and the listed IP's
// page names the senders of its mail before the listing, most to blame first, and no one else.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Db } from '../../../src/db/client';
import { storeSendEvents, type SendEventInput } from '../../../src/db/send-events';
import { recordFacts } from '../../../src/enforcement/facts';
import type { FactInput } from '../../../src/enforcement/fact-records';
import { dnsblCheckJob } from '../../../src/jobs/dnsbl-check';
import { runJobOnce } from '../../../src/scheduler/run-job';
import { chromiumAvailable } from '../../support/chromium';
import { logIn, screenshotDir, startDashboard, type DashboardInBrowser } from '../../support/dashboard-browser';
import { startTestDnsServer, type TestDnsServer } from '../../support/dns-server';
import { oneTestZoneDnsbl } from '../../support/dnsbl-test-zone';

const listedIp = '192.0.2.10';
const cleanIp = '192.0.2.11';
const hourMs = 3_600_000;

/** `count` messages from a sender on an IP, one a second from `hoursBefore` hours before `listedAt`. */
function sends(listedAt: Date, sender: string, ip: string, count: number, hoursBefore: number): SendEventInput[] {
  return Array.from({ length: count }, (_, index) => ({
    messageId: `${sender}-${ip}-${index}`,
    recipientKey: `rcpt${index}@mail.example`,
    sender,
    senderDomain: sender.split('@')[1]!,
    recipientDomain: 'mail.example',
    ip,
    at: new Date(listedAt.getTime() - hoursBefore * hourMs + index * 1000),
  }));
}

const fact = (listedAt: Date, sender: string, index: number, over: Partial<FactInput>): FactInput => ({
  dedupKey: `${sender}-${over.kind}-${over.reason ?? over.feedbackType}-${index}`,
  kind: 'complaint',
  sender,
  originalMessageId: `${sender}-${listedIp}-${index}`,
  source: 'imap:fbl/INBOX',
  occurredAt: new Date(listedAt.getTime() - hourMs + index * 1000),
  ...over,
});

/** The relay's settings: both IPs steered, checked against one custom zone served by `dns`. */
const settings = (dns: TestDnsServer) => ({
  relay: { ips: [listedIp, cleanIp] },
  dnsbl: oneTestZoneDnsbl({ id: 'blame', name: 'blame test list', zone: 'bl.blame.test', listedTestPoint: '127.0.0.2', nameserver: dns, retries: 0 }),
  steering: {
    enabled: true,
    blameWindowHours: 6,
    ips: [
      { ip: listedIp, transport: 'out-a' },
      { ip: cleanIp, transport: 'out-b' },
    ],
  },
});

/**
 * The send log and the feedback stored as the relay and the mailbox reader store them, then the
 * blocklist job run that confirms the listing (and steers off the IP). alice sends most of the
 * listed IP's mail, cleanly; bob a little, with one unknown-user bounce (the recipient's fault);
 * mallory 30%, with complaints and spam blocks. carol sends only from the clean IP, and dave
 * sent from the listed IP a day before the window: neither has a part in the listing.
 */
async function seedListing(db: Db, config: ReturnType<typeof wardenConfigSchema.parse>, listedAt: Date): Promise<void> {
  await storeSendEvents(db, [
    ...sends(listedAt, 'alice@shop.example', listedIp, 50, 5),
    ...sends(listedAt, 'bob@news.example', listedIp, 20, 4),
    ...sends(listedAt, 'mallory@deals.example', listedIp, 30, 3),
    ...sends(listedAt, 'carol@clean.example', cleanIp, 40, 3),
    ...sends(listedAt, 'dave@old.example', listedIp, 40, 30),
  ]);
  await recordFacts(db, [
    ...[0, 1, 2, 3].map((index) => fact(listedAt, 'mallory@deals.example', index, { kind: 'complaint', feedbackType: 'abuse' })),
    ...[4, 5].map((index) => fact(listedAt, 'mallory@deals.example', index, { kind: 'bounce', reason: 'spamdetected', hardBounce: true })),
    fact(listedAt, 'bob@news.example', 0, { kind: 'bounce', reason: 'userunknown', hardBounce: true }),
  ]);
  const run = await runJobOnce(dnsblCheckJob, { db, config, logger: pino({ level: 'silent' }) }, { trigger: 'manual', slot: null, instance: 'test', now: () => listedAt });
  expect(run.outcome).toBe('succeeded');
}

describe.skipIf(!chromiumAvailable())('IP reputation pages in Chromium', () => {
  let dns: TestDnsServer;
  let dashboard: DashboardInBrowser;

  beforeAll(async () => {
    dns = await startTestDnsServer((name) => {
      if (name === '2.0.0.127.bl.blame.test' || name === `10.2.0.192.bl.blame.test`) return { kind: 'answer', a: ['127.0.0.2'] };
      return { kind: 'nxdomain' };
    });
    const relaySettings = settings(dns);
    const listedAt = new Date(Date.now() - 60_000);
    dashboard = await startDashboard({
      name: 'warden-ip-page',
      config: stringify(relaySettings).split('\n'),
      seed: (db) => seedListing(db, wardenConfigSchema.parse(relaySettings), listedAt),
      dialogs: 'dismiss',
    });
    await logIn(dashboard);
  });

  afterAll(async () => {
    await dashboard?.stop();
    await dns?.close();
  });

  const page = () => dashboard.page;
  const open = async (hash: string) => {
    await page().evaluate((target) => (window.location.hash = target), hash);
    await page().waitForFunction((target) => window.location.hash === target && document.querySelector('main .view[data-view="ips"]')?.getAttribute('data-ready') === 'true', hash, { timeout: 20_000 });
  };
  /** The rows of the section titled `title`, each as its cells' text by column label, and the section's text. */
  const sectionContent = async (title: string) => {
    const content = await page().$$eval(
      'main section',
      (sections, wanted) => {
        const found = sections.find((section) => section.querySelector('h2')?.textContent === wanted);
        if (!found) return null;
        const rows = [...found.querySelectorAll('tbody tr')].map((row) => Object.fromEntries([...row.querySelectorAll('td[data-label]')].map((cell) => [cell.getAttribute('data-label'), cell.textContent])));
        return { rows, text: found.textContent ?? '' };
      },
      title,
    );
    expect(content, `the section "${title}"`).not.toBeNull();
    return content!;
  };

  it('shows the listed IP out of use and new mail leaving by the other', async () => {
    await open('#/ips');
    const steering = await sectionContent('Steering: which addresses take new mail');
    expect(steering.text).toContain(`new mail leaves by ${cleanIp}`);
    expect(steering.rows).toEqual([
      { address: listedIp, transport: 'out-a', state: 'listed', 'weight in use': '0 / 1', until: '–', why: 'listed on blame (critical)' },
      { address: cleanIp, transport: 'out-b', state: 'active', 'weight in use': '1 / 1', until: '–', why: 'in use' },
    ]);
  });

  it('moves the senders of the listed IP onto the other IP’s transport', async () => {
    const chosen = await page().evaluate(async (senders) => {
      const answers = await Promise.all(senders.map(async (sender) => (await fetch(`/api/v1/ips/usable?sender=${encodeURIComponent(sender)}`, { credentials: 'same-origin' })).json()));
      return answers.map((answer) => answer.chosen);
    }, ['alice@shop.example', 'bob@news.example', 'mallory@deals.example']);
    expect(chosen).toEqual(Array(3).fill({ ip: cleanIp, transport: 'out-b' }));
  });

  it('names the senders of the listed IP’s mail before the listing, most to blame first, and no one else', async () => {
    await open(`#/ips/${listedIp}`);
    expect(await page().textContent('main h1')).toBe(`${listedIp} critical`);
    const blame = await sectionContent('Who got it listed');
    expect(blame.text).toContain('100 messages from');
    expect(blame.rows.map((row) => [row['#'], row.sender, row['share of mail'], row.sent, row.complaints, row['IP-blaming bounces']])).toEqual([
      ['1', 'mallory@deals.example', '30.0%', '30', '4', '2'],
      ['2', 'alice@shop.example', '50.0%', '50', '0', '0'],
      ['3', 'bob@news.example', '20.0%', '20', '0', '0'],
    ]);
    expect(blame.text).not.toContain('carol@clean.example');
    expect(blame.text).not.toContain('dave@old.example');
    expect(await page().getAttribute('main section td[data-label="sender"] a >> nth=0', 'href')).toBe('#/senders/mallory%40deals.example');
    expect(dashboard.dialogs).toEqual([]);
    mkdirSync(screenshotDir, { recursive: true });
    await page().screenshot({ path: join(screenshotDir, 'ip-listed.png'), fullPage: true });
  });
});
