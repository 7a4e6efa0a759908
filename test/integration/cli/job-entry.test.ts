// The entry points in jobs/ run one job from a shell, the same way `warden jobs run` does.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../../support/source-graph';

const run = promisify(execFile);
let directory: string;
let configPath: string;
beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'warden-job-entry-'));
  configPath = join(directory, 'warden.yaml');
  writeFileSync(configPath, JSON.stringify({ database: { dataDir: join(directory, 'data') }, scheduler: { enabled: false }, log: { level: 'error' } }));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('jobs/<name>.ts', () => {
  it('runs the job once against the configured database and prints its summary', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'jobs/prune-history.ts', '--config', configPath], { cwd: repositoryRoot });
    expect(JSON.parse(stdout)).toMatchObject({ job: 'prune-history', outcome: 'succeeded', summary: { runsDeleted: 0, ingestRunsDeleted: 0 } });
  });
});
