// Pure state machine: previous listing and zone states + one run's results -> new states + events.
// A state changes only after `confirmations` agreeing checks, so one odd answer never pages.
import type { ZoneHealth } from './health';
import { listingKey, type CheckResult, type CodeMeaning, type DnsblState, type DnsblTarget, type ListingState, type ListingStatus, type PendingChange, type ZoneState, type ZoneStatus } from '../db/schema/dnsbl';
import type { Severity, ZoneDefinition } from '../config/dnsbl-zone';

export type DnsblEventType = 'listed' | 'delisted' | 'refused' | 'zone_unhealthy' | 'zone_unknown' | 'zone_recovered';

export interface DnsblEvent {
  type: DnsblEventType;
  zoneId: string;
  zoneName: string;
  zone: string;
  /** Null for zone events (refused, zone_unhealthy, zone_unknown, zone_recovered). */
  target: DnsblTarget | null;
  severity: Severity;
  delistUrl: string | null;
  codes: string[];
  meanings: CodeMeaning[];
  txt: string[];
  explanation: string | null;
  at: Date;
}

export interface AdvanceInput {
  previous: DnsblState;
  checks: readonly CheckResult[];
  zoneHealth: readonly ZoneHealth[];
  /** Definitions of the zones in the run (names and delisting links for events). */
  zones: readonly ZoneDefinition[];
  confirmations: number;
  now: Date;
}

export const emptyDnsblState: DnsblState = { listings: [], zones: [] };

/**
 * Counts an observation towards a change. Returns the confirmed new status, or null when the
 * status stays (an observation equal to the current status clears any pending change).
 */
function observe<S extends string>(
  current: S | null,
  pending: PendingChange<S> | null,
  observed: S,
  confirmations: number,
  now: Date,
): { pending: PendingChange<S> | null; confirmed: PendingChange<S> | null } {
  if (observed === current) return { pending: null, confirmed: null };
  const next: PendingChange<S> =
    pending && pending.status === observed
      ? { ...pending, count: pending.count + 1 }
      : { status: observed, count: 1, firstSeenAt: now };
  if (next.count >= confirmations) return { pending: null, confirmed: next };
  return { pending: next, confirmed: null };
}

function zoneObservation(health: ZoneHealth, checks: readonly CheckResult[]): { status: ZoneStatus; reason: string | null } {
  if (health.status === 'unhealthy' || health.status === 'refused') return { status: health.status, reason: health.reason };
  const refused = checks.find((check) => check.outcome === 'refused');
  if (refused) return { status: 'refused', reason: refused.explanation };
  if (health.status === 'unreachable') return { status: 'unknown', reason: queryFailure(health.reason) };
  // Test points answered but every check of our targets failed: still no answer about them.
  if (checks.length > 0 && checks.every((check) => check.outcome === 'error')) {
    return { status: 'unknown', reason: queryFailure(checks[0]!.explanation) };
  }
  return { status: 'healthy', reason: null };
}

function queryFailure(detail: string | null): string {
  return `queries fail, so listings can be neither confirmed nor cleared: ${detail ?? 'no answer'}. Check dnsbl.resolver (nameserver, port) and that it answers.`;
}

/** A zone never assessed has no status to keep: its first confirmed observation is a change. */
function assessedStatus(zone: ZoneState): ZoneStatus | null {
  return zone.status === 'unknown' && zone.since === null ? null : zone.status;
}

export function advanceState(input: AdvanceInput): { state: DnsblState; events: DnsblEvent[] } {
  const { now, confirmations } = input;
  const definitions = new Map(input.zones.map((zone) => [zone.id, zone]));
  const events: DnsblEvent[] = [];
  const eventBase = (zoneId: string) => {
    const zone = definitions.get(zoneId);
    return { zoneId, zoneName: zone?.name ?? zoneId, zone: zone?.zone ?? zoneId, delistUrl: zone?.delistUrl ?? null, at: now };
  };

  // Zones first, so a zone's events precede its targets' events.
  const zones = new Map(input.previous.zones.map((state) => [state.zoneId, state]));
  const checksByZone = new Map<string, CheckResult[]>();
  for (const check of input.checks) {
    const list = checksByZone.get(check.zoneId) ?? [];
    list.push(check);
    checksByZone.set(check.zoneId, list);
  }
  for (const health of input.zoneHealth) {
    const previous: ZoneState = zones.get(health.zoneId) ?? { zoneId: health.zoneId, status: 'unknown', since: null, reason: null, pending: null };
    const observation = zoneObservation(health, checksByZone.get(health.zoneId) ?? []);
    const step = observe<ZoneStatus>(assessedStatus(previous), previous.pending, observation.status, confirmations, now);
    if (!step.confirmed) {
      zones.set(health.zoneId, {
        ...previous,
        reason: observation.status === previous.status ? observation.reason : previous.reason,
        pending: step.pending,
      });
      continue;
    }
    const status = step.confirmed.status;
    zones.set(health.zoneId, { zoneId: health.zoneId, status, since: step.confirmed.firstSeenAt, reason: observation.reason, pending: null });
    const base = { ...eventBase(health.zoneId), target: null, codes: [], meanings: [], txt: [], explanation: observation.reason };
    if (status === 'unhealthy') events.push({ ...base, type: 'zone_unhealthy', severity: 'warning' });
    else if (status === 'refused') events.push({ ...base, type: 'refused', severity: 'warning' });
    else if (status === 'unknown') events.push({ ...base, type: 'zone_unknown', severity: 'warning' });
    else if (assessedStatus(previous) !== null && previous.status !== 'healthy') {
      events.push({ ...base, type: 'zone_recovered', severity: 'info', explanation: `${previous.status} since ${previous.since?.toISOString() ?? 'an earlier run'}` });
    }
  }

  const listings = new Map(input.previous.listings.map((state) => [listingKey(state.target, state.zoneId), state]));
  for (const check of input.checks) {
    // Refused, error, unknown and unhealthy answers say nothing about the listing: they neither
    // confirm nor break a pending change.
    if (check.outcome !== 'listed' && check.outcome !== 'clear') continue;
    const key = listingKey(check.target, check.zoneId);
    const previous: ListingState = listings.get(key) ?? {
      target: check.target,
      zoneId: check.zoneId,
      status: 'unknown',
      since: null,
      lastListedAt: null,
      lastCheckedAt: null,
      codes: [],
      severity: null,
      pending: null,
    };
    const listedNow = check.outcome === 'listed';
    const seen: ListingState = {
      ...previous,
      lastCheckedAt: now,
      lastListedAt: listedNow ? now : previous.lastListedAt,
      ...(listedNow && previous.status === 'listed' ? { codes: check.codes, severity: check.severity } : {}),
    };
    const step = observe<ListingStatus>(previous.status, previous.pending as PendingChange<ListingStatus> | null, check.outcome, confirmations, now);
    if (!step.confirmed) {
      listings.set(key, { ...seen, pending: step.pending as ListingState['pending'] });
      continue;
    }
    const status = step.confirmed.status;
    listings.set(key, {
      ...seen,
      status,
      since: step.confirmed.firstSeenAt,
      codes: listedNow ? check.codes : seen.codes,
      severity: listedNow ? check.severity : seen.severity,
      pending: null,
    });
    const base = { ...eventBase(check.zoneId), target: check.target, txt: check.txt };
    if (status === 'listed') {
      events.push({
        ...base,
        type: 'listed',
        severity: check.severity ?? definitions.get(check.zoneId)?.defaultSeverity ?? 'warning',
        codes: check.codes,
        meanings: check.meanings,
        explanation: check.explanation,
      });
    } else if (previous.status === 'listed') {
      events.push({
        ...base,
        type: 'delisted',
        severity: 'info',
        codes: previous.codes,
        meanings: [],
        explanation: `listed since ${previous.since?.toISOString() ?? 'an earlier run'}`,
      });
    }
  }

  return { state: { listings: [...listings.values()], zones: [...zones.values()] }, events };
}
