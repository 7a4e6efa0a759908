// `npm run bench:startup [-- --runs 10]`: how long the installed command takes to answer
// `warden --version` and `warden --help` as whole processes (cold start, compiled dist/), next to
// `node -e 0` on the same machine in the same run. Median and spread of --runs runs after 2 warm-ups.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
const runs = Math.max(1, Number.parseInt(values.runs, 10) || 10);
const warden = join(fileURLToPath(new URL('..', import.meta.url)), 'bin', 'warden.mjs');

function millisecondsOf(args: string[]): number[] {
  const times: number[] = [];
  for (let run = -2; run < runs; run += 1) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    if (result.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${result.status}: ${result.stderr}`);
    if (run >= 0) times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b);
}

console.log(`${runs} runs each after 2 warm-ups; load average ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
for (const [label, args] of [
  ['warden --version', [warden, '--version']],
  ['warden --help', [warden, '--help']],
  ['node -e 0', ['-e', '0']],
] as const) {
  const times = millisecondsOf([...args]);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(`${label.padEnd(18)} median ${median.toFixed(1)} ms (min ${times[0]!.toFixed(1)}, max ${times.at(-1)!.toFixed(1)})`);
}
