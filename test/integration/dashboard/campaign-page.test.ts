/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The campaign page in a real browser (Debian's Chromium through playwright-core) against a real
// `warden serve`: why each fingerprint is evidence, why each member is acted on or only seen, and
// a fingerprint value that is an HTML injection shown as text.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignSeed, seedCampaign } from '../../support/campaign-seed';
import { chromiumAvailable } from '../../support/chromium';
import { logIn, screenshotDir, startDashboard, type DashboardInBrowser } from '../../support/dashboard-browser';

describe.skipIf(!chromiumAvailable())('campaign page in Chromium', () => {
  let dashboard: DashboardInBrowser;
  let page: Page;
  let id: number;
  let dialogs: string[];

  beforeAll(async () => {
    dashboard = await startDashboard({ name: 'warden-campaign-page', seed: async (db) => void (id = await seedCampaign(db, new Date())), dialogs: 'dismiss' });
    ({ page, dialogs } = dashboard);
    await logIn(dashboard);
  });

  afterAll(async () => {
    await dashboard?.stop();
  });

  const open = async (hash: string) => {
    await page.evaluate((target) => (window.location.hash = target), hash);
    await page.waitForFunction((target) => window.location.hash === target && document.querySelector('main .view[data-view="campaigns"]')?.getAttribute('data-ready') === 'true', hash, { timeout: 20_000 });
  };
  const cells = (label: string) => page.$$eval(`main td[data-label="${label}"]`, (found) => found.map((cell) => cell.textContent));

  it('lists the campaign with its members acted on and only seen', async () => {
    await open('#/campaigns');
    expect(await cells('campaign')).toEqual([`#${id}`]);
    expect(await cells('acted on')).toEqual(['1']);
    expect(await cells('also seen')).toEqual(['1']);
  });

  it('shows each fingerprint’s evidence and each member’s reason, with untrusted text inert', async () => {
    await open(`#/campaigns/${id}`);
    expect(await page.textContent('main h1')).toBe(`Campaign #${id} active`);
    expect(await cells('kind')).toEqual(['content', 'subject']);
    expect(await cells('value')).toEqual([campaignSeed.content, campaignSeed.subject]);
    expect(await cells('evidence')).toEqual([
      '3 complaints in 600 sends: 0.500% (≥ 0.170%)',
      'distinctiveness (no volume from the relay): 0 of 2 senders are established with clean records',
    ]);
    expect(await page.getAttribute('main td[data-label="evidence"] [data-footing="volume"]', 'title')).toBe('volume: 3 complaints in 600 sends (at least 0.17%, over the 0.10% line)');

    expect(await cells('sender')).toEqual(expect.arrayContaining([campaignSeed.actedOn, campaignSeed.alsoSeen]));
    const members = await page.$$eval('main section', (sections) => {
      const table = sections.find((section) => section.querySelector('h2')?.textContent === 'Members')!;
      return [...table.querySelectorAll('tbody tr')].map((row) => ({
        href: row.querySelector('td[data-label="sender"] a')?.getAttribute('href'),
        status: row.querySelector('td[data-label="status"]')?.textContent,
        why: row.querySelector('td[data-label="why"]')?.textContent,
      }));
    });
    expect(members).toEqual([
      { href: `#/senders/${campaignSeed.actedOn}`, status: 'acted on', why: 'new account' },
      { href: `#/senders/${campaignSeed.alsoSeen}`, status: 'also seen', why: expect.stringMatching(/^also seen: a sender of long standing \(tier established, first seen \d{4}-\d\d-\d\d\) with its own rates under the lines/) },
    ]);
    expect(await page.$$('main img')).toHaveLength(0);
    expect(await page.$$('main [onerror]')).toHaveLength(0);
    expect(dialogs).toEqual([]);
    mkdirSync(screenshotDir, { recursive: true });
    await page.screenshot({ path: join(screenshotDir, 'campaign.png'), fullPage: true });
  });

  it('links a member to its sender page', async () => {
    await page.click(`main td[data-label="sender"] a[href="#/senders/${campaignSeed.actedOn}"] >> nth=0`);
    await page.waitForSelector('main .view[data-view="senders"][data-ready="true"]', { timeout: 20_000 });
    expect(await page.textContent('main h1')).toContain(campaignSeed.actedOn);
  });
});
