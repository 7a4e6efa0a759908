// One run: health-check every zone on its test points, then check every target against every
// zone that takes its kind. Answers of unhealthy zones are not trusted (outcome `unhealthy`); a zone
// whose test points all time out is not queried for targets (outcome `error`).
import { assessZoneHealth, type TestPointResult, type ZoneHealth } from './health';
import { interpretAnswer } from './interpret';
import { canonicalIpv6 } from './ip-address';
import { buildQueryName, queryPrefix } from './query-name';
import type { DnsblLookupClient } from './resolver';
import { parseTarget } from './targets';
import type { CheckResult, DnsblTarget } from '../db/schema/dnsbl';
import type { Severity } from '../config/dnsbl-zone';
import type { ActiveZone } from './zones';

export interface SweepResult {
  zoneHealth: ZoneHealth[];
  checks: CheckResult[];
  /** DNS messages sent, test points and retries included. */
  queryCount: number;
  durationMs: number;
}

export interface SweepInput {
  zones: readonly ActiveZone[];
  targets: readonly DnsblTarget[];
  client: DnsblLookupClient;
  /**
   * Lookups handed to the client at once (default: the client's concurrency, else 64). The client
   * bounds concurrency itself; this bounds the sweep's own memory so that it stays flat however
   * many targets there are, and keeps lookups from queueing twice.
   */
  maxInFlight?: number;
  /** Called per check as it completes (for streaming to storage). */
  onCheck?: (check: CheckResult) => void;
  /** Monotonic milliseconds, for the run duration. */
  now?: () => number;
}

/** Runs `worker` over `items` with at most `limit` in flight, pulling lazily. */
async function forEachBounded<T>(items: Iterable<T>, limit: number, worker: (item: T) => Promise<void>): Promise<void> {
  const iterator = items[Symbol.iterator]();
  const lane = async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) await worker(next.value);
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, lane));
}

/**
 * A test point as the zone queries it: an IPv6-only zone gets IPv4 test points in their mapped
 * form (RFC 5782 §5: ::FFFF:7F00:2), written as nibbles.
 */
export function testPointTarget(testPoint: string, definition: ActiveZone['definition']): DnsblTarget {
  const target = parseTarget(testPoint);
  if (target.kind === 'ipv4' && !definition.kinds.includes('ipv4') && definition.kinds.includes('ipv6')) {
    return { kind: 'ipv6', value: canonicalIpv6(`::ffff:${target.value}`) };
  }
  return target;
}

export async function checkZoneHealth(zone: ActiveZone, client: DnsblLookupClient): Promise<{ health: ZoneHealth; queries: number }> {
  const { definition } = zone;
  const points = [
    ...definition.testPoints.listed.map((testPoint) => ({ testPoint, expectation: 'listed' as const })),
    ...definition.testPoints.notListed.map((testPoint) => ({ testPoint, expectation: 'not_listed' as const })),
  ];
  let queries = 0;
  const results: TestPointResult[] = await Promise.all(
    points.map(async (point) => {
      const lookup = await client.lookup(buildQueryName(testPointTarget(point.testPoint, definition), zone.queryZone), definition.id);
      queries += lookup.queries;
      return { ...point, interpretation: interpretAnswer(definition, lookup.answer) };
    }),
  );
  return { health: assessZoneHealth(definition, results), queries };
}

/** Checks of a zone that are answered from its health alone, without a query. */
function skippedOutcome(health: ZoneHealth): 'unhealthy' | 'error' | null {
  if (health.status === 'unhealthy') return 'unhealthy';
  if (health.status === 'unreachable' && health.testPoints.length > 0 && health.testPoints.every((point) => point.outcome === 'error')) {
    return 'error';
  }
  return null;
}

export async function runSweep(input: SweepInput): Promise<SweepResult> {
  const now = input.now ?? (() => performance.now());
  const started = now();
  let queryCount = 0;

  // Each zone's checks wait for that zone's test points only: a zone that times out does not hold
  // back the others.
  const settledHealth = new Map<string, ZoneHealth>();
  const healthByZone = new Map(
    input.zones.map((zone) => [
      zone.definition.id,
      checkZoneHealth(zone, input.client).then((result) => {
        queryCount += result.queries;
        settledHealth.set(zone.definition.id, result.health);
        return result.health;
      }),
    ]),
  );

  const checks: CheckResult[] = [];
  const record = (check: CheckResult) => {
    checks.push(check);
    input.onCheck?.(check);
  };

  // Target-major order spreads consecutive lookups over zones, so one zone's rate limit does not
  // hold the others back. The reversed name is built once per target, not once per zone.
  function* pairs(): Generator<{ target: DnsblTarget; prefix: string; zone: ActiveZone }> {
    for (const target of input.targets) {
      const prefix = queryPrefix(target);
      for (const zone of input.zones) {
        if (zone.definition.kinds.includes(target.kind)) yield { target, prefix, zone };
      }
    }
  }

  await forEachBounded(pairs(), input.maxInFlight ?? input.client.concurrency ?? 64, async ({ target, prefix, zone }) => {
    const { definition } = zone;
    const health = settledHealth.get(definition.id) ?? (await healthByZone.get(definition.id));
    const skipped = health ? skippedOutcome(health) : null;
    if (health && skipped) {
      // No query: a list that fails its test points says nothing about our targets, and one whose
      // test points all timed out would only make every check wait for its timeouts too.
      record({
        target,
        zoneId: definition.id,
        zone: definition.zone,
        outcome: skipped,
        codes: [],
        meanings: [],
        severity: null,
        txt: [],
        explanation: skipped === 'error' ? `not queried: ${health.reason}` : health.reason,
        durationMs: 0,
      });
      return;
    }
    const lookup = await input.client.lookup(`${prefix}.${zone.queryZone}`, definition.id);
    queryCount += lookup.queries;
    const interpretation = interpretAnswer(definition, lookup.answer);
    record({
      target,
      zoneId: definition.id,
      zone: definition.zone,
      outcome: interpretation.outcome,
      codes: interpretation.codes,
      meanings: interpretation.meanings,
      severity: interpretation.severity,
      txt: interpretation.txt,
      explanation: interpretation.explanation,
      durationMs: lookup.durationMs,
    });
  });

  const zoneHealth = await Promise.all(healthByZone.values());
  return { zoneHealth, checks, queryCount, durationMs: now() - started };
}
