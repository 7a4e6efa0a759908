// Tables of alerting: the outbox written with every event, alerts (one row per incident),
// deliveries (one per alert notice per destination, in outbox order) and every delivery attempt.
import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { AlertSeverity } from '../../config/webhooks';
import { events } from './reputation';

/**
 * One row per event, inserted in the event's own transaction; the delivery job routes it and
 * stamps routed_at. A cursor over events.id would skip events whose transaction commits late.
 */
export const alertOutbox = pgTable(
  'alert_outbox',
  {
    eventId: bigint('event_id', { mode: 'number' })
      .primaryKey()
      .references(() => events.id, { onDelete: 'cascade' }),
    routedAt: timestamp('routed_at', { withTimezone: true }),
  },
  (t) => [index('alert_outbox_pending_idx').on(t.eventId).where(sql`${t.routedAt} is null`)],
);

export type AlertState = 'firing' | 'resolved';

/** An incident: the events of one dedup key from its first firing event until it resolves. */
export const alerts = pgTable(
  'alerts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    dedupKey: text('dedup_key').notNull(),
    /** What kind of incident (listed, suspended, zone_unhealthy, ... or notice). */
    kind: text('kind').notNull(),
    state: text('state').$type<AlertState>().notNull(),
    severity: text('severity').$type<AlertSeverity>().notNull(),
    title: text('title').notNull(),
    /** Grouping labels (zone, network, subject) shown in every format. */
    labels: jsonb('labels').$type<Record<string, string>>().notNull(),
    /** Every subject the incident covered, and those still firing. */
    subjects: jsonb('subjects').$type<string[]>().notNull(),
    openSubjects: jsonb('open_subjects').$type<string[]>().notNull(),
    /** The latest events (a bounded sample), for the message bodies. */
    recentEvents: jsonb('recent_events').$type<AlertEventSample[]>().notNull(),
    eventCount: integer('event_count').notNull(),
    destinations: jsonb('destinations').$type<string[]>().notNull(),
    firstAt: timestamp('first_at', { withTimezone: true }).notNull(),
    lastAt: timestamp('last_at', { withTimezone: true }).notNull(),
    /** End of the quiet period: the trigger goes out then, with whatever the group gathered. */
    notifyAfter: timestamp('notify_after', { withTimezone: true }).notNull(),
    notifiedAt: timestamp('notified_at', { withTimezone: true }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('alerts_firing_dedup_uq').on(t.dedupKey).where(sql`${t.state} = 'firing'`),
    index('alerts_due_idx').on(t.notifyAfter).where(sql`${t.notifiedAt} is null and ${t.state} = 'firing'`),
    index('alerts_last_at_idx').on(t.lastAt),
  ],
);

export interface AlertEventSample {
  id: number;
  type: string;
  severity: string;
  subject: string;
  summary: string;
  at: string;
  payload: Record<string, unknown> | null;
}

/** A trigger or a resolve of an incident, a notice of a one-off event, or a test sent by hand. */
export type AlertMessageKind = 'trigger' | 'resolve' | 'notice' | 'test';

/**
 * One notice about one alert, as queued for a destination and rendered by every format. Frozen
 * when queued, so every retry sends the same bytes; times are ISO text, as the JSON column and the
 * formats carry them.
 */
export interface AlertMessage {
  kind: AlertMessageKind;
  /** When the message was composed (not when an attempt is made). */
  createdAt: string;
  alert: {
    id: number;
    dedupKey: string;
    kind: string;
    state: AlertState;
    severity: AlertSeverity;
    title: string;
    labels: Record<string, string>;
    subjects: string[];
    openSubjects: string[];
    eventCount: number;
    firstAt: string;
    lastAt: string;
    resolvedAt: string | null;
    recentEvents: AlertEventSample[];
  };
}

export type DeliveryStatus = 'pending' | 'delivered' | 'dead';

/**
 * One message to one destination. The message (alert snapshot) is frozen at enqueue time and
 * rendered per attempt by a pure function, so every retry sends the same bytes under the same id,
 * and destination secrets (URL, PagerDuty routing key) stay in the config, never in the database.
 */
export const alertDeliveries = pgTable(
  'alert_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    alertId: bigint('alert_id', { mode: 'number' }).references(() => alerts.id, { onDelete: 'cascade' }),
    destination: text('destination').notNull(),
    kind: text('kind').$type<AlertMessageKind>().notNull(),
    /** webhook-id and Idempotency-Key: the same on every attempt. */
    messageId: text('message_id').notNull().unique(),
    message: jsonb('message').$type<AlertMessage>().notNull(),
    status: text('status').$type<DeliveryStatus>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    /** After this, a failed attempt moves the delivery to dead-letter; a replay sets it anew. */
    giveUpAt: timestamp('give_up_at', { withTimezone: true }).notNull(),
    /** A worker holds the delivery until then; a crashed worker's claim lapses. */
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    lastError: text('last_error'),
  },
  (t) => [
    index('alert_deliveries_pending_idx').on(t.destination, t.id).where(sql`${t.status} = 'pending'`),
    index('alert_deliveries_alert_idx').on(t.alertId, t.id),
    index('alert_deliveries_status_idx').on(t.status, t.id),
  ],
);

/** Every HTTP attempt of a delivery: status, latency and the start of the response body. */
export const alertDeliveryAttempts = pgTable(
  'alert_delivery_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: bigint('delivery_id', { mode: 'number' })
      .notNull()
      .references(() => alertDeliveries.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull(),
    /** HTTP status, or null when no response came (refused, timeout). */
    httpStatus: integer('http_status'),
    latencyMs: integer('latency_ms').notNull(),
    outcome: text('outcome').$type<'delivered' | 'failed'>().notNull(),
    error: text('error'),
    responseSnippet: text('response_snippet'),
  },
  (t) => [index('alert_delivery_attempts_delivery_idx').on(t.deliveryId, t.id)],
);
