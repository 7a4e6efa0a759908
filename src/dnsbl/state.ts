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

/** What both halves of a step share: the run's time, the confirmations a change needs, where events go. */
interface Step {
  now: Date;
  confirmations: number;
  definitions: Map<string, ZoneDefinition>;
  events: DnsblEvent[];
}

function eventBase(step: Step, zoneId: string) {
  const zone = step.definitions.get(zoneId);
  return { zoneId, zoneName: zone?.name ?? zoneId, zone: zone?.zone ?? zoneId, delistUrl: zone?.delistUrl ?? null, at: step.now };
}

export function advanceState(input: AdvanceInput): { state: DnsblState; events: DnsblEvent[] } {
  const step: Step = { now: input.now, confirmations: input.confirmations, definitions: new Map(input.zones.map((zone) => [zone.id, zone])), events: [] };
  // Zones first, so a zone's events precede its targets' events.
  const zones = advanceZones(step, input.previous.zones, input.zoneHealth, input.checks);
  const listings = advanceListings(step, input.previous.listings, input.checks);
  return { state: { listings, zones }, events: step.events };
}

function advanceZones(step: Step, previousZones: readonly ZoneState[], zoneHealth: readonly ZoneHealth[], checks: readonly CheckResult[]): ZoneState[] {
  const zones = new Map(previousZones.map((state) => [state.zoneId, state]));
  const checksByZone = new Map<string, CheckResult[]>();
  for (const check of checks) {
    const list = checksByZone.get(check.zoneId) ?? [];
    list.push(check);
    checksByZone.set(check.zoneId, list);
  }
  for (const health of zoneHealth) {
    const previous: ZoneState = zones.get(health.zoneId) ?? { zoneId: health.zoneId, status: 'unknown', since: null, reason: null, pending: null };
    const observation = zoneObservation(health, checksByZone.get(health.zoneId) ?? []);
    const observed = observe<ZoneStatus>(assessedStatus(previous), previous.pending, observation.status, step.confirmations, step.now);
    if (!observed.confirmed) {
      zones.set(health.zoneId, {
        ...previous,
        reason: observation.status === previous.status ? observation.reason : previous.reason,
        pending: observed.pending,
      });
      continue;
    }
    const status = observed.confirmed.status;
    zones.set(health.zoneId, { zoneId: health.zoneId, status, since: observed.confirmed.firstSeenAt, reason: observation.reason, pending: null });
    const base = { ...eventBase(step, health.zoneId), target: null, codes: [], meanings: [], txt: [], explanation: observation.reason };
    if (status === 'unhealthy') step.events.push({ ...base, type: 'zone_unhealthy', severity: 'warning' });
    else if (status === 'refused') step.events.push({ ...base, type: 'refused', severity: 'warning' });
    else if (status === 'unknown') step.events.push({ ...base, type: 'zone_unknown', severity: 'warning' });
    else if (assessedStatus(previous) !== null && previous.status !== 'healthy') {
      step.events.push({ ...base, type: 'zone_recovered', severity: 'info', explanation: `${previous.status} since ${previous.since?.toISOString() ?? 'an earlier run'}` });
    }
  }
  return [...zones.values()];
}

function advanceListings(step: Step, previousListings: readonly ListingState[], checks: readonly CheckResult[]): ListingState[] {
  const { now } = step;
  const listings = new Map(previousListings.map((state) => [listingKey(state.target, state.zoneId), state]));
  for (const check of checks) {
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
    const observed = observe<ListingStatus>(previous.status, previous.pending as PendingChange<ListingStatus> | null, check.outcome, step.confirmations, now);
    if (!observed.confirmed) {
      listings.set(key, { ...seen, pending: observed.pending as ListingState['pending'] });
      continue;
    }
    const status = observed.confirmed.status;
    listings.set(key, {
      ...seen,
      status,
      since: observed.confirmed.firstSeenAt,
      codes: listedNow ? check.codes : seen.codes,
      severity: listedNow ? check.severity : seen.severity,
      pending: null,
    });
    recordListingChange(step, check, previous, status);
  }
  return [...listings.values()];
}

function recordListingChange(step: Step, check: CheckResult, previous: ListingState, status: ListingStatus): void {
  const base = { ...eventBase(step, check.zoneId), target: check.target, txt: check.txt };
  if (status === 'listed') {
    step.events.push({
      ...base,
      type: 'listed',
      severity: check.severity ?? step.definitions.get(check.zoneId)?.defaultSeverity ?? 'warning',
      codes: check.codes,
      meanings: check.meanings,
      explanation: check.explanation,
    });
  } else if (previous.status === 'listed') {
    step.events.push({
      ...base,
      type: 'delisted',
      severity: 'info',
      codes: previous.codes,
      meanings: [],
      explanation: `listed since ${previous.since?.toISOString() ?? 'an earlier run'}`,
    });
  }
}
