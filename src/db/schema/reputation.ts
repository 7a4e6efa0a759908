// Tables of the reputation engine: the relay's send log, hourly and daily rollups, stored
// complaint and bounce facts, per-sender and per-domain state, the audit log and events.
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { TierName } from '../../config/tiers';

/** One row per (message, recipient) the relay reports having sent. */
export const sendEvents = pgTable(
  'send_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    messageId: text('message_id').notNull(),
    /** The recipient as the relay gave it (an address or an opaque hash), or "@domain". */
    recipientKey: text('recipient_key').notNull(),
    sender: text('sender').notNull(),
    senderDomain: text('sender_domain').notNull(),
    recipientDomain: text('recipient_domain').notNull(),
    ip: text('ip').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    outcome: text('outcome').$type<'delivered' | 'deferred' | 'bounced'>(),
    clientAddress: text('client_address'),
    saslUsername: text('sasl_username'),
    /** The relay's content fingerprint of the message (a template hash), when it reports one. */
    fingerprint: text('fingerprint'),
  },
  // No (ip, at) index: a listing's blame (senderCountsOnIps) reads its window through (at) in about
  // a millisecond, and the planner leaves an (ip, at) index unused for it, while the index slows the
  // relay's COPY of the log by about 40% (bench/blame-index.ts).
  (t) => [uniqueIndex('send_events_message_recipient_uq').on(t.messageId, t.recipientKey), index('send_events_at_idx').on(t.at)],
);

/**
 * `fingerprint`: the relay's content fingerprint, counted so a template's complaints have a volume.
 * `relay`: the whole relay under the one key `relayKey`, counting every send event and every counted
 * fact, whether or not it carries an IP (most bounces name none).
 */
export type RollupDimension = 'sender' | 'sender_domain' | 'recipient_domain' | 'ip' | 'fingerprint' | 'relay';

/** The only key of the `relay` dimension. */
export const relayKey = 'all';

const rollupCounters = {
  sent: integer('sent').notNull().default(0),
  delivered: integer('delivered').notNull().default(0),
  complaints: integer('complaints').notNull().default(0),
  hardBounces: integer('hard_bounces').notNull().default(0),
  softBounces: integer('soft_bounces').notNull().default(0),
  blocked: integer('blocked').notNull().default(0),
};

/** The counters of a rollup row, and of any window summed from rows (see src/reputation/counts.ts). */
export type RollupCounts = { [counter in keyof typeof rollupCounters]: number };
export const rollupCounterNames = Object.keys(rollupCounters) as (keyof RollupCounts)[];
export const zeroRollupCounts = (): RollupCounts => ({ sent: 0, delivered: 0, complaints: 0, hardBounces: 0, softBounces: 0, blocked: 0 });

/** Counts per hour per sender, sender domain, recipient domain and relay IP. */
export const hourlyRollups = pgTable(
  'hourly_rollups',
  {
    dimension: text('dimension').$type<RollupDimension>().notNull(),
    key: text('key').notNull(),
    hour: timestamp('hour', { withTimezone: true }).notNull(),
    ...rollupCounters,
  },
  (t) => [primaryKey({ columns: [t.dimension, t.key, t.hour] }), index('hourly_rollups_hour_idx').on(t.dimension, t.hour)],
);

/** The same counts per UTC day: 7- and 30-day windows read at most 30 rows per key. */
export const dailyRollups = pgTable(
  'daily_rollups',
  {
    dimension: text('dimension').$type<RollupDimension>().notNull(),
    key: text('key').notNull(),
    day: timestamp('day', { withTimezone: true }).notNull(),
    ...rollupCounters,
  },
  (t) => [primaryKey({ columns: [t.dimension, t.key, t.day] }), index('daily_rollups_day_idx').on(t.dimension, t.day)],
);

/** A complaint or bounce fact, stored once (dedup_key), attributed to a sender when possible. */
export const mailFacts = pgTable(
  'mail_facts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    dedupKey: text('dedup_key').notNull().unique(),
    kind: text('kind').$type<'complaint' | 'bounce' | 'delay' | 'autoreply' | 'delivered'>().notNull(),
    reason: text('reason'),
    hardBounce: boolean('hard_bounce').notNull().default(false),
    feedbackType: text('feedback_type'),
    /** Which counter the fact went to: complaints, hardBounces, softBounces, blocked, or none. */
    counted: text('counted').notNull(),
    recipient: text('recipient'),
    recipientDomain: text('recipient_domain'),
    sender: text('sender'),
    senderDomain: text('sender_domain'),
    ip: text('ip'),
    originalMessageId: text('original_message_id'),
    status: text('status'),
    diagnosticCode: text('diagnostic_code'),
    subject: text('subject'),
    source: text('source').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
    storedAt: timestamp('stored_at', { withTimezone: true }).notNull().defaultNow(),
    details: jsonb('details').$type<Record<string, unknown>>(),
  },
  (t) => [
    index('mail_facts_sender_idx').on(t.sender, t.occurredAt),
    index('mail_facts_domain_idx').on(t.senderDomain, t.occurredAt),
    index('mail_facts_kind_idx').on(t.kind, t.occurredAt),
  ],
);

/** Bumped on every change of a policy the relay reads; relays ask for changes since a version. */
export const policyVersion = pgSequence('policy_version');

export type SubjectKind = 'sender' | 'domain';
export type StoredAction = 'allow' | 'warn' | 'throttle' | 'suspend';

/** Per sender or sender domain: automatic state, manual override, and the latest figures. */
export const reputationSubjects = pgTable(
  'reputation_subjects',
  {
    kind: text('kind').$type<SubjectKind>().notNull(),
    id: text('id').notNull(),
    autoAction: text('auto_action').$type<StoredAction>().notNull().default('allow'),
    autoSince: timestamp('auto_since', { withTimezone: true }),
    autoReason: text('auto_reason'),
    clearSince: timestamp('clear_since', { withTimezone: true }),
    overrideAction: text('override_action').$type<StoredAction>(),
    overrideReason: text('override_reason'),
    overrideLimitPerHour: integer('override_limit_per_hour'),
    overrideUntil: timestamp('override_until', { withTimezone: true }),
    overrideBy: text('override_by'),
    sent24h: integer('sent_24h').notNull().default(0),
    complaints24h: integer('complaints_24h').notNull().default(0),
    hardBounces24h: integer('hard_bounces_24h').notNull().default(0),
    sent7d: integer('sent_7d').notNull().default(0),
    complaints7d: integer('complaints_7d').notNull().default(0),
    hardBounces7d: integer('hard_bounces_7d').notNull().default(0),
    sent30d: integer('sent_30d').notNull().default(0),
    complaints30d: integer('complaints_30d').notNull().default(0),
    hardBounces30d: integer('hard_bounces_30d').notNull().default(0),
    complaintRate7d: doublePrecision('complaint_rate_7d').notNull().default(0),
    hardBounceRate7d: doublePrecision('hard_bounce_rate_7d').notNull().default(0),
    evaluatedAt: timestamp('evaluated_at', { withTimezone: true }),
    version: bigint('version', { mode: 'number' }).notNull().default(0),
    /** Earned tier (senders): new, established or trusted; `pinned_tier` (ops) wins over it. */
    tier: text('tier').$type<TierName>().notNull().default('new'),
    tierSince: timestamp('tier_since', { withTimezone: true }),
    tierReason: text('tier_reason'),
    pinnedTier: text('pinned_tier').$type<TierName>(),
    /** Start of the first UTC day with traffic: the age promotions need. */
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }),
    /** The campaign the sender was caught in, and what it gets for it (until dismissed). */
    campaignId: bigint('campaign_id', { mode: 'number' }),
    campaignAction: text('campaign_action').$type<StoredAction>(),
    campaignReason: text('campaign_reason'),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.id] }),
    // No indexes on the figures the dashboard sorts by: an evaluation pass rewrites them for every
    // subject whose counts moved, and three more btrees tripled its write time; sorting 100,000
    // rows for a page is a few tens of milliseconds without them.
    index('subjects_version_idx').on(t.version),
  ],
);

/** Every decision, automatic or manual, with the figures that caused it. */
export const policyAudit = pgTable(
  'policy_audit',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** `ip`: a relay IP's steering state changed (src/steering). */
    kind: text('kind').$type<SubjectKind | 'ip'>().notNull(),
    subject: text('subject').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    actor: text('actor').notNull(),
    source: text('source').$type<'automatic' | 'manual'>().notNull(),
    fromAction: text('from_action').$type<StoredAction>(),
    toAction: text('to_action').$type<StoredAction>(),
    reason: text('reason').notNull(),
    figures: jsonb('figures').$type<Record<string, unknown>>(),
  },
  (t) => [index('policy_audit_subject_idx').on(t.kind, t.subject, t.at)],
);

/** Things that happened, for alerts and the dashboard (listed, suspended, released, ...). */
export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    type: text('type').notNull(),
    severity: text('severity').$type<'info' | 'warning' | 'error' | 'critical'>().notNull(),
    subject: text('subject').notNull(),
    summary: text('summary').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>(),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [index('events_at_idx').on(t.at), index('events_type_idx').on(t.type, t.at)],
);

/** Small facts about the stored state, e.g. the fingerprint of the rules the state was decided by. */
export const reputationMeta = pgTable('reputation_meta', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Senders and sender domains whose rollups changed since the last evaluation pass: the pass reads
 * and clears them, so its cost follows what changed, not how much was ever sent.
 */
/** Stamps each change mark, so a pass clears only the marks it read (see db/evaluation-inputs.ts). */
export const rollupChangeSeq = pgSequence('rollup_change_seq');

export const rollupChanges = pgTable(
  'rollup_changes',
  {
    dimension: text('dimension').$type<RollupDimension>().notNull(),
    key: text('key').notNull(),
    /** Taken anew on every change of the key: a mark re-stamped after a pass read it survives that pass. */
    seq: bigint('seq', { mode: 'number' }).notNull().default(sql`nextval('rollup_change_seq')`),
  },
  (t) => [primaryKey({ columns: [t.dimension, t.key] })],
);
