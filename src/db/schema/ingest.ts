// Tables of mailbox ingestion: per-folder checkpoints, every message taken in (once), the
// quarantine of messages that could not be analyzed, and the history of ingestion runs.
import { bigint, bigserial, boolean, customType, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** Raw bytes; postgres.js hands back a Buffer, PGlite a Uint8Array. */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
  toDriver: (value) => value,
});

/** How far a (source, folder) has been read: the UIDVALIDITY seen and the highest UID stored. */
export const ingestCheckpoints = pgTable(
  'ingest_checkpoints',
  {
    /** `imap:<account>` or `local:<name>`. */
    source: text('source').notNull(),
    folder: text('folder').notNull(),
    uidValidity: bigint('uid_validity', { mode: 'bigint' }).notNull(),
    lastUid: bigint('last_uid', { mode: 'number' }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.source, t.folder] })],
);

export type IngestOutcome = 'stored' | 'quarantined';

/**
 * One row per message ever taken in. `message_key` (source, folder, UIDVALIDITY, UID) recognises a
 * message seen again at the same place; `content_hash` one seen after a UIDVALIDITY change or copied
 * to another folder. Inserting the row is what claims the message: its facts go in the same transaction.
 */
export const ingestedMessages = pgTable(
  'ingested_messages',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    messageKey: text('message_key').notNull().unique(),
    contentHash: text('content_hash').notNull().unique(),
    source: text('source').notNull(),
    folder: text('folder').notNull(),
    uidValidity: bigint('uid_validity', { mode: 'bigint' }),
    uid: bigint('uid', { mode: 'number' }),
    size: integer('size').notNull(),
    outcome: text('outcome').$type<IngestOutcome>().notNull(),
    facts: integer('facts').notNull(),
    /** gzip of the raw message (of its headers when oversized); null once past mailboxes.rawRetentionDays. */
    rawGzip: bytea('raw_gzip'),
    /** True when only the headers were kept (the message was over maxMessageBytes). */
    headersOnly: boolean('headers_only').notNull().default(false),
    ingestedAt: timestamp('ingested_at', { withTimezone: true }).notNull(),
  },
  (t) => [index('ingested_messages_at_idx').on(t.ingestedAt), index('ingested_messages_source_idx').on(t.source, t.folder, t.uid)],
);

export type QuarantineStatus = 'open' | 'resolved';

/** Messages that could not be turned into facts, with the reason; their raw bytes are in ingested_messages. */
export const quarantine = pgTable(
  'quarantine',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    messageId: bigint('message_id', { mode: 'number' })
      .notNull()
      .unique()
      .references(() => ingestedMessages.id, { onDelete: 'cascade' }),
    /** E_ANALYSIS_*, E_INGEST_OVERSIZED, E_INGEST_TRUNCATED, E_INGEST_NO_FACTS. */
    reasonCode: text('reason_code').notNull(),
    reason: text('reason').notNull(),
    status: text('status').$type<QuarantineStatus>().notNull().default('open'),
    retries: integer('retries').notNull().default(0),
    quarantinedAt: timestamp('quarantined_at', { withTimezone: true }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [index('quarantine_status_idx').on(t.status, t.id)],
);

/** One row per ingestion pass over one source (IMAP account or local store). */
export const ingestRuns = pgTable(
  'ingest_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    source: text('source').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    outcome: text('outcome').$type<'succeeded' | 'failed'>().notNull(),
    fetched: integer('fetched').notNull(),
    stored: integer('stored').notNull(),
    duplicates: integer('duplicates').notNull(),
    quarantined: integer('quarantined').notNull(),
    errors: integer('errors').notNull(),
    /** Machine-readable code and text of the failure (E_IMAP_AUTH, E_IMAP_TLS, E_IMAP_CONNECTION, ...). */
    errorCode: text('error_code'),
    error: text('error'),
    details: jsonb('details').$type<Record<string, unknown>>(),
  },
  (t) => [index('ingest_runs_source_idx').on(t.source, t.startedAt)],
);
