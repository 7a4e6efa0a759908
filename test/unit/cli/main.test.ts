// The `warden` command as an installed tool: --version, --help on every verb, exit codes, no stack
// trace for a mistake the user can fix.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodes, main, verbs } from '../../../src/cli/main';
import { projectRoot } from '../../support/warden-process';

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) });
  return { code, stdout, stderr };
}

describe('warden', () => {
  it('prints the version of package.json with --version and -V', async () => {
    const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
    expect(await run(['--version'])).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    expect((await run(['-V'])).stdout).toBe(`${version}\n`);
  });

  it('lists every verb, the options and the exit codes in --help', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const verb of verbs) expect(stdout).toContain(`  ${verb.name.padEnd(10)}  ${verb.summary}`);
    expect(stdout).toContain('-V, --version');
    expect(stdout).toContain('Exit codes: 0 success, 1 failure, 2 usage error, 78 invalid configuration, 141 output closed');
  });

  it.each(verbs.map((verb) => verb.name))('answers --help, -h and help for %s with its usage and exit 0', async (name) => {
    for (const args of [[name, '--help'], [name, '-h'], ['help', name]]) {
      const { code, stdout, stderr } = await run(args);
      expect(code, args.join(' ')).toBe(0);
      expect(stdout).toMatch(new RegExp(`^Usage: warden ${name}\\b`));
      expect(stderr).toBe('');
    }
  });

  it('exits 2 on an unknown command and with no command', async () => {
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(exitCodes.usage);
    expect(unknown.stderr).toContain('warden: unknown command frobnicate');
    expect((await run([])).code).toBe(exitCodes.usage);
  });

  it('names the path of a data directory it cannot create, without a stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-main-'));
    writeFileSync(join(dir, 'a-file'), '');
    writeFileSync(join(dir, 'warden.yaml'), `database:\n  dataDir: ${join(dir, 'a-file', 'data')}\n`);
    const { code, stderr } = await run(['--config', join(dir, 'warden.yaml'), 'jobs', 'list']);
    expect(code).toBe(exitCodes.failure);
    expect(stderr).toBe(`warden jobs: ENOTDIR: not a directory, mkdir '${join(dir, 'a-file', 'data', 'pglite')}'\n`);
  });

  it('exits 78 on a missing config file, naming it', async () => {
    const { code, stderr } = await run(['--config', '/nonexistent/warden.yaml', 'jobs', 'list']);
    expect(code).toBe(exitCodes.config);
    expect(stderr).toContain('/nonexistent/warden.yaml does not exist');
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
