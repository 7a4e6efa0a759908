// Runs the real `warden` command in a child process, as a user would: the entry bin/warden.mjs
// runs from the compiled build, here from the TypeScript sources through tsx (no build needed).
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { waitFor } from './poll';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const entry = fileURLToPath(new URL('../../src/cli/process.ts', import.meta.url));
// By URL: a bare `--import tsx` is resolved from the child's working directory, a temporary one here.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

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
  const child = spawn(process.execPath, ['--import', tsxLoader, entry, ...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
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
