// `warden serve` and friends as a user runs them: real processes, real databases.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { json } from '../../support/http';
import { describe, expect, it } from 'vitest';
import { createTestDatabase, postgresTestUrl } from '../../support/postgres';
import { runWarden, startServe } from '../../support/warden-process';

const freshDir = () => mkdtempSync(join(tmpdir(), 'warden-cli-'));
const postgresServer = postgresTestUrl();

describe('warden serve', () => {
  it('serves /readyz 200 on embedded PGlite with no config file and no PostgreSQL, and stops on SIGTERM', async () => {
    const cwd = freshDir();
    const serve = await startServe({ cwd });
    try {
      const response = await fetch(`${serve.url}/readyz`);
      expect(response.status).toBe(200);
      expect(await json(response)).toMatchObject({ status: 'ready', engine: 'pglite' });
      expect(existsSync(join(cwd, 'data', 'pglite'))).toBe(true);
    } finally {
      serve.child.kill('SIGTERM');
    }
    expect(await serve.exited).toBe(0);
    expect(serve.output()).toContain('"msg":"stopped"');
    expect(existsSync(join(cwd, 'data', 'pglite.lock'))).toBe(false);
  });

  it.skipIf(!postgresServer)('serves /readyz 200 on PostgreSQL when DATABASE_URL is set', async () => {
    const testDb = await createTestDatabase(postgresServer!);
    const serve = await startServe({ cwd: freshDir(), env: { DATABASE_URL: testDb.url } });
    try {
      const response = await fetch(`${serve.url}/readyz`);
      expect(response.status).toBe(200);
      expect(await json(response)).toMatchObject({ status: 'ready', engine: 'postgres' });
    } finally {
      serve.child.kill('SIGTERM');
      expect(await serve.exited).toBe(0);
      await testDb.drop();
    }
  });

  it('refuses a second process on the same embedded database', async () => {
    const cwd = freshDir();
    const serve = await startServe({ cwd });
    try {
      const second = await runWarden(['jobs', 'list'], { cwd });
      expect(second.code).toBe(1);
      expect(second.output).toMatch(/E_DB_LOCKED: the embedded database in .* is in use by process \d+/);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
  });

  describe('with an invalid warden.yaml', () => {
    const startWith = async (yaml: string) => {
      const cwd = freshDir();
      writeFileSync(join(cwd, 'warden.yaml'), yaml);
      return runWarden(['serve'], { cwd });
    };

    it('stops at start-up on an unknown key, naming it', async () => {
      const { code, output } = await startWith('relay:\n  ips: []\n  domian: [mail.example.com]\n');
      expect(code).toBe(78);
      expect(output).toContain('line 3: relay.domian: unknown key (did you mean domains?)');
    });

    it('stops at start-up on a value of the wrong type, naming key, value and expectation', async () => {
      const { code, output } = await startWith('server:\n  port: [80]\n');
      expect(code).toBe(78);
      expect(output).toContain('server.port: [80] is not valid: expected number');
    });

    it('stops at start-up on a bad CIDR, naming the entry', async () => {
      const { code, output } = await startWith('relay:\n  ips: ["192.0.2.0/24", "192.0.2.0/35"]\n');
      expect(code).toBe(78);
      expect(output).toContain('relay.ips[1]: "192.0.2.0/35" has an invalid prefix length /35 (expected 0-32)');
    });

    it('stops at start-up on settings for a job that does not exist', async () => {
      const { code, output } = await startWith('jobs:\n  prune-histroy:\n    enabled: false\n');
      expect(code).toBe(78);
      expect(output).toMatch(/jobs\.prune-histroy: unknown job; expected one of: .*prune-history/);
    });
  });
});

describe('warden jobs and help', () => {
  it('runs a job by hand, prints its JSON summary, then lists it as run', async () => {
    const cwd = freshDir();
    const run = await runWarden(['jobs', 'run', 'prune-history'], { cwd });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.output.slice(run.output.indexOf('{')));
    expect(result).toMatchObject({ job: 'prune-history', outcome: 'succeeded', summary: { runsDeleted: 0, firesDeleted: 0 } });
    const list = await runWarden(['jobs', 'list'], { cwd });
    expect(list.code).toBe(0);
    expect(list.output).toMatch(/prune-history\s+17 3 \* \* \*\s+succeeded \d{4}-/);
    expect(list.output).toMatch(/evaluate-reputation\s+\* \* \* \* \*\s+never run/);
  });

  it('exits non-zero for a job that does not exist', async () => {
    const run = await runWarden(['jobs', 'run', 'no-such-job'], { cwd: freshDir() });
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/no job named no-such-job; known jobs: .*prune-history/);
  });

  it('prints help for the command and each verb, and rejects an unknown verb', async () => {
    const help = await runWarden(['--help'], { cwd: freshDir() });
    expect(help.code).toBe(0);
    expect(help.output).toMatch(/serve\s+Run the API/);
    const verbHelp = await runWarden(['jobs', '--help'], { cwd: freshDir() });
    expect(verbHelp.output).toContain('warden jobs run <name>');
    const unknown = await runWarden(['frobnicate'], { cwd: freshDir() });
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('unknown command frobnicate');
  });

  it('migrates an empty database and says so', async () => {
    const migrate = await runWarden(['migrate'], { cwd: freshDir() });
    expect(migrate.code).toBe(0);
    expect(migrate.output).toMatch(/pglite: (\d+) migration\(s\) applied, \1 of \1 in place/);
  });
});

describe('warden sender', () => {
  it('sets a manual suspension the policy reflects, then clears it', async () => {
    const cwd = freshDir();
    const set = await runWarden(['sender', 'override', 'bob', '--action', 'suspend', '--reason', 'spam run reported by abuse desk', '--for', '2'], { cwd });
    expect(set.code).toBe(0);
    expect(JSON.parse(set.output.slice(set.output.indexOf('{'))).policy).toMatchObject({ action: 'suspend', source: 'manual' });
    const cleared = await runWarden(['sender', 'clear', 'bob', '--reason', 'customer fixed the form'], { cwd });
    expect(cleared.code).toBe(0);
    expect(JSON.parse(cleared.output.slice(cleared.output.indexOf('{'))).policy).toMatchObject({ action: 'allow', source: 'automatic' });
  });

  it('rejects an override without a reason as a usage error', async () => {
    const run = await runWarden(['sender', 'override', 'bob', '--action', 'suspend'], { cwd: freshDir() });
    expect(run.code).toBe(2);
    expect(run.output).toContain('--reason is required');
  });
});
