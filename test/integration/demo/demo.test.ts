// `npm run demo` end to end, four times faster: the real warden serve on PGlite, loopback
// blocklists, the Maildir, relay traffic through the API and the policy server, the webhook
// receiver. Everything is asserted through the API and the receiver, as a user would see it.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoSenders } from '../../../demo/senders';
import { startDemo, type RunningDemo } from '../../../demo/start';
import { chromiumAvailable, launchChromium } from '../../support/chromium';
import { waitFor } from '../../support/poll';
import { projectRoot } from '../../support/warden-process';

const deadline = { timeoutMs: 60_000, intervalMs: 500 };
let demo: RunningDemo;
let dataDir: string;
const consoleLines: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'warden-demo-'));
  demo = await startDemo({ dataDir, port: 0, speed: 4, senders: 60, historyShare: 0.1, write: (line) => consoleLines.push(line) });
}, 120_000);

afterAll(async () => {
  await demo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm run demo', () => {
  it('confirms listings from the loopback blocklists, with their return codes', async () => {
    const listed = await waitFor(async () => {
      const ips = await demo.api.listedIps();
      return ips.length > 0 && ips;
    }, { ...deadline, what: 'a listed relay IP' });
    expect(listed.flatMap((ip) => ip.zones.map((zone) => `${ip.ip} ${zone.zoneId} ${zone.codes.join(',')}`))).toContain('192.0.2.21 demo-zen 127.0.0.2');
  });

  it('ingests complaints and bounces from the Maildir and attributes them to senders', async () => {
    const complaints = await waitFor(async () => {
      const body = await demo.api.get<{ items: { sender: string | null }[] }>('/api/v1/complaints?sender=promo-blaster&limit=5');
      return body.items.length > 0 && body.items;
    }, { ...deadline, what: "promo-blaster's complaints" });
    expect(complaints.every((complaint) => complaint.sender === 'promo-blaster')).toBe(true);
    const bounces = await waitFor(async () => {
      const body = await demo.api.get<{ items: { sender: string | null; reason: string }[] }>('/api/v1/bounces?sender=lead-harvest&limit=5');
      return body.items.length > 0 && body.items;
    }, { ...deadline, what: "lead-harvest's bounces" });
    expect(bounces.map((bounce) => bounce.reason)).toContain('userunknown');
  });

  it('quarantines the messages that are no reports, each with its reason', async () => {
    const reasons = await waitFor(async () => {
      const body = await demo.api.get<{ items: { reasonCode: string }[] }>('/api/v1/quarantine');
      const codes = new Set(body.items.map((item) => item.reasonCode));
      return codes.size >= 3 && codes;
    }, { ...deadline, what: 'three quarantined messages' });
    expect([...reasons].sort()).toEqual(['E_INGEST_NOT_TEXT', 'E_INGEST_NO_FACTS', 'E_INGEST_TRUNCATED']);
  });

  it('throttles or suspends the abusive senders and none of the ordinary ones', async () => {
    const stopped = await waitFor(async () => {
      const senders = [...(await demo.api.sendersWith('throttle')), ...(await demo.api.sendersWith('suspend'))];
      return senders.some((sender) => sender.id === 'promo-blaster') && senders;
    }, { ...deadline, what: 'promo-blaster throttled or suspended' });
    const troubleMakers = ['promo-blaster', 'winbig-rewards', 'lead-harvest'];
    expect(stopped.map((sender) => sender.id).filter((id) => !troubleMakers.includes(id))).toEqual([]);
    const policy = await fetch(`${demo.url}/api/v1/policy/senders/promo-blaster`, { headers: { authorization: `Bearer ${demo.secrets.relayToken}` } });
    expect(['throttle', 'suspend']).toContain(((await policy.json()) as { action: string }).action);
  });

  it('stops each of the three trouble-makers the README names: prize scams, slow complaints, a bought list', async () => {
    const troubleMakers = ['promo-blaster', 'winbig-rewards', 'lead-harvest'];
    const stopped = await waitFor(async () => {
      const senders = [...(await demo.api.sendersWith('throttle')), ...(await demo.api.sendersWith('suspend'))].map((sender) => sender.id);
      return troubleMakers.every((id) => senders.includes(id)) && senders;
    }, { ...deadline, what: 'all three trouble-makers throttled or suspended' });
    expect(stopped.filter((id) => !troubleMakers.includes(id))).toEqual([]);
  });

  it('ends with one firing alert per trouble-maker, holding the sender and its domain, and keeps it so', async () => {
    const troubleMakers = demoSenders(0).filter((sender) => sender.profile !== 'regular');
    const aboutTroubleMaker = (subjects: string[]) => troubleMakers.find((sender) => subjects.includes(`sender:${sender.id}`) || subjects.includes(`domain:${sender.domain}`));
    const firing = async () =>
      (await demo.api.get<{ alerts: { title: string; subjects: string[] }[] }>('/api/v1/alerts?state=firing&limit=100')).alerts.filter((alert) => aboutTroubleMaker(alert.subjects));
    // Once every trouble-maker has its alert (escalations resolve the throttle they replace)...
    await waitFor(async () => new Set((await firing()).map((alert) => aboutTroubleMaker(alert.subjects)!.id)).size === troubleMakers.length, {
      ...deadline,
      what: 'a firing alert for each trouble-maker',
    });
    // ... on-call hears of each once: 3 alerts for 3 trouble-makers, over several alert-routing rounds.
    for (let round = 0; round < 6; round++) {
      const alerts = await firing();
      expect(alerts.length).toBeLessThanOrEqual(troubleMakers.length);
      for (const sender of troubleMakers) {
        expect(alerts.filter((alert) => aboutTroubleMaker(alert.subjects) === sender).map((alert) => alert.subjects.sort())).toEqual([[`domain:${sender.domain}`, `sender:${sender.id}`]]);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }, 90_000);

  it.skipIf(!chromiumAvailable())('shows them on the Alerts page of the dashboard (the screenshot in the README)', async () => {
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
      await page.goto(`${demo.url}/ui/login`);
      await page.fill('#secret', demo.secrets.dashboardPassword);
      await page.click('button[type=submit]');
      await page.waitForSelector('main .view[data-ready="true"]');
      await page.evaluate(() => (window.location.hash = '#/alerts'));
      await page.waitForSelector('main .view[data-view="alerts"][data-ready="true"]');
      const firingTitles = await page.$$eval('main section:first-of-type tbody td[data-label="alert"]', (cells) => cells.map((cell) => cell.textContent!));
      for (const domain of ['megadeals-now.example', 'winbig-rewards.example', 'lead-harvest.example']) {
        expect(firingTitles.filter((title) => title.includes(domain))).toHaveLength(1);
      }
      // Most severe first.
      const rank: Record<string, number> = { critical: 0, error: 1, warning: 2, info: 3 };
      const severities = await page.$$eval('main section:first-of-type tbody td[data-label="severity"]', (cells) => cells.map((cell) => cell.textContent!));
      expect(severities).toEqual([...severities].sort((a, b) => rank[a]! - rank[b]!));
      const directory = join(projectRoot, 'test-output', 'demo-screenshots');
      mkdirSync(directory, { recursive: true });
      await page.screenshot({ path: join(directory, 'alerts.png'), fullPage: false });
      console.info(`demo alerts page: ${join(directory, 'alerts.png')}`);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('has the relay refused by the policy server once a sender is stopped', async () => {
    await waitFor(() => demo.traffic.stats.deferred + demo.traffic.stats.rejected > 0, { ...deadline, what: 'a refused message' });
    expect(demo.traffic.stats.accepted).toBeGreaterThan(0);
  });

  it('delivers signed alerts to the receiver, which verifies them as README shows', async () => {
    await waitFor(() => demo.receiver.received.some((alert) => alert.kind === 'trigger' && /listed/.test(alert.title)), { ...deadline, what: 'a listing alert' });
    expect(demo.receiver.received.length).toBeGreaterThan(0);
    expect(demo.receiver.received.filter((alert) => !alert.signatureValid)).toEqual([]);
  });

  it('delists 192.0.2.21 from the ZEN copy later on, as a dnsbl.delisted event', async () => {
    const changes = await waitFor(async () => {
      const body = await demo.api.get<{ changes: { type: string; payload: { zoneId?: string } | null }[] }>('/api/v1/ips/192.0.2.21');
      return body.changes.some((change) => change.type === 'dnsbl.delisted') && body.changes;
    }, { ...deadline, what: 'the delisting of 192.0.2.21' });
    expect(changes.filter((change) => change.type === 'dnsbl.delisted').map((change) => change.payload?.zoneId)).toEqual(['demo-zen']);
  });

  it('prints the URL, the ops token and what happens', () => {
    const output = consoleLines.join('\n');
    expect(output).toContain(demo.url);
    expect(output).toContain(demo.secrets.opsToken);
    expect(output).toMatch(/confirmed listed/);
    expect(output).toMatch(/webhook ← TRIGGER/);
  });

  it('lets the printed dashboard password log in, and the dashboard reads the demo through its session', async () => {
    expect(consoleLines.join('\n')).toContain(demo.secrets.dashboardPassword);
    const login = await fetch(`${demo.url}/ui/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: demo.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ secret: demo.secrets.dashboardPassword }),
    });
    const cookie = login.headers.get('set-cookie')?.split(';')[0];
    expect(cookie).toMatch(/^warden_session=/);
    const stopped = await waitFor(async () => {
      const ids: string[] = [];
      for (const action of ['throttle', 'suspend']) {
        const response = await fetch(`${demo.url}/api/v1/senders?action=${action}`, { headers: { cookie: cookie! } });
        expect(response.status).toBe(200);
        ids.push(...((await response.json()) as { items: { id: string }[] }).items.map((sender) => sender.id));
      }
      return ids.includes('promo-blaster') && ids;
    }, { ...deadline, what: 'promo-blaster stopped, read with the dashboard session' });
    expect(stopped).toContain('promo-blaster');
  });

  it('stops Relay Warden cleanly', async () => {
    const { wardenExitCode } = await demo.stop();
    expect(wardenExitCode).toBe(0);
  });
});
