// DNSBL sweep benchmark: 256 IPs (a /24) x 12 zones on a local rbldnsd, against the raw query rate
// of the same resolver client at the same concurrency; then memory per check, 256 vs 1,024 IPs.
// Run: npm run bench:dnsbl   (needs rbldnsd: apt-get install rbldnsd)
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DnsblResolver } from '../src/dnsbl/resolver';
import { buildQueryName } from '../src/dnsbl/query-name';
import { runSweep } from '../src/dnsbl/sweep';
import type { DnsblTarget } from '../src/db/schema/dnsbl';
import { expandTargets } from '../src/dnsbl/targets';
import { zoneDefinitionSchema } from '../src/config/dnsbl-zone';
import type { ActiveZone } from '../src/dnsbl/zones';
import { startRbldnsd } from '../test/support/rbldnsd';

const ZONE_COUNT = 12;
const CONCURRENCY = 32;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const zones: ActiveZone[] = Array.from({ length: ZONE_COUNT }, (_, index) => {
  const definition = zoneDefinitionSchema.parse({
    id: `bench-${index}`,
    name: `Bench list ${index}`,
    zone: `bl${index}.bench.test`,
    kinds: ['ipv4'],
    codes: [{ code: '127.0.0.2', meaning: 'bench listing', severity: 'error' }],
    testPoints: { listed: ['127.0.0.2'], notListed: ['127.0.0.1'] },
    usage: { access: 'free', summary: 'bench' },
  });
  return { definition, queryZone: definition.zone };
});

// Each zone lists about 1 address in 20 of 10.20.0.0/22 (listed entries cost a TXT query too).
function zoneLines(index: number): string[] {
  const lines = [':127.0.0.2:Listed by bench list, see https://bench.test/?ip=$', '127.0.0.2'];
  for (let host = 0; host < 1024; host++) {
    if ((host + index) % 20 === 0) lines.push(`10.20.${host >> 8}.${host & 255}`);
  }
  return lines;
}

function resolver(port: number): DnsblResolver {
  return new DnsblResolver({ nameserver: '127.0.0.1', port, timeoutMs: 2_000, retries: 2, concurrency: CONCURRENCY, perZoneQueriesPerSecond: 0 });
}

/** The ceiling: bare A queries through the same client, same concurrency, no interpretation. */
async function rawRate(port: number, names: string[]): Promise<{ seconds: number; perSecond: number }> {
  const client = resolver(port);
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < names.length) await client.query(names[next++]!, 'A');
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { seconds, perSecond: names.length / seconds };
}

async function sweepRate(port: number, targets: DnsblTarget[]) {
  const result = await runSweep({ zones, targets, client: resolver(port) });
  const errors = result.checks.filter((check) => check.outcome === 'error').length;
  if (errors > 0) throw new Error(`${errors} checks failed: the figures would be meaningless`);
  const seconds = result.durationMs / 1000;
  return { seconds, queries: result.queryCount, perSecond: result.queryCount / seconds, checks: result.checks.length, listed: result.checks.filter((check) => check.outcome === 'listed').length };
}

/** Heap per check: the peak while sweeping and what the results keep afterwards. */
async function memoryPerCheck(port: number, targets: DnsblTarget[]) {
  gc();
  const base = process.memoryUsage().heapUsed;
  let peak = base;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 2);
  const result = await runSweep({ zones, targets, client: resolver(port) });
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().heapUsed);
  gc();
  const retained = process.memoryUsage().heapUsed - base;
  const checks = result.checks.length;
  return { checks, peakPerCheck: (peak - base) / checks, retainedPerCheck: retained / checks };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const rbldnsd = await startRbldnsd(zones.map((zone, index) => ({ name: zone.definition.zone, type: 'ip4set' as const, lines: zoneLines(index) })));
try {
  const targets256 = expandTargets({ ips: ['10.20.0.0/24'], domains: [] });
  const targets1024 = expandTargets({ ips: ['10.20.0.0/22'], domains: [] });
  const rawNames = targets256.flatMap((target) => zones.map((zone) => buildQueryName(target, zone.queryZone)));

  // Warm-up (JIT, sockets). Then rounds of one raw run and one sweep, back to back in alternating
  // order, so both see the same machine load; the ratio is the median of the per-round ratios.
  await rawRate(rbldnsd.port, rawNames);
  await sweepRate(rbldnsd.port, targets256);
  const rounds: { raw: number; sweep: Awaited<ReturnType<typeof sweepRate>> }[] = [];
  for (let round = 0; round < 7; round++) {
    if (round % 2 === 0) {
      const raw = (await rawRate(rbldnsd.port, rawNames)).perSecond;
      rounds.push({ raw, sweep: await sweepRate(rbldnsd.port, targets256) });
    } else {
      const sweep = await sweepRate(rbldnsd.port, targets256);
      rounds.push({ raw: (await rawRate(rbldnsd.port, rawNames)).perSecond, sweep });
    }
  }
  const raw = median(rounds.map((round) => round.raw));
  const sweep = [...rounds].sort((a, b) => a.sweep.perSecond - b.sweep.perSecond)[Math.floor(rounds.length / 2)]!.sweep;
  const ratio = median(rounds.map((round) => round.sweep.perSecond / round.raw));

  const memory256: Awaited<ReturnType<typeof memoryPerCheck>>[] = [];
  const memory1024: Awaited<ReturnType<typeof memoryPerCheck>>[] = [];
  for (let round = 0; round < 3; round++) {
    memory256.push(await memoryPerCheck(rbldnsd.port, targets256));
    memory1024.push(await memoryPerCheck(rbldnsd.port, targets1024));
  }
  const peak256 = median(memory256.map((entry) => entry.peakPerCheck));
  const peak1024 = median(memory1024.map((entry) => entry.peakPerCheck));
  const kept256 = median(memory256.map((entry) => entry.retainedPerCheck));
  const kept1024 = median(memory1024.map((entry) => entry.retainedPerCheck));

  const kib = (bytes: number) => `${(bytes / 1024).toFixed(2)} KiB`;
  console.log(`rbldnsd: ${rbldnsd.commandLine.replace(/ bl0\.bench\.test.*/, ` <${ZONE_COUNT} zone specs>`)}`);
  console.log(`DNSBL sweep: ${targets256.length} IPs x ${ZONE_COUNT} zones = ${sweep.checks} checks (${sweep.listed} listed), concurrency ${CONCURRENCY}`);
  console.log(`  sweep time        ${sweep.seconds.toFixed(3)} s (median run), ${sweep.queries} queries (A + TXT + test points)`);
  console.log(`  sweep rate        ${sweep.perSecond.toFixed(0)} queries/s`);
  console.log(`  raw client rate   ${raw.toFixed(0)} queries/s (bare A queries, same client and concurrency)`);
  console.log(`  ratio             ${(ratio * 100).toFixed(1)}% (median of ${rounds.length} paired rounds; target >= 80%) ${ratio >= 0.8 ? 'OK' : 'BELOW TARGET'}`);
  console.log('Memory per check (median of 3):');
  console.log(`  peak heap      256 IPs ${kib(peak256)}, 1,024 IPs ${kib(peak1024)}, ratio ${(peak1024 / peak256).toFixed(2)}x (target <= 1.1x) ${peak1024 / peak256 <= 1.1 ? 'OK' : 'ABOVE TARGET'}`);
  console.log(`  retained heap  256 IPs ${kib(kept256)}, 1,024 IPs ${kib(kept1024)}, ratio ${(kept1024 / kept256).toFixed(2)}x`);
} finally {
  await rbldnsd.stop();
}
