// Tables of the relay interfaces: the per-sender hourly message count behind throttle limits.
import { integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Messages accepted per sender per UTC hour, shared by every instance and kept across restarts.
 * Policy servers add to it in batches; rows older than a day are pruned with the send events.
 */
export const relayHourlyCounts = pgTable(
  'relay_hourly_counts',
  {
    sender: text('sender').notNull(),
    hour: timestamp('hour', { withTimezone: true }).notNull(),
    accepted: integer('accepted').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.sender, t.hour] })],
);
