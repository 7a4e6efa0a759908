// Dashboard sessions ended before their expiry (a logout), so that every instance refuses their
// cookie. Kept as rows of the small key-value table reputation_meta under one key prefix: a table
// of their own would need a migration, and a revocation is one small fact with an end date.
import { and, like, sql } from 'drizzle-orm';
import type { Db } from './client';
import { reputationMeta } from './schema';

const keyPrefix = 'dashboard-session-ended:';

/** Records that session `sessionId` has ended; forgets revocations of sessions already expired. */
export async function recordEndedSession(db: Db, sessionId: string, expiresAt: Date, now: Date): Promise<void> {
  await db
    .insert(reputationMeta)
    .values({ key: keyPrefix + sessionId, value: expiresAt.toISOString() })
    .onConflictDoNothing();
  // The value is an ISO 8601 UTC instant: byte order ("C") is time order.
  await db.delete(reputationMeta).where(and(like(reputationMeta.key, `${keyPrefix}%`), sql`${reputationMeta.value} collate "C" < ${now.toISOString()}`));
}

export async function sessionHasEnded(db: Db, sessionId: string): Promise<boolean> {
  const rows = await db
    .select({ key: reputationMeta.key })
    .from(reputationMeta)
    .where(sql`${reputationMeta.key} = ${keyPrefix + sessionId}`);
  return rows.length > 0;
}
