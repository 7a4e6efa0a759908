// The dashboard browser tests' set-up: a real `warden serve` on a fresh data directory with the
// dashboard password, and a page of Debian's Chromium (see chromium.ts) that records the dialogs it
// is shown and any Content-Security-Policy violation the console reports.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { openDatabase, type Db } from '../../src/db/client';
import { launchChromium } from './chromium';
import { projectRoot, startServe } from './warden-process';

export const dashboardPassword = 'dashboard password for tests';
export const screenshotDir = join(projectRoot, 'test-output', 'dashboard-screenshots');

export interface DashboardOptions {
  /** Prefix of the temporary directory. */
  name: string;
  /** warden.yaml lines besides the data directory, the scheduler (off) and the dashboard password. */
  config?: string[];
  /** Writes rows into the migrated database before the server starts. */
  seed?: (db: Db) => Promise<void>;
  /** What the page answers a dialog with (a confirm() the page shows). */
  dialogs: 'accept' | 'dismiss';
}

export interface DashboardInBrowser {
  server: Awaited<ReturnType<typeof startServe>>;
  browser: Browser;
  page: Page;
  /** The messages of the dialogs the page showed. */
  dialogs: string[];
  cspViolations: string[];
  stop(): Promise<void>;
}

export async function startDashboard(options: DashboardOptions): Promise<DashboardInBrowser> {
  const directory = mkdtempSync(join(tmpdir(), `${options.name}-`));
  const dataDir = join(directory, 'data');
  if (options.seed) {
    const database = await openDatabase({ dataDir });
    await database.migrate();
    await options.seed(database.db);
    await database.close();
  }
  const configPath = join(directory, 'warden.yaml');
  const config = ['database:', `  dataDir: ${JSON.stringify(dataDir)}`, 'scheduler:', '  enabled: false', 'dashboard:', `  password: ${JSON.stringify(dashboardPassword)}`];
  writeFileSync(configPath, [...config, ...(options.config ?? [])].join('\n'));
  let server: DashboardInBrowser['server'] | undefined;
  let browser: Browser | undefined;
  const stop = async () => {
    await browser?.close();
    server?.child.kill('SIGTERM');
    await server?.exited;
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    server = await startServe({ cwd: directory, args: ['--config', configPath] });
    browser = await launchChromium();
    const page = await (await browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    const dialogs: string[] = [];
    const cspViolations: string[] = [];
    page.on('dialog', async (dialog) => {
      dialogs.push(dialog.message());
      await (options.dialogs === 'accept' ? dialog.accept() : dialog.dismiss());
    });
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    return { server, browser, page, dialogs, cspViolations, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Logs the page in with the dashboard password and waits for the overview. */
export async function logIn(dashboard: DashboardInBrowser): Promise<void> {
  await dashboard.page.goto(`${dashboard.server.url}/`);
  await dashboard.page.fill('#secret', dashboardPassword);
  await dashboard.page.click('button[type=submit]');
  await dashboard.page.waitForSelector('main .view[data-view="overview"][data-ready="true"]', { timeout: 20_000 });
}
