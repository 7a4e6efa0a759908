// Queries of the blocklist monitor: the state advanceState() starts from, one run stored with its
// checks, new state and events in one transaction, and the read models of the API.
import { and, desc, eq, inArray, like, lt, notInArray, or, sql } from 'drizzle-orm';
import type { TargetKind } from '../config/dnsbl-zone';
import type { Db } from './client';
import { insertEvents, type EventWrite, type Tx } from './events';
import { dnsblChecks, dnsblListings, dnsblRuns, dnsblZoneState, events, listingKey, type CheckResult, type DnsblState, type DnsblTarget, type ListingState, type ZoneState } from './schema';

export type DnsblListingRow = typeof dnsblListings.$inferSelect;
export type DnsblZoneStateRow = typeof dnsblZoneState.$inferSelect;
export type DnsblCheckRow = typeof dnsblChecks.$inferSelect;
export type DnsblRunRow = typeof dnsblRuns.$inferSelect;

const chunkSize = 500;

function toListingState(row: DnsblListingRow): ListingState {
  return {
    target: { kind: row.targetKind, value: row.target },
    zoneId: row.zoneId,
    status: row.status,
    since: row.since,
    lastListedAt: row.lastListedAt,
    lastCheckedAt: row.lastCheckedAt,
    codes: row.codes,
    severity: row.severity,
    pending:
      row.pendingStatus && row.pendingCount && row.pendingSince
        ? { status: row.pendingStatus, count: row.pendingCount, firstSeenAt: row.pendingSince }
        : null,
  };
}

function toZoneState(row: DnsblZoneStateRow): ZoneState {
  return {
    zoneId: row.zoneId,
    status: row.status,
    since: row.since,
    reason: row.reason,
    pending:
      row.pendingStatus && row.pendingCount && row.pendingSince
        ? { status: row.pendingStatus, count: row.pendingCount, firstSeenAt: row.pendingSince }
        : null,
  };
}

/** The stored state, as advanceState() takes it. */
export async function loadDnsblState(db: Db | Tx): Promise<DnsblState> {
  const [listings, zones] = await Promise.all([db.select().from(dnsblListings), db.select().from(dnsblZoneState)]);
  return { listings: listings.map(toListingState), zones: zones.map(toZoneState) };
}

/** What a run stores: its checks and each assessed zone's test point answers. */
export interface DnsblRunToStore {
  targets: readonly DnsblTarget[];
  zones: readonly unknown[];
  checks: readonly CheckResult[];
  zoneHealth: readonly { zoneId: string; status: string; testPoints: NonNullable<DnsblZoneStateRow['testPoints']> }[];
  /** DNS messages sent, test points and retries included. */
  queryCount: number;
}

export interface StoreDnsblRunInput {
  run: DnsblRunToStore;
  state: DnsblState;
  /** The state changes, as event rows. */
  events: EventWrite[];
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
  /** Drop state of zones and targets no longer configured (state the next run would never touch). */
  keep?: { zoneIds: string[]; targets: DnsblTarget[] };
}

export interface StoredDnsblRun {
  runId: number;
  checks: number;
  listed: number;
  refused: number;
  errors: number;
  unhealthyZones: number;
  events: number;
}

/** Stores one run: the run row, every check, the changed state rows and the events, atomically. */
export async function storeDnsblRun(db: Db, input: StoreDnsblRunInput): Promise<StoredDnsblRun> {
  const { run } = input;
  const counts = {
    checks: run.checks.length,
    listed: run.checks.filter((check) => check.outcome === 'listed').length,
    refused: run.checks.filter((check) => check.outcome === 'refused').length,
    errors: run.checks.filter((check) => check.outcome === 'error').length,
    unhealthyZones: run.zoneHealth.filter((health) => health.status === 'unhealthy').length,
    events: input.events.length,
  };
  const listingRows = observedListingRows(input);
  const zoneRows = assessedZoneRows(input);
  return db.transaction(async (tx) => {
    const [runRow] = await tx
      .insert(dnsblRuns)
      .values({
        startedAt: input.startedAt,
        finishedAt: input.finishedAt,
        targets: run.targets.length,
        zones: run.zones.length,
        ...counts,
        queries: run.queryCount,
        durationMs: Math.round(input.durationMs),
      })
      .returning({ id: dnsblRuns.id });
    const runId = runRow!.id;
    await insertChecks(tx, runId, input.startedAt, run.checks);
    await upsertState(tx, listingRows, zoneRows);
    await insertEvents(tx, input.events);
    if (input.keep) await pruneDnsblState(tx, input.keep.zoneIds, input.keep.targets);
    return { runId, ...counts };
  });
}

/** Only listings this run observed changed; the others keep their rows as they are. */
function observedListingRows({ run, state }: StoreDnsblRunInput): (typeof dnsblListings.$inferInsert)[] {
  const observed = new Set(
    run.checks.filter((check) => check.outcome === 'listed' || check.outcome === 'clear').map((check) => listingKey(check.target, check.zoneId)),
  );
  return state.listings
    .filter((listing) => observed.has(listingKey(listing.target, listing.zoneId)))
    .map((listing) => ({
      zoneId: listing.zoneId,
      targetKind: listing.target.kind,
      target: listing.target.value,
      status: listing.status,
      since: listing.since,
      lastListedAt: listing.lastListedAt,
      lastCheckedAt: listing.lastCheckedAt,
      codes: listing.codes,
      severity: listing.severity,
      pendingStatus: listing.pending?.status ?? null,
      pendingCount: listing.pending?.count ?? null,
      pendingSince: listing.pending?.firstSeenAt ?? null,
    }));
}

/** The zones this run assessed, with what their test points answered. */
function assessedZoneRows({ run, state, startedAt }: StoreDnsblRunInput): (typeof dnsblZoneState.$inferInsert)[] {
  const healthByZone = new Map(run.zoneHealth.map((health) => [health.zoneId, health]));
  return state.zones
    .filter((zone) => healthByZone.has(zone.zoneId))
    .map((zone) => ({
      zoneId: zone.zoneId,
      status: zone.status,
      since: zone.since,
      reason: zone.reason,
      pendingStatus: zone.pending?.status ?? null,
      pendingCount: zone.pending?.count ?? null,
      pendingSince: zone.pending?.firstSeenAt ?? null,
      checkedAt: startedAt,
      testPoints: healthByZone.get(zone.zoneId)!.testPoints,
    }));
}

async function insertChecks(tx: Tx, runId: number, at: Date, checks: readonly CheckResult[]): Promise<void> {
  for (let i = 0; i < checks.length; i += chunkSize) {
    await tx.insert(dnsblChecks).values(
      checks.slice(i, i + chunkSize).map((check) => ({
        runId,
        at,
        targetKind: check.target.kind,
        target: check.target.value,
        zoneId: check.zoneId,
        zone: check.zone,
        outcome: check.outcome,
        codes: check.codes,
        meanings: check.meanings,
        severity: check.severity,
        txt: check.txt,
        explanation: check.explanation,
        durationMs: Math.round(check.durationMs),
      })),
    );
  }
}

async function upsertState(tx: Tx, listingRows: (typeof dnsblListings.$inferInsert)[], zoneRows: (typeof dnsblZoneState.$inferInsert)[]): Promise<void> {
  for (let i = 0; i < listingRows.length; i += chunkSize) {
    await tx
      .insert(dnsblListings)
      .values(listingRows.slice(i, i + chunkSize))
      .onConflictDoUpdate({
        target: [dnsblListings.zoneId, dnsblListings.targetKind, dnsblListings.target],
        set: excludedColumns(dnsblListings, ['status', 'since', 'lastListedAt', 'lastCheckedAt', 'codes', 'severity', 'pendingStatus', 'pendingCount', 'pendingSince']),
      });
  }
  if (zoneRows.length > 0) {
    await tx
      .insert(dnsblZoneState)
      .values(zoneRows)
      .onConflictDoUpdate({
        target: dnsblZoneState.zoneId,
        set: excludedColumns(dnsblZoneState, ['status', 'since', 'reason', 'pendingStatus', 'pendingCount', 'pendingSince', 'checkedAt', 'testPoints']),
      });
  }
}

function excludedColumns<T extends typeof dnsblListings | typeof dnsblZoneState>(table: T, columns: (keyof T['$inferSelect'] & string)[]) {
  return Object.fromEntries(
    columns.map((column) => [column, sql`excluded.${sql.identifier((table as unknown as Record<string, { name: string }>)[column]!.name)}`]),
  );
}

/** Deletes state rows of zones no longer enabled and of targets no longer configured. */
export async function pruneDnsblState(db: Db | Tx, zoneIds: string[], targets?: DnsblTarget[]): Promise<{ listings: number; zones: number }> {
  const staleZone = zoneIds.length > 0 ? notInArray(dnsblListings.zoneId, zoneIds) : sql`true`;
  // One jsonb parameter rather than one per target: expanded ranges can pass PostgreSQL's
  // 65,535-parameter limit.
  const keys = JSON.stringify(targets?.map((target) => `${target.kind}:${target.value}`) ?? []);
  const staleTarget = targets
    ? sql`(${dnsblListings.targetKind} || ':' || ${dnsblListings.target}) not in (select jsonb_array_elements_text(${keys}::jsonb))`
    : undefined;
  const listingCondition = staleTarget ? or(staleZone, staleTarget) : staleZone;
  const listings = await db.delete(dnsblListings).where(listingCondition).returning({ zoneId: dnsblListings.zoneId });
  const zones = await db
    .delete(dnsblZoneState)
    .where(zoneIds.length > 0 ? notInArray(dnsblZoneState.zoneId, zoneIds) : sql`true`)
    .returning({ zoneId: dnsblZoneState.zoneId });
  return { listings: listings.length, zones: zones.length };
}

/** Deletes runs started before `before`, and their checks with them. */
export async function pruneDnsblHistory(db: Db, before: Date): Promise<number> {
  const deleted = await db.delete(dnsblRuns).where(lt(dnsblRuns.startedAt, before)).returning({ id: dnsblRuns.id });
  return deleted.length;
}

/** The last check behind a listing's state: a failed one (error, refused, ...) left the state as it was. */
export interface DnsblLastCheck {
  at: Date;
  outcome: DnsblCheckRow['outcome'];
  explanation: string | null;
}

export type DnsblListingView = DnsblListingRow & { lastCheck: DnsblLastCheck | null };

/**
 * The listings with the last run's check of each, so that a listing whose check failed says so
 * (every run checks every configured target against every zone).
 */
async function withLastChecks(db: Db, listings: DnsblListingRow[], runId: number | undefined, target?: DnsblTarget): Promise<DnsblListingView[]> {
  const checks =
    runId === undefined
      ? []
      : await db
          .select({ zoneId: dnsblChecks.zoneId, targetKind: dnsblChecks.targetKind, target: dnsblChecks.target, at: dnsblChecks.at, outcome: dnsblChecks.outcome, explanation: dnsblChecks.explanation })
          .from(dnsblChecks)
          .where(and(eq(dnsblChecks.runId, runId), target ? and(eq(dnsblChecks.targetKind, target.kind), eq(dnsblChecks.target, target.value)) : undefined));
  const byKey = new Map(checks.map((check) => [`${check.zoneId}|${check.targetKind}:${check.target}`, check]));
  return listings.map((listing) => {
    const check = byKey.get(`${listing.zoneId}|${listing.targetKind}:${listing.target}`);
    return { ...listing, lastCheck: check ? { at: check.at, outcome: check.outcome, explanation: check.explanation } : null };
  });
}

/** Current listing state of every target of the given kinds, with every zone's health. */
export async function currentDnsblState(db: Db, kinds: readonly TargetKind[]) {
  const [listings, zones, [lastRun]] = await Promise.all([
    db.select().from(dnsblListings).where(inArray(dnsblListings.targetKind, [...kinds])).orderBy(dnsblListings.target, dnsblListings.zoneId),
    db.select().from(dnsblZoneState).orderBy(dnsblZoneState.zoneId),
    db.select().from(dnsblRuns).orderBy(desc(dnsblRuns.id)).limit(1),
  ]);
  return { listings: await withLastChecks(db, listings, lastRun?.id), zones, lastRun: lastRun ?? null };
}

/** One target's history: its current state per zone, recent checks and state-change events, newest first. */
export async function dnsblTargetHistory(db: Db, target: DnsblTarget, limit: number) {
  const [listings, checks, changes, [lastRun]] = await Promise.all([
    db
      .select()
      .from(dnsblListings)
      .where(and(eq(dnsblListings.targetKind, target.kind), eq(dnsblListings.target, target.value)))
      .orderBy(dnsblListings.zoneId),
    db
      .select()
      .from(dnsblChecks)
      .where(and(eq(dnsblChecks.target, target.value), eq(dnsblChecks.targetKind, target.kind)))
      .orderBy(desc(dnsblChecks.at), desc(dnsblChecks.id))
      .limit(limit),
    db
      .select()
      .from(events)
      .where(and(eq(events.subject, target.value), like(events.type, 'dnsbl.%')))
      .orderBy(desc(events.at), desc(events.id))
      .limit(limit),
    db.select({ id: dnsblRuns.id }).from(dnsblRuns).orderBy(desc(dnsblRuns.id)).limit(1),
  ]);
  return { listings: await withLastChecks(db, listings, lastRun?.id, target), checks, changes };
}
