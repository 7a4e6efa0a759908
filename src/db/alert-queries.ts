// Queries of alerting: routing the outbox, alerts, deliveries with their claims, attempts, replay.
import { and, asc, desc, eq, inArray, isNull, lte, or, sql, lt } from 'drizzle-orm';
import type { Db } from './client';
import type { Tx } from './events';
import {
  alertDeliveries,
  alertDeliveryAttempts,
  alertOutbox,
  alerts,
  events,
  type AlertMessageKind,
  type AlertMessage,
} from './schema';

export type AlertRow = typeof alerts.$inferSelect;
export type AlertWrite = typeof alerts.$inferInsert;
export type DeliveryRow = typeof alertDeliveries.$inferSelect;
export type AttemptRow = typeof alertDeliveryAttempts.$inferSelect;
export type EventRow = typeof events.$inferSelect;

/**
 * Unrouted events, oldest first, locked for this transaction. SKIP LOCKED lets a second router
 * take the next rows instead of waiting (on PGlite's single connection there is never a second).
 */
export async function lockUnroutedEvents(tx: Tx, limit: number): Promise<EventRow[]> {
  const pending = await tx
    .select({ eventId: alertOutbox.eventId })
    .from(alertOutbox)
    .where(isNull(alertOutbox.routedAt))
    .orderBy(asc(alertOutbox.eventId))
    .limit(limit)
    .for('update', { skipLocked: true });
  if (pending.length === 0) return [];
  return tx
    .select()
    .from(events)
    .where(inArray(events.id, pending.map((row) => row.eventId)))
    .orderBy(asc(events.id));
}

export async function markRouted(tx: Tx, eventIds: number[], now: Date): Promise<void> {
  if (eventIds.length > 0) await tx.update(alertOutbox).set({ routedAt: now }).where(inArray(alertOutbox.eventId, eventIds));
}

export async function findFiringAlert(tx: Tx, dedupKey: string): Promise<AlertRow | undefined> {
  const [row] = await tx.select().from(alerts).where(and(eq(alerts.dedupKey, dedupKey), eq(alerts.state, 'firing'))).for('update');
  return row;
}

export async function insertAlert(tx: Tx, alert: AlertWrite): Promise<AlertRow> {
  const [row] = await tx.insert(alerts).values(alert).returning();
  return row!;
}

export async function updateAlert(tx: Tx, id: number, alert: Partial<AlertWrite>): Promise<AlertRow> {
  const [row] = await tx.update(alerts).set(alert).where(eq(alerts.id, id)).returning();
  return row!;
}

/** Firing alerts whose quiet period is over and whose trigger has not gone out, locked. */
export async function lockDueAlerts(tx: Tx, now: Date, limit: number): Promise<AlertRow[]> {
  return tx
    .select()
    .from(alerts)
    .where(and(isNull(alerts.notifiedAt), eq(alerts.state, 'firing'), lte(alerts.notifyAfter, now)))
    .orderBy(asc(alerts.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/** Firing alerts last notified at or before `notifiedBefore`: due a reminder. */
export async function lockRepeatDueAlerts(tx: Tx, notifiedBefore: Date, limit: number): Promise<AlertRow[]> {
  return tx
    .select()
    .from(alerts)
    .where(and(eq(alerts.state, 'firing'), lte(alerts.notifiedAt, notifiedBefore)))
    .orderBy(asc(alerts.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export interface NewDelivery {
  alertId: number | null;
  destination: string;
  kind: AlertMessageKind;
  messageId: string;
  message: AlertMessage;
  createdAt: Date;
  giveUpAt: Date;
}

export async function insertDeliveries(db: Db | Tx, rows: NewDelivery[]): Promise<DeliveryRow[]> {
  if (rows.length === 0) return [];
  return db
    .insert(alertDeliveries)
    .values(rows.map((row) => ({ ...row, status: 'pending' as const, nextAttemptAt: row.createdAt })))
    .returning();
}

/** Destinations with something pending (including ones no longer configured). */
export async function destinationsWithPending(db: Db): Promise<string[]> {
  const rows = await db.selectDistinct({ destination: alertDeliveries.destination }).from(alertDeliveries).where(eq(alertDeliveries.status, 'pending'));
  return rows.map((row) => row.destination);
}

/** The head of a destination's queue: its oldest pending delivery. Later ones wait behind it. */
export async function pendingHead(db: Db, destination: string): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .select()
    .from(alertDeliveries)
    .where(and(eq(alertDeliveries.destination, destination), eq(alertDeliveries.status, 'pending')))
    .orderBy(asc(alertDeliveries.id))
    .limit(1);
  return row;
}

/**
 * Takes a delivery for one attempt: succeeds for one worker only, until `until`. A worker that
 * dies holding it leaves a claim that lapses; the delivery is then sent again (at least once).
 */
export async function claimDelivery(db: Db, id: number, now: Date, until: Date): Promise<DeliveryRow | undefined> {
  const [row] = await db
    .update(alertDeliveries)
    .set({ claimedUntil: until })
    .where(
      and(
        eq(alertDeliveries.id, id),
        eq(alertDeliveries.status, 'pending'),
        or(isNull(alertDeliveries.claimedUntil), lt(alertDeliveries.claimedUntil, now)),
      ),
    )
    .returning();
  return row;
}

export interface AttemptRecord {
  at: Date;
  httpStatus: number | null;
  latencyMs: number;
  outcome: 'delivered' | 'failed';
  error: string | null;
  responseSnippet: string | null;
}

export type AttemptVerdict =
  | { status: 'delivered'; at: Date }
  | { status: 'retry'; nextAttemptAt: Date; error: string }
  | { status: 'dead'; error: string };

/** Records an attempt and its verdict on the delivery in one transaction. */
export async function recordAttempt(db: Db, deliveryId: number, attempt: AttemptRecord, verdict: AttemptVerdict): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.insert(alertDeliveryAttempts).values({ deliveryId, ...attempt });
    const common = { attempts: sql`${alertDeliveries.attempts} + 1`, claimedUntil: null };
    if (verdict.status === 'delivered') {
      await tx.update(alertDeliveries).set({ ...common, status: 'delivered', deliveredAt: verdict.at, lastError: null }).where(eq(alertDeliveries.id, deliveryId));
    } else if (verdict.status === 'retry') {
      await tx.update(alertDeliveries).set({ ...common, nextAttemptAt: verdict.nextAttemptAt, lastError: verdict.error }).where(eq(alertDeliveries.id, deliveryId));
    } else {
      await tx.update(alertDeliveries).set({ ...common, status: 'dead', lastError: verdict.error }).where(eq(alertDeliveries.id, deliveryId));
    }
  });
}

/** A delivery that cannot be attempted at all (its destination left the config). */
export async function markDead(db: Db, deliveryId: number, error: string): Promise<void> {
  await db.update(alertDeliveries).set({ status: 'dead', lastError: error, claimedUntil: null }).where(eq(alertDeliveries.id, deliveryId));
}

/**
 * Dead deliveries back to pending, due now, with a new give-up time. They keep their id, so each
 * goes back to its place in its destination's order (ahead of anything newer).
 */
export async function replayDeliveries(db: Db, target: { id: number } | { allDead: true }, now: Date, giveUpAt: Date): Promise<DeliveryRow[]> {
  return db
    .update(alertDeliveries)
    .set({ status: 'pending', nextAttemptAt: now, giveUpAt, claimedUntil: null })
    .where(and(eq(alertDeliveries.status, 'dead'), 'id' in target ? eq(alertDeliveries.id, target.id) : undefined))
    .returning();
}

export async function getDelivery(db: Db, id: number): Promise<DeliveryRow | undefined> {
  const [row] = await db.select().from(alertDeliveries).where(eq(alertDeliveries.id, id));
  return row;
}

export async function listAlerts(db: Db, filter: { state?: 'firing' | 'resolved'; limit: number }): Promise<AlertRow[]> {
  return db
    .select()
    .from(alerts)
    .where(filter.state ? eq(alerts.state, filter.state) : undefined)
    // Firing first, then the most recent.
    .orderBy(sql`case when ${alerts.state} = 'firing' then 0 else 1 end`, desc(alerts.lastAt), desc(alerts.id))
    .limit(filter.limit);
}

/** How many incidents are firing now. */
export function countFiringAlerts(db: Db): Promise<number> {
  return db.$count(alerts, eq(alerts.state, 'firing'));
}

export async function getAlert(db: Db, id: number): Promise<AlertRow | undefined> {
  const [row] = await db.select().from(alerts).where(eq(alerts.id, id));
  return row;
}

export async function deliveriesOfAlert(db: Db, alertId: number): Promise<(DeliveryRow & { attemptLog: AttemptRow[] })[]> {
  const rows = await db.select().from(alertDeliveries).where(eq(alertDeliveries.alertId, alertId)).orderBy(asc(alertDeliveries.id));
  return withAttempts(db, rows);
}

export async function listDeliveries(db: Db, filter: { status?: 'pending' | 'delivered' | 'dead'; limit: number }) {
  const rows = await db
    .select()
    .from(alertDeliveries)
    .where(filter.status ? eq(alertDeliveries.status, filter.status) : undefined)
    .orderBy(desc(alertDeliveries.id))
    .limit(filter.limit);
  return withAttempts(db, rows);
}

async function withAttempts(db: Db, rows: DeliveryRow[]) {
  if (rows.length === 0) return [];
  const attempts = await db
    .select()
    .from(alertDeliveryAttempts)
    .where(inArray(alertDeliveryAttempts.deliveryId, rows.map((row) => row.id)))
    .orderBy(asc(alertDeliveryAttempts.id));
  return rows.map((row) => ({ ...row, attemptLog: attempts.filter((attempt) => attempt.deliveryId === row.id) }));
}

/**
 * Deletes deliveries that arrived before `before`, with their attempts. Pending ones are still
 * being tried and dead-lettered ones wait for a replay: both stay.
 */
export async function pruneDeliveredAlerts(db: Db, before: Date): Promise<number> {
  const rows = await db
    .delete(alertDeliveries)
    .where(and(eq(alertDeliveries.status, 'delivered'), lt(alertDeliveries.createdAt, before)))
    .returning({ id: alertDeliveries.id });
  return rows.length;
}
