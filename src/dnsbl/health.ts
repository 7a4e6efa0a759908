// Pure: a zone's answers for its RFC 5782 §5 test points -> can this run trust the zone?
import type { Interpretation } from './interpret';
import type { ZoneDefinition } from '../config/dnsbl-zone';

export type ZoneHealthStatus = 'healthy' | 'unhealthy' | 'refused' | 'unreachable';

export interface TestPointResult {
  /** The test point as a target: `127.0.0.2`, `dbltest.com`. */
  testPoint: string;
  expectation: 'listed' | 'not_listed';
  interpretation: Interpretation;
}

export interface ZoneHealth {
  zoneId: string;
  status: ZoneHealthStatus;
  /** Why the zone is not healthy; null when healthy. */
  reason: string | null;
  testPoints: { testPoint: string; expectation: 'listed' | 'not_listed'; outcome: string; codes: string[] }[];
}

export function assessZoneHealth(zone: ZoneDefinition, results: readonly TestPointResult[]): ZoneHealth {
  const summary = results.map((result) => ({
    testPoint: result.testPoint,
    expectation: result.expectation,
    outcome: result.interpretation.outcome,
    codes: result.interpretation.codes,
  }));
  const verdict = (status: ZoneHealthStatus, reason: string | null): ZoneHealth => ({
    zoneId: zone.id,
    status,
    reason,
    testPoints: summary,
  });

  // Order matters: a list that lists everything is the dangerous case (every relay IP "listed").
  for (const result of results) {
    const { outcome, codes } = result.interpretation;
    if (result.expectation === 'not_listed' && outcome === 'listed') {
      return verdict(
        'unhealthy',
        `${zone.zone} lists ${result.testPoint} (${codes.join(', ')}), which it must never list: the zone ` +
          'answers "listed" for everything (a dead or wildcard list). Its answers are not trusted this run.',
      );
    }
    if (outcome === 'unknown') {
      return verdict(
        'unhealthy',
        `${zone.zone} answered test point ${result.testPoint} outside 127.0.0.0/8: the list's domain is ` +
          'parked or hijacked. Its answers are not trusted this run.',
      );
    }
  }
  const refused = results.find((result) => result.interpretation.outcome === 'refused');
  if (refused) return verdict('refused', refused.interpretation.explanation);
  for (const result of results) {
    if (result.expectation === 'listed' && result.interpretation.outcome === 'clear') {
      return verdict(
        'unhealthy',
        `${zone.zone} does not list its test point ${result.testPoint}: the list is empty, moved or dead. ` +
          'Its answers are not trusted this run.',
      );
    }
  }
  const failed = results.find((result) => result.interpretation.outcome === 'error');
  if (failed) {
    return verdict('unreachable', `${zone.zone} test point ${failed.testPoint}: ${failed.interpretation.explanation}`);
  }
  return verdict('healthy', null);
}
