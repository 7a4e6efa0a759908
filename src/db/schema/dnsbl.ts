// Tables of the blocklist monitor: runs, every check, the confirmed state per (target, zone) and
// per zone. The state tables hold exactly what the pure state machine (src/dnsbl/state.ts) needs.
import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { Severity, TargetKind } from '../../config/dnsbl-zone';

// The values these tables hold, as the monitor (src/dnsbl/) produces and reads them.

export interface DnsblTarget {
  kind: TargetKind;
  /** Canonical text: dotted quad, RFC 5952 IPv6, or lower-case domain without a trailing dot. */
  value: string;
}

export interface CodeMeaning {
  code: string;
  meaning: string;
  severity: Severity;
}

/** A zone's answer as interpreted, or `unhealthy`: the zone's test points say its answers cannot be trusted. */
export type CheckOutcome = 'listed' | 'clear' | 'refused' | 'error' | 'unknown' | 'unhealthy';

/** One target checked against one zone. */
export interface CheckResult {
  target: DnsblTarget;
  zoneId: string;
  /** The public zone name (never the keyed one: the DQS key is a secret). */
  zone: string;
  outcome: CheckOutcome;
  codes: string[];
  meanings: CodeMeaning[];
  severity: Severity | null;
  txt: string[];
  explanation: string | null;
  durationMs: number;
}

export type ListingStatus = 'unknown' | 'clear' | 'listed';
/**
 * `unknown` is a zone not yet assessed (`since` null) or one whose queries fail (timeout, SERVFAIL,
 * REFUSED, no route): a run then learns about the resolver, not the list, and concludes nothing.
 */
export type ZoneStatus = 'unknown' | 'healthy' | 'unhealthy' | 'refused';

export interface PendingChange<S extends string> {
  status: S;
  /** Agreeing checks so far. */
  count: number;
  firstSeenAt: Date;
}

export interface ListingState {
  target: DnsblTarget;
  zoneId: string;
  /** `unknown` until `confirmations` agreeing checks; clear or listed afterwards. */
  status: ListingStatus;
  /** When the current status began (the first of its agreeing checks). */
  since: Date | null;
  /** Last check that saw the target listed, confirmed or not. */
  lastListedAt: Date | null;
  lastCheckedAt: Date | null;
  /** Codes of the current (or last) listing. */
  codes: string[];
  severity: Severity | null;
  pending: PendingChange<'clear' | 'listed'> | null;
}

export interface ZoneState {
  zoneId: string;
  status: ZoneStatus;
  since: Date | null;
  reason: string | null;
  pending: PendingChange<ZoneStatus> | null;
}

/** The confirmed state of every listing and zone: what the state machine advances run by run. */
export interface DnsblState {
  listings: ListingState[];
  zones: ZoneState[];
}

/** A listing's identity: its zone and target (the primary key of dnsbl_listings). */
export function listingKey(target: DnsblTarget, zoneId: string): string {
  return `${zoneId}|${target.kind}:${target.value}`;
}

/** One row per sweep: when it ran and what it counted. */
export const dnsblRuns = pgTable(
  'dnsbl_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true }).notNull(),
    targets: integer('targets').notNull(),
    zones: integer('zones').notNull(),
    checks: integer('checks').notNull(),
    listed: integer('listed').notNull(),
    refused: integer('refused').notNull(),
    errors: integer('errors').notNull(),
    unhealthyZones: integer('unhealthy_zones').notNull(),
    events: integer('events').notNull(),
    queries: integer('queries').notNull(),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('dnsbl_runs_started_idx').on(t.startedAt)],
);

/** Every check of every run, as answered (listed / clear / refused / error / unhealthy / unknown). */
export const dnsblChecks = pgTable(
  'dnsbl_checks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: bigint('run_id', { mode: 'number' })
      .notNull()
      .references(() => dnsblRuns.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull(),
    targetKind: text('target_kind').$type<TargetKind>().notNull(),
    /** Canonical address or domain (see src/dnsbl/targets.ts). */
    target: text('target').notNull(),
    zoneId: text('zone_id').notNull(),
    /** The public zone name; never a keyed (DQS) one. */
    zone: text('zone').notNull(),
    outcome: text('outcome').$type<CheckOutcome>().notNull(),
    codes: jsonb('codes').$type<string[]>().notNull(),
    meanings: jsonb('meanings').$type<CodeMeaning[]>().notNull(),
    severity: text('severity').$type<Severity>(),
    txt: jsonb('txt').$type<string[]>().notNull(),
    explanation: text('explanation'),
    durationMs: integer('duration_ms').notNull(),
  },
  (t) => [index('dnsbl_checks_target_at_idx').on(t.target, t.at), index('dnsbl_checks_run_idx').on(t.runId)],
);

/** Confirmed listing state per (zone, target), with the change being confirmed, if any. */
export const dnsblListings = pgTable(
  'dnsbl_listings',
  {
    zoneId: text('zone_id').notNull(),
    targetKind: text('target_kind').$type<TargetKind>().notNull(),
    target: text('target').notNull(),
    status: text('status').$type<ListingStatus>().notNull(),
    since: timestamp('since', { withTimezone: true }),
    lastListedAt: timestamp('last_listed_at', { withTimezone: true }),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true }),
    codes: jsonb('codes').$type<string[]>().notNull(),
    severity: text('severity').$type<Severity>(),
    pendingStatus: text('pending_status').$type<'clear' | 'listed'>(),
    /** Agreeing checks towards pending_status so far. */
    pendingCount: integer('pending_count'),
    pendingSince: timestamp('pending_since', { withTimezone: true }),
  },
  (t) => [primaryKey({ columns: [t.zoneId, t.targetKind, t.target] }), index('dnsbl_listings_target_idx').on(t.target)],
);

/** Health of each zone as the test points showed it: healthy, unhealthy (not trusted), refused or unknown (queries fail). */
export const dnsblZoneState = pgTable('dnsbl_zone_state', {
  zoneId: text('zone_id').primaryKey(),
  status: text('status').$type<ZoneStatus>().notNull(),
  since: timestamp('since', { withTimezone: true }),
  reason: text('reason'),
  pendingStatus: text('pending_status').$type<ZoneStatus>(),
  pendingCount: integer('pending_count'),
  pendingSince: timestamp('pending_since', { withTimezone: true }),
  /** Last run that assessed the zone, and what its test points answered then. */
  checkedAt: timestamp('checked_at', { withTimezone: true }),
  testPoints: jsonb('test_points').$type<{ testPoint: string; expectation: 'listed' | 'not_listed'; outcome: string; codes: string[] }[]>(),
});
