// Runs the real `warden serve` (bin/warden.mjs, the production entry point) as a child process with
// the demo config, keeps its JSON log in a file, and reports where it listens. The demo's tests run
// it from the TypeScript sources: then the same command's entry runs through tsx.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot } from '../src/package-root';

const wardenCommand = import.meta.url.endsWith('.ts')
  ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, join(packageRoot, 'src', 'cli', 'process.ts')]
  : [join(packageRoot, 'bin', 'warden.mjs')];

export interface WardenChild {
  url: string;
  policyServer: { host: string; port: number };
  child: ChildProcess;
  /** SIGTERM, then waits for a clean stop (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

export class WardenStartError extends Error {
  readonly code = 'E_DEMO_WARDEN_START';
}

export interface StartWardenOptions {
  configPath: string;
  logPath: string;
  cwd: string;
  /** Log lines at level error or worse (pino 50+), for the console. */
  onError: (message: string) => void;
  startTimeoutMs?: number;
}

export function startWarden({ configPath, logPath, cwd, onError, startTimeoutMs = 60_000 }: StartWardenOptions): Promise<WardenChild> {
  // The demo is PGlite on loopback whatever the shell says: these would point it elsewhere.
  const env = { ...process.env };
  for (const key of ['DATABASE_URL', 'PORT', 'HOST', 'WARDEN_CONFIG', 'LOG_LEVEL']) delete env[key];
  // Its own process group: a Ctrl-C in the terminal reaches only the demo, which then stops warden
  // with one SIGTERM (a second signal during its shutdown would kill it mid-way).
  const child = spawn(process.execPath, [...wardenCommand, '--config', configPath, 'serve'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const log = createWriteStream(logPath);
  // Should the demo itself exit without stopping it (an uncaught error), warden goes too.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then(() => {
    process.off('exit', killOnExit);
    log.end();
  });
  let stderrTail = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    log.write(chunk);
    stderrTail = (stderrTail + chunk.toString('utf8')).slice(-4000);
  });

  return new Promise((resolve, reject) => {
    let url: string | undefined;
    let policyServer: { host: string; port: number } | undefined;
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new WardenStartError(`${message}${stderrTail ? `\n${stderrTail.trim()}` : ''}\n(log: ${logPath})`));
    };
    const timer = setTimeout(() => fail(`warden serve did not listen within ${startTimeoutMs / 1000} s`), startTimeoutMs);
    void exited.then((code) => fail(`warden serve exited with code ${code} while starting`));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      log.write(`${line}\n`);
      let entry: { level?: number; msg?: string; url?: string; host?: string; port?: number; err?: { message?: string } };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if ((entry.level ?? 0) >= 50) onError(`${entry.msg}${entry.err?.message ? `: ${entry.err.message}` : ''}`);
      if (entry.msg === 'Postfix policy server listening' && entry.host && entry.port) policyServer = { host: entry.host, port: entry.port };
      if (entry.msg === 'Relay Warden listening' && entry.url) url = entry.url;
      if (url && policyServer && !settled) {
        settled = true;
        clearTimeout(timer);
        const running = { url, policyServer };
        resolve({
          ...running,
          child,
          stop: async (graceMs = 20_000) => {
            if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
            child.kill('SIGTERM');
            const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
            const code = await exited;
            clearTimeout(killer);
            return code;
          },
        });
      }
    });
  });
}
