// Pure: whether each of the relay's outgoing IPs may take new mail now, from its confirmed
// listings (RFC 5782 blocklists, as the monitor confirmed them), an ops draining mark, and the
// quiet period and warm-back after a delisting. No clock, no database: `now` is passed in.

export type Severity = 'info' | 'warning' | 'error' | 'critical';
const severityRank: Record<Severity, number> = { info: 0, warning: 1, error: 2, critical: 3 };

/**
 * `active`: in use at its weight. `warming`: back after a delisting, at warmBackShare of its weight.
 * `quiet`: delisted, waiting out the quiet period. `listed`: on a list of the configured severity.
 * `draining`: taken out of use by ops.
 */
export type IpSteeringState = 'active' | 'warming' | 'quiet' | 'listed' | 'draining';

/** The states in which an IP takes new mail. */
export const usableStates: ReadonlySet<IpSteeringState> = new Set(['active', 'warming']);

export interface IpListingFact {
  zoneId: string;
  status: 'unknown' | 'clear' | 'listed';
  severity: Severity | null;
  /** When the current status began: for `clear` after a listing, when the delisting was first seen. */
  since: Date | null;
  lastListedAt: Date | null;
}

export interface DrainMark {
  since: Date;
  by: string;
  reason: string;
}

export interface SteeringRules {
  listingSeverity: Severity;
  quietPeriodMinutes: number;
  warmBackMinutes: number;
  warmBackShare: number;
}

export interface IpStatus {
  ip: string;
  transport: string;
  /** The configured weight. */
  weight: number;
  state: IpSteeringState;
  /** Fraction of the weight in use: 1 active, warmBackShare warming, 0 otherwise. */
  weightShare: number;
  /** When the state began, when known. */
  since: Date | null;
  /** When a quiet or warming state ends. */
  until: Date | null;
  /** The zones behind a listed, quiet or warming state. */
  zones: string[];
  reason: string;
}

export interface IpStatusInput {
  ip: string;
  transport: string;
  weight: number;
  listings: readonly IpListingFact[];
  drain: DrainMark | null;
}

/** A listing with no stored severity counts as a warning: the monitor always records one when it lists. */
function counts(listing: IpListingFact, rules: SteeringRules): boolean {
  return severityRank[listing.severity ?? 'warning'] >= severityRank[rules.listingSeverity];
}

export function ipStatus(input: IpStatusInput, rules: SteeringRules, now: Date): IpStatus {
  const base = { ip: input.ip, transport: input.transport, weight: input.weight };
  if (input.drain) {
    return { ...base, state: 'draining', weightShare: 0, since: input.drain.since, until: null, zones: [], reason: `drained by ${input.drain.by}: ${input.drain.reason}` };
  }
  const relevant = input.listings.filter((listing) => counts(listing, rules));
  const listed = relevant.filter((listing) => listing.status === 'listed');
  if (listed.length > 0) {
    const since = minDate(listed.map((listing) => listing.since));
    const zones = listed.map((listing) => listing.zoneId).sort();
    const severity = listed.map((listing) => listing.severity ?? 'warning').sort((a, b) => severityRank[b] - severityRank[a])[0]!;
    return { ...base, state: 'listed', weightShare: 0, since, until: null, zones, reason: `listed on ${zones.join(', ')} (${severity})` };
  }
  // The last delisting of a listing that counted: the quiet period and warm-back run from it.
  const delisted = relevant.filter((listing) => listing.status === 'clear' && listing.lastListedAt !== null && listing.since !== null);
  const delistedAt = maxDate(delisted.map((listing) => listing.since));
  if (delistedAt) {
    const zones = delisted.filter((listing) => listing.since!.getTime() === delistedAt.getTime()).map((listing) => listing.zoneId).sort();
    const quietUntil = new Date(delistedAt.getTime() + rules.quietPeriodMinutes * 60_000);
    if (now < quietUntil) {
      return { ...base, state: 'quiet', weightShare: 0, since: delistedAt, until: quietUntil, zones, reason: `delisted from ${zones.join(', ')}; quiet until ${quietUntil.toISOString()}` };
    }
    const warmUntil = new Date(quietUntil.getTime() + rules.warmBackMinutes * 60_000);
    if (now < warmUntil) {
      return {
        ...base,
        state: 'warming',
        weightShare: rules.warmBackShare,
        since: quietUntil,
        until: warmUntil,
        zones,
        reason: `back after delisting from ${zones.join(', ')} at ${Math.round(rules.warmBackShare * 100)}% of its weight until ${warmUntil.toISOString()}`,
      };
    }
    return { ...base, state: 'active', weightShare: 1, since: warmUntil, until: null, zones: [], reason: 'in use' };
  }
  return { ...base, state: 'active', weightShare: 1, since: null, until: null, zones: [], reason: 'in use' };
}

function minDate(dates: readonly (Date | null)[]): Date | null {
  const known = dates.filter((date): date is Date => date !== null);
  return known.length === 0 ? null : new Date(Math.min(...known.map((date) => date.getTime())));
}

function maxDate(dates: readonly (Date | null)[]): Date | null {
  const known = dates.filter((date): date is Date => date !== null);
  return known.length === 0 ? null : new Date(Math.max(...known.map((date) => date.getTime())));
}
