// Runs the real `warden` command in a child process, as a user would.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from './poll';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/warden.mjs', import.meta.url));

export interface WardenProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export function spawnWarden(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): WardenProcess {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  for (const key of ['DATABASE_URL', 'PORT', 'HOST', 'WARDEN_CONFIG', 'LOG_LEVEL']) {
    if (!(options.env && key in options.env)) delete env[key];
  }
  const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

/** Runs a command to completion. */
export async function runWarden(args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }) {
  const process = spawnWarden(args, options);
  const code = await process.exited;
  return { code, output: process.output() };
}

/** Starts `warden serve` and resolves with its base URL once it logs that it listens. */
export async function startServe(options: { cwd: string; env?: NodeJS.ProcessEnv; args?: string[]; startTimeoutMs?: number }) {
  const serve = spawnWarden([...(options.args ?? []), 'serve'], { ...options, env: { PORT: '0', ...options.env } });
  let url: string;
  try {
    url = await waitFor(
      () => {
        if (serve.child.exitCode !== null) throw new Error(`warden serve exited: ${serve.output()}`);
        return /"url":"(http:[^"]+)".*"msg":"Relay Warden listening"/.exec(serve.output())?.[1];
      },
      { timeoutMs: options.startTimeoutMs ?? 30_000, what: 'warden serve to listen' },
    );
  } catch (error) {
    // A server that never came up must not outlive the test (it would keep its jobs running).
    serve.child.kill('SIGKILL');
    throw error;
  }
  return { ...serve, url };
}
