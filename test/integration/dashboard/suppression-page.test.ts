/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The Suppression page in a real browser (Debian's Chromium through playwright-core) against a real
// `warden serve`: counts by reason and source, an address looked up by typing it, suppressed and
// removed with a reason (audited), and no plain address in the export.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from '../../support/chromium';
import { logIn, screenshotDir, startDashboard, type DashboardInBrowser } from '../../support/dashboard-browser';

const opsToken = 'ops-token-0123456789abcdef01';

describe.skipIf(!chromiumAvailable())('suppression page in Chromium', () => {
  let dashboard: DashboardInBrowser;
  let page: Page;
  let dialogs: string[];
  let cspViolations: string[];
  const api = (path: string, body?: unknown) =>
    fetch(`${dashboard.server.url}${path}`, { method: body === undefined ? 'GET' : 'POST', headers: { authorization: `Bearer ${opsToken}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

  beforeAll(async () => {
    dashboard = await startDashboard({
      name: 'warden-suppression-page',
      config: ['auth:', '  tokens:', `    - { name: ops, token: ${opsToken}, scopes: [ops] }`, 'suppression:', '  key: suppression-key-for-tests-0123456789abcdef'],
      dialogs: 'accept',
    });
    ({ page, dialogs, cspViolations } = dashboard);
    for (const address of ['first@example.net', 'second@example.net']) expect((await api('/api/v1/suppressions', { address, note: 'seeded' })).status).toBe(201);
    await logIn(dashboard);
  });

  afterAll(async () => {
    await dashboard?.stop();
  });

  const cells = (label: string) => page.$$eval(`main td[data-label="${label}"]`, (found) => found.map((cell) => cell.textContent));

  it('counts the entries in force by reason and source', async () => {
    await page.click('nav a[data-view="suppression"]');
    await page.waitForSelector('main .view[data-view="suppression"][data-ready="true"]', { timeout: 20_000 });
    expect(await page.textContent('main caption')).toBe('2 entries in force');
    expect(await page.$$eval('main table', (tables) => [...tables[0]!.querySelectorAll('tbody tr')].map((row) => row.textContent))).toContain('manual22');
  });

  it('looks an address up as typed, suppresses it with a reason, and removes it with another', async () => {
    await page.fill('main input[name=address]', 'Third@Example.NET');
    await page.click('main form.lookup button[type=submit]');
    await page.waitForSelector('main .lookup-result td.empty');
    await page.fill('main input[name=note]', 'asked not to get mail');
    await page.click('main button[data-action=add]');
    await page.waitForSelector('main .lookup-result button[data-remove]');
    expect(await cells('state')).toContain('in force');
    await page.fill('main input[name=note]', 'suppressed by mistake');
    await page.click('main .lookup-result button[data-remove]');
    await page.waitForFunction(() => document.querySelector('main .lookup-result td[data-label="state"]')?.textContent === 'removed');
    expect(await cells('why')).toEqual(expect.arrayContaining(['suppressed by mistake', 'asked not to get mail']));
    mkdirSync(screenshotDir, { recursive: true });
    await page.screenshot({ path: join(screenshotDir, 'suppression.png'), fullPage: true });
    const found = await (await api('/api/v1/suppressions/lookup', { address: 'third@example.net' })).json();
    expect(found.audit.map((row: { action: string; actor: string }) => `${row.action} by ${row.actor}`)).toEqual(['remove by dashboard', 'add by dashboard']);
    expect(dialogs).toEqual([]);
    expect(cspViolations).toEqual([]);
  });

  it('exports hashes, never the addresses', async () => {
    const csv = await page.evaluate(async () => (await fetch('/api/v1/suppressions/export', { credentials: 'same-origin' })).text());
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(3);
    expect(csv).not.toMatch(/@/);
  });
});
