// Tables of recipient suppression. No plain address is stored: a recipient is the HMAC-SHA256 of
// its normalised address under suppression.key (hex), so only a holder of the key can look one up.
import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, jsonb, pgSequence, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import type { SuppressionReason, SuppressionScope, SuppressionSource } from '../../config/suppression';

/** Bumped on every change of an entry; relay snapshots read the changes since the version they hold. */
export const suppressionVersion = pgSequence('suppression_version');

/**
 * One row per (recipient, scope). A removed entry keeps its row (removed_at set, a new version) so
 * the snapshots in every instance drop it; a forgotten one also loses its recipient hash.
 */
export const suppressionEntries = pgTable(
  'suppression_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    /** Hex HMAC-SHA256 of the normalised address; null once the address was forgotten. */
    recipientHash: text('recipient_hash'),
    scope: text('scope').$type<SuppressionScope>().notNull(),
    /** The sender id or sender domain of a sender or domain scope; '' for the whole relay. */
    scopeId: text('scope_id').notNull().default(''),
    reason: text('reason').$type<SuppressionReason>().notNull(),
    source: text('source').$type<SuppressionSource>().notNull(),
    /** Who or what: the mailbox source (imap:fbl/INBOX), the API token or dashboard user. */
    origin: text('origin').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    /** Null: until removed. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    removedAt: timestamp('removed_at', { withTimezone: true }),
    version: bigint('version', { mode: 'number' }).notNull().default(sql`nextval('suppression_version')`),
  },
  (t) => [
    uniqueIndex('suppression_entries_recipient_scope_uq').on(t.recipientHash, t.scope, t.scopeId),
    index('suppression_entries_version_idx').on(t.version),
  ],
);

/**
 * Every stored complaint or bounce fact that named a recipient, by its fact's dedup key, while
 * suppression is on: a fact is acted on once (a report read again suppresses nothing anew), a full
 * mailbox's bounces are counted over days, and the stored facts and raw reports naming a recipient
 * are found to replace the address in them when it is suppressed or forgotten.
 */
export const suppressionSightings = pgTable(
  'suppression_sightings',
  {
    dedupKey: text('dedup_key').primaryKey(),
    recipientHash: text('recipient_hash').notNull(),
    /** The ingested message (ingested_messages.content_hash) the fact was read from. */
    contentHash: text('content_hash'),
    kind: text('kind').notNull(),
    reason: text('reason'),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('suppression_sightings_recipient_idx').on(t.recipientHash, t.occurredAt)],
);

export type SuppressionAuditAction = 'add' | 'remove' | 'forget' | 'import';

/** Every manual change and every automatic addition, with who and why. */
export const suppressionAudit = pgTable(
  'suppression_audit',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    actor: text('actor').notNull(),
    action: text('action').$type<SuppressionAuditAction>().notNull(),
    entryId: bigint('entry_id', { mode: 'number' }),
    /** Null for a forget (the hash itself is a trace of the address) and an import (see details). */
    recipientHash: text('recipient_hash'),
    note: text('note').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>(),
  },
  (t) => [index('suppression_audit_recipient_idx').on(t.recipientHash, t.at), index('suppression_audit_at_idx').on(t.at)],
);
