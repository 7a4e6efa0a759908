/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The dashboard in a real browser (Debian's Chromium through playwright-core) against a real
// `warden serve` on seeded data: login, charts drawn, sorting, suspending a sender, untrusted text.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from '../../support/chromium';
import { dashboardPassword as password, screenshotDir, startDashboard, type DashboardInBrowser } from '../../support/dashboard-browser';
import { abusiveSender, cleanSender, seedDashboardData, xssSubject } from '../../support/dashboard-seed';
import { waitFor } from '../../support/poll';

const relayToken = 'relay-token-0123456789abcdef0';
const opsToken = 'ops-token-0123456789abcdef01';

describe.skipIf(!chromiumAvailable())('dashboard in Chromium', () => {
  let dashboard: DashboardInBrowser;
  let server: DashboardInBrowser['server'];
  let page: Page;
  let dialogs: string[];
  let cspViolations: string[];

  beforeAll(async () => {
    dashboard = await startDashboard({
      name: 'warden-dashboard',
      config: ['auth:', '  tokens:', `    - { name: postfix, token: ${relayToken}, scopes: [relay] }`, `    - { name: ops, token: ${opsToken}, scopes: [ops] }`],
      seed: (db) => seedDashboardData(db, new Date()),
      dialogs: 'dismiss',
    });
    ({ server, page, dialogs, cspViolations } = dashboard);
    mkdirSync(screenshotDir, { recursive: true });
    console.info(`dashboard screenshots: ${screenshotDir}`);
  });

  afterAll(async () => {
    await dashboard?.stop();
  });

  const viewReady = (name: string) => page.waitForSelector(`main .view[data-view="${name}"][data-ready="true"]`, { timeout: 20_000 });
  const open = async (hash: string, view: string) => {
    await page.evaluate((target) => (window.location.hash = target), hash);
    await viewReady(view);
  };
  const shoot = (name: string, fullPage = true) => page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage });
  const api = async <T>(path: string) => (await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${opsToken}` } })).json() as Promise<T>;
  type Lines = { warn: number; throttle: number; suspend: number };

  /**
   * Every rate chart of the view, once drawn: its title, the value of each threshold line, and the
   * share of the plot's width where that line's colour is on the canvas at the line's height (a
   * dashed line covers about 60%; a line not drawn, or outside the plot, none).
   */
  const rateCharts = async () => {
    const handle = await page.waitForFunction(
      ({ colours }) => {
        const Chart = (globalThis as { Chart?: { getChart(canvas: HTMLCanvasElement): any } }).Chart;
        const canvases = [...document.querySelectorAll('main canvas')] as HTMLCanvasElement[];
        const charts = canvases.map((canvas) => Chart?.getChart(canvas)).filter((chart) => chart?.chartArea);
        if (canvases.length === 0 || charts.length < canvases.length) return false;
        return charts
          .filter((chart) => chart.data.datasets.some((dataset: { threshold?: string }) => dataset.threshold))
          .map((chart) => {
            const ratio = chart.currentDevicePixelRatio as number;
            const { left, right, top, bottom } = chart.chartArea as { left: number; right: number; top: number; bottom: number };
            const context = (chart.canvas as HTMLCanvasElement).getContext('2d')!;
            const lines: Record<string, number> = {};
            const drawn: Record<string, number> = {};
            for (const dataset of chart.data.datasets as { threshold?: string; data: number[] }[]) {
              if (!dataset.threshold) continue;
              const value = dataset.data[0]!;
              lines[dataset.threshold] = value;
              const y = chart.scales.y.getPixelForValue(value) as number;
              if (y < top - 1 || y > bottom + 1) {
                drawn[dataset.threshold] = 0;
                continue;
              }
              const [r, g, b] = colours[dataset.threshold]!;
              const width = Math.floor((right - left) * ratio);
              const row = context.getImageData(Math.ceil(left * ratio), Math.round(y * ratio) - 2, width, 5).data;
              const hit = new Set<number>();
              for (let i = 0; i < row.length; i += 4) {
                if (row[i + 3]! > 150 && Math.abs(row[i]! - r!) < 25 && Math.abs(row[i + 1]! - g!) < 25 && Math.abs(row[i + 2]! - b!) < 25) hit.add((i / 4) % width);
              }
              drawn[dataset.threshold] = hit.size / width;
            }
            return { title: chart.canvas.getAttribute('aria-label') as string, lines, drawn };
          });
      },
      { colours: { warn: [200, 190, 0], throttle: [230, 150, 0], suspend: [150, 0, 60] } as Record<string, number[]> },
      { timeout: 20_000 },
    );
    return (await handle.jsonValue()) as { title: string; lines: Lines; drawn: Lines }[];
  };
  const expectLinesDrawn = (charts: { title: string; lines: Lines; drawn: Lines }[], expected: Lines[]) => {
    expect(charts.map((chart) => chart.lines)).toEqual(expected);
    for (const chart of charts) {
      for (const line of ['warn', 'throttle', 'suspend'] as const) expect(chart.drawn[line], `${chart.title}: ${line} line`).toBeGreaterThan(0.3);
    }
  };

  it('sends a visitor without a session to the login page, and refuses a wrong password', async () => {
    await page.goto(`${server.url}/`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    await page.fill('#secret', 'wrong password');
    await page.click('button[type=submit]');
    await page.waitForSelector('#login-error:not([hidden])');
    expect(await page.textContent('#login-error')).toContain('not the dashboard password');
    await shoot('login');
  });

  it('logs in and draws the relay complaint and bounce charts on the overview', async () => {
    await page.fill('#secret', password);
    await page.click('button[type=submit]');
    await viewReady('overview');
    expect(await page.textContent('#user')).toBe('dashboard');
    // Drawn pixels of each chart's data line colour: the canvases hold a chart, not a blank box.
    const linePixels = await page.waitForFunction(() => {
      const canvases = [...document.querySelectorAll('main canvas')] as HTMLCanvasElement[];
      if (canvases.length < 2) return false;
      const near = ([r, g, b]: number[], data: Uint8ClampedArray) => {
        let hits = 0;
        for (let i = 0; i < data.length; i += 4) if (data[i + 3]! > 200 && Math.abs(data[i]! - r!) < 30 && Math.abs(data[i + 1]! - g!) < 30 && Math.abs(data[i + 2]! - b!) < 30) hits++;
        return hits;
      };
      const pixels = (canvas: HTMLCanvasElement) => canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const counts = [near([200, 40, 40], pixels(canvases[0]!)), near([30, 100, 200], pixels(canvases[1]!))];
      return counts.every((count) => count > 50) ? counts : false;
    }, undefined, { timeout: 20_000 });
    expect(await linePixels.jsonValue()).toHaveLength(2);
    const listedCritical = await page.textContent('.cards a[href="#/ips"] .card-value');
    expect(listedCritical).toBe('1');
    await shoot('overview');
    expect(cspViolations).toEqual([]);
  });

  it('draws the warn, throttle and suspend lines on the relay rate charts', async () => {
    const relay = await api<{ complaintRate: Lines; hardBounceRate: Lines }>('/api/v1/rates/relay');
    const charts = await rateCharts();
    expect(charts.map((chart) => chart.title)).toEqual(['Complaint rate of the whole relay', 'Hard-bounce rate of the whole relay']);
    expectLinesDrawn(charts, [relay.complaintRate, relay.hardBounceRate]);
    // The configured lines, not hard-coded ones.
    expect(relay.complaintRate).toEqual({ warn: 0.0005, throttle: 0.001, suspend: 0.003 });
  });

  it('lists senders in the severity order of the API by default, and explains the order in a tooltip', async () => {
    await open('#/senders', 'senders');
    const shown = await page.$$eval('table.subjects tbody tr', (rows) => rows.map((row) => row.getAttribute('data-id')));
    const { items } = await api<{ items: { id: string; policy: { action: string } }[] }>('/api/v1/senders?sort=severity&limit=50');
    expect(shown).toEqual(items.map((item) => item.id));
    // The suspended sender first, then the senders whose hard bounces are nearest their line, not the id order of equal raw rates.
    expect(shown[0]).toBe(abusiveSender);
    expect(shown).not.toEqual([shown[0], ...[...shown.slice(1)].sort()]);
    const header = page.locator('th a[data-sort="severity"]');
    expect(await header.getAttribute('title')).toMatch(/action in force.*Wilson lower bound.*suspend line.*volume/s);
    expect(await page.locator('th[aria-sort="descending"] a[data-sort="severity"]').count()).toBe(1);
    await page.click('th a[data-sort="volume"]');
    await viewReady('senders');
    await page.click('th a[data-sort="severity"]');
    await viewReady('senders');
    expect(page.url()).toContain('sort=severity');
    expect(await page.$$eval('table.subjects tbody tr', (rows) => rows.map((row) => row.getAttribute('data-id')))).toEqual(shown);
  });

  it('sorts senders by volume, both ways, on the server', async () => {
    await open('#/senders', 'senders');
    const volumes = async () =>
      (await page.$$eval('table.subjects tbody tr td[data-label="sent 30d"]', (cells) => cells.map((cell) => cell.textContent!))).map((text) => Number(text.replace(/,/g, '')));
    await page.click('th a[data-sort="volume"]');
    await viewReady('senders');
    expect(page.url()).toContain('sort=volume');
    const descending = await volumes();
    expect(descending.length).toBeGreaterThan(10);
    expect(descending).toEqual([...descending].sort((a, b) => b - a));
    expect(descending[0]).toBeGreaterThan(descending.at(-1)!);
    await page.click('th a[data-sort="volume"]');
    await viewReady('senders');
    expect(page.url()).toContain('order=asc');
    const ascending = await volumes();
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    expect(ascending[0]).toBe(Math.min(...descending));
    expect(await page.$$('table.subjects svg.sparkline')).not.toHaveLength(0);
    await shoot('senders');
  });

  it('suspends a sender from its page, and the policy API answers suspend', async () => {
    const policy = async () =>
      (await fetch(`${server.url}/api/v1/policy/senders/${cleanSender}`, { headers: { authorization: `Bearer ${relayToken}` } })).json() as Promise<{ action: string; reason: string }>;
    expect((await policy()).action).toBe('allow');
    await open(`#/senders/${cleanSender}`, 'senders');
    await page.fill('input[name=reason]', 'reported phishing kit');
    await page.click('button[data-action="suspend"]');
    await page.waitForFunction(() => document.querySelector('main h1 .badge')?.textContent === 'suspend' && document.querySelector('main .view')?.getAttribute('data-ready') === 'true', undefined, {
      timeout: 20_000,
    });
    const answer = await waitFor(async () => {
      const current = await policy();
      return current.action === 'suspend' ? current : undefined;
    }, { timeoutMs: 10_000, what: 'the policy API to answer suspend' });
    expect(answer.reason).toBe('manual (dashboard): reported phishing kit');
    expect(await page.textContent('main section:last-of-type tbody')).toContain('reported phishing kit');
    await shoot('sender');
  });

  it('draws the lines on the rate charts of a sender page and a domain page', async () => {
    const { complaintRate, hardBounceRate } = await api<{ complaintRate: Lines; hardBounceRate: Lines }>('/api/v1/rates/relay');
    await open(`#/senders/${abusiveSender}`, 'senders');
    const senderCharts = await rateCharts();
    expect(senderCharts.map((chart) => chart.title)).toEqual([
      `Daily complaint rate of ${abusiveSender} against the warn, throttle and suspend lines`,
      `Daily hard-bounce rate of ${abusiveSender} against the warn, throttle and suspend lines`,
    ]);
    expectLinesDrawn(senderCharts, [complaintRate, hardBounceRate]);
    await shoot('sender-rates');
    const { items } = await api<{ items: { id: string }[] }>('/api/v1/domains?limit=1');
    await open(`#/domains/${items[0]!.id}`, 'domains');
    const domainCharts = await rateCharts();
    expect(domainCharts).toHaveLength(2);
    expectLinesDrawn(domainCharts, [complaintRate, hardBounceRate]);
  });

  it('puts the listed addresses first in the IP grid, the most severe first', async () => {
    await open('#/ips', 'ips');
    const rows = await page.$$eval('main table.grid:first-of-type tbody tr th', (cells) => cells.map((cell) => cell.textContent!.split(' ')[0]));
    // 192.0.2.11 is on Spamhaus ZEN (critical), 192.0.2.12 on PSBL (warning), 192.0.2.10 on nothing.
    expect(rows).toEqual(['192.0.2.11', '192.0.2.12', '192.0.2.10']);
  });

  it('shows a complaint subject that is an HTML injection as text, and runs none of it', async () => {
    await open(`#/senders/${abusiveSender}`, 'senders');
    const subjects = await page.$$eval('main td[data-label="subject"]', (cells) => cells.map((cell) => cell.textContent));
    expect(subjects).toContain(xssSubject);
    expect(await page.$$('main img')).toHaveLength(0);
    expect(await page.$$('main [onerror]')).toHaveLength(0);
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('renders the other views, and the overview and senders on a phone', async () => {
    for (const [hash, view, name] of [
      ['#/ips', 'ips', 'ips'],
      ['#/ips/192.0.2.11', 'ips', 'ip-history'],
      ['#/domains', 'domains', 'domains'],
      ['#/mailboxes', 'mailboxes', 'mailboxes'],
      ['#/alerts', 'alerts', 'alerts'],
    ] as const) {
      await open(hash, view);
      expect(await page.$$('main .notice-error')).toHaveLength(0);
      await shoot(name);
    }
    expect(await page.textContent('main')).toContain('192.0.2.11 listed on Spamhaus ZEN');
    await page.setViewportSize({ width: 390, height: 844 });
    await open('#/overview', 'overview');
    // Nothing wider than the phone's screen but the scrolling table boxes.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shoot('overview-phone', false);
    await open('#/senders', 'senders');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await shoot('senders-phone', false);
    expect(cspViolations).toEqual([]);
  });
});
