// Prometheus's promtool (Debian: apt-get install prometheus) for the metrics and alerting-rule checks.
import { accessSync, constants } from 'node:fs';
import { spawn } from 'node:child_process';

export const promtoolPath = process.env.PROMTOOL_PATH ?? '/usr/bin/promtool';

let noticeShown = false;

/** Whether promtool is there; with CI=true a missing promtool is an error, not a skip. */
export function promtoolAvailable(): boolean {
  try {
    accessSync(promtoolPath, constants.X_OK);
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error(`${promtoolPath} is missing, and CI=true requires the Prometheus checks to run (apt-get install prometheus)`);
    if (!noticeShown) {
      noticeShown = true;
      console.warn(`[skip] ${promtoolPath} is missing (Debian: apt-get install prometheus): promtool checks of /metrics and the alerting rules are skipped`);
    }
    return false;
  }
}

/** Runs promtool with `input` on its standard input; resolves with its exit code and output. */
export function promtool(args: string[], options: { input?: string; cwd?: string } = {}): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(promtoolPath, args, { cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
    child.stdin.end(options.input ?? '');
  });
}
