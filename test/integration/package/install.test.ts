// The package as a user gets it: `npm pack`, then `npm install --omit=dev` of the tarball into an
// empty folder, then the installed `warden` serves. Needs the npm registry for the dependencies.
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/poll';
import { projectRoot, type WardenProcess } from '../../support/warden-process';

const run = promisify(execFile);
const required = process.env.CI === 'true';
const registryReachable = spawnSync('npm', ['ping'], { timeout: 20_000, encoding: 'utf8' }).status === 0;
if (!registryReachable && !required) console.warn('NOTICE: the npm registry cannot be reached (npm ping); skipping the packaged install test.');

const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };

describe.skipIf(!registryReachable && !required)('the packed tarball, installed without devDependencies', () => {
  const folder = mkdtempSync(join(tmpdir(), 'warden-install-'));
  const installed = join(folder, 'node_modules', 'relay-warden');
  const bin = join(folder, 'node_modules', '.bin', 'warden');
  let serve: WardenProcess | undefined;

  beforeAll(async () => {
    if (!registryReachable) throw new Error('the npm registry is required when CI=true (npm ping failed)');
    // `npm pack` runs the prepare script, so the tarball holds a dist/ built from these sources.
    const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', folder], { cwd: projectRoot, maxBuffer: 64 * 1024 * 1024 });
    const [packed] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{ filename: string }>;
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'warden-install-check', private: true }));
    await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', join(folder, packed!.filename)], { cwd: folder, maxBuffer: 64 * 1024 * 1024 });
  }, 600_000);

  afterAll(async () => {
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGKILL');
      await serve.exited;
    }
    rmSync(folder, { recursive: true, force: true });
  });

  it('holds no TypeScript runner or compiler, and no sources', () => {
    for (const name of ['tsx', 'typescript', 'drizzle-kit', 'esbuild', 'vitest', 'tsc-alias']) expect(existsSync(join(folder, 'node_modules', name)), name).toBe(false);
    expect(existsSync(join(installed, 'dist', 'src', 'cli', 'process.js'))).toBe(true);
    expect(existsSync(join(installed, 'src'))).toBe(false);
    expect(existsSync(join(installed, 'drizzle', 'meta', '_journal.json'))).toBe(true);
    // Data the compiled modules read beside themselves comes along (the analyzer's wording tables).
    expect(existsSync(join(installed, 'dist', 'src', 'analysis', 'wording', 'userunknown.txt'))).toBe(true);
  });

  it('answers --version from package.json', async () => {
    const { stdout } = await run(bin, ['--version'], { cwd: folder });
    expect(stdout.trim()).toBe(version);
  });

  it('analyzes mail in its compiled worker threads', async () => {
    const sample = join(projectRoot, 'test', 'fixtures', 'mail', 'dsn-postfix-userunknown.eml');
    const { stdout } = await run(bin, ['analyze', '--json', sample], { cwd: folder });
    expect(JSON.parse(stdout)).toMatchObject({ file: sample, kind: 'bounce', reason: 'userunknown', recipient: 'maria.lopez@shop.example' });
  });

  it('serves /readyz 200 on embedded PGlite, its migrations found from dist/, and stops on SIGTERM', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: '0' };
    for (const key of ['DATABASE_URL', 'HOST', 'WARDEN_CONFIG', 'LOG_LEVEL', 'NODE_OPTIONS']) delete env[key];
    const child = spawn(bin, ['serve'], { cwd: folder, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    serve = { child, output: () => output, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
    const url = await waitFor(
      () => {
        if (child.exitCode !== null) throw new Error(`warden serve exited: ${output}`);
        return /"url":"(http:[^"]+)".*"msg":"Relay Warden listening"/.exec(output)?.[1];
      },
      { timeoutMs: 90_000, what: 'the installed warden serve to listen' },
    );
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ready', engine: 'pglite', migrations: { applied: expect.any(Number) } });
    expect((await fetch(`${url}/ui/login`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await serve.exited).toBe(0);
    expect(output).toContain('"msg":"stopped"');
  }, 120_000);
});
