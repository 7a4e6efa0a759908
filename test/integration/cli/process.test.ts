// The `warden` process as a shell runs it: real pipes, real exit statuses.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../support/warden-process';

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const warden = `${JSON.stringify(process.execPath)} --import ${JSON.stringify(tsxLoader)} ${JSON.stringify(join(projectRoot, 'src', 'cli', 'process.ts'))}`;
// About 360 KB of NDJSON: more than a pipe holds, so the writer is still writing when head leaves.
const corpus = join(projectRoot, 'test', 'fixtures', 'mta-corpus');

/** Runs a bash pipeline; `statuses` is PIPESTATUS, the exit status of each command of the pipeline. */
function pipeline(script: string) {
  const dir = mkdtempSync(join(tmpdir(), 'warden-pipe-'));
  const result = spawnSync('bash', ['-c', `${script} 2>${dir}/stderr | head -n 1; echo "statuses \${PIPESTATUS[*]}" >&2`], { cwd: projectRoot, encoding: 'utf8', timeout: 120_000 });
  return { stdout: result.stdout, statuses: /statuses (.*)/.exec(result.stderr)?.[1]?.split(' ').map(Number), stderr: readFileSync(join(dir, 'stderr'), 'utf8') };
}

describe('warden in a pipeline', () => {
  it('ends quietly with 141 when `| head -n 1` closes the pipe during `warden analyze DIR`', () => {
    const run = pipeline(`${warden} analyze ${JSON.stringify(corpus)}`);
    expect(run.stderr).toBe('');
    expect(run.statuses).toEqual([141, 0]);
    expect(run.stdout.split('\n')).toHaveLength(2);
    expect(JSON.parse(run.stdout)).toMatchObject({ file: join(corpus, 'exim', '0001.eml'), kind: 'bounce' });
  });

  it('prints its version as a whole process', () => {
    const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
    const run = spawnSync('bash', ['-c', `${warden} --version`], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`${version}\n`);
  });
});
