// Table of listed-IP steering: the state each relay IP was last put in by a steering pass, and the
// draining mark ops set on it. The relay's policy answers are read from here.
import { doublePrecision, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Mirrors IpSteeringState of src/steering/ip-status.ts. */
export type StoredSteeringState = 'active' | 'warming' | 'quiet' | 'listed' | 'draining';

export const ipSteering = pgTable('ip_steering', {
  ip: text('ip').primaryKey(),
  state: text('state').$type<StoredSteeringState>().notNull().default('active'),
  /** Fraction of the configured weight in use (1 active, the warm-back share warming, 0 otherwise). */
  weightShare: doublePrecision('weight_share').notNull().default(1),
  since: timestamp('since', { withTimezone: true }),
  until: timestamp('until', { withTimezone: true }),
  reason: text('reason').notNull().default('in use'),
  zones: jsonb('zones').$type<string[]>().notNull().default([]),
  /** Set by ops: the IP takes no new mail until cleared. */
  drainSince: timestamp('drain_since', { withTimezone: true }),
  drainBy: text('drain_by'),
  drainReason: text('drain_reason'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});
