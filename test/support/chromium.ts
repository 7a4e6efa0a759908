// Debian's Chromium for the browser tests, driven by playwright-core (no browser download).
import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let noticeShown = false;

/**
 * Whether the browser tests can run. With CI=true a missing Chromium is an error: CI must not pass
 * by skipping the tests that matter.
 */
export function chromiumAvailable(): boolean {
  try {
    accessSync(chromiumPath, constants.X_OK);
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error(`${chromiumPath} is missing, and CI=true requires the browser tests to run (apt-get install chromium)`);
    if (!noticeShown) {
      noticeShown = true;
      console.warn(`[skip] ${chromiumPath} is missing (Debian: apt-get install chromium): dashboard browser tests are skipped`);
    }
    return false;
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // Loopback only: nothing that phones home, no sandbox (containers run tests as root).
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}
