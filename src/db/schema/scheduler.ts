// Tables of the scheduler: job leases (who runs a job now), claimed fires, and run history.
import { bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/** One row per job while an instance holds it; a lease past expires_at is free to take. */
export const jobLeases = pgTable('job_leases', {
  job: text('job').primaryKey(),
  holder: text('holder').notNull(),
  acquiredAt: timestamp('acquired_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

/** One row per scheduled fire (job, slot) that some instance claimed: a slot runs at most once. */
export const jobFires = pgTable(
  'job_fires',
  {
    job: text('job').notNull(),
    slot: timestamp('slot', { withTimezone: true }).notNull(),
    holder: text('holder').notNull(),
    claimedAt: timestamp('claimed_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.job, table.slot] })],
);

export type JobOutcome = 'running' | 'succeeded' | 'failed' | 'abandoned';

/** Every run of a job, scheduled or by hand, with its summary or error. */
export const jobRuns = pgTable(
  'job_runs',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    job: text('job').notNull(),
    /** The scheduled fire this run belongs to; null for a run started by hand. */
    slot: timestamp('slot', { withTimezone: true }),
    trigger: text('trigger').$type<'schedule' | 'manual'>().notNull(),
    instance: text('instance').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    durationMs: integer('duration_ms'),
    outcome: text('outcome').$type<JobOutcome>().notNull(),
    summary: jsonb('summary').$type<Record<string, unknown>>(),
    error: text('error'),
  },
  (table) => [index('job_runs_job_started_idx').on(table.job, table.startedAt)],
);
