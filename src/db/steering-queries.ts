// Queries of listed-IP steering: the stored state of each relay IP, the listings it is decided
// from, one pass's state, events and audit rows written together, and ops' draining marks.
import { and, inArray, sql } from 'drizzle-orm';
import type { Db } from './client';
import { insertEvents, type EventWrite, type Tx } from './events';
import { dnsblListings, ipSteering, policyAudit } from './schema';

export type IpSteeringRow = typeof ipSteering.$inferSelect;
export type IpSteeringWrite = Omit<typeof ipSteering.$inferInsert, 'drainSince' | 'drainBy' | 'drainReason'>;
export type SteeringAuditWrite = typeof policyAudit.$inferInsert;

/** NOTIFY channel: a steering state or draining mark changed; policy servers reload. */
export const steeringChannel = 'ip_steering';

export function loadSteeringRows(db: Db | Tx): Promise<IpSteeringRow[]> {
  return db.select().from(ipSteering);
}

/** The blocklist monitor's confirmed state of the given IPs, every zone. */
export function listingsOfIps(db: Db | Tx, ips: readonly string[]) {
  if (ips.length === 0) return Promise.resolve([]);
  return db
    .select({ ip: dnsblListings.target, zoneId: dnsblListings.zoneId, status: dnsblListings.status, severity: dnsblListings.severity, since: dnsblListings.since, lastListedAt: dnsblListings.lastListedAt })
    .from(dnsblListings)
    .where(and(inArray(dnsblListings.targetKind, ['ipv4', 'ipv6']), inArray(dnsblListings.target, [...ips])));
}

export interface StoreSteeringInput {
  rows: IpSteeringWrite[];
  events: EventWrite[];
  audit: SteeringAuditWrite[];
}

/** Writes the states, their events (with alert outbox rows) and audit rows at once, then notifies. */
export async function storeSteeringPass(db: Db | Tx, input: StoreSteeringInput): Promise<void> {
  const write = async (tx: Db | Tx) => {
    if (input.rows.length > 0) {
      await tx
        .insert(ipSteering)
        .values(input.rows)
        .onConflictDoUpdate({
          target: ipSteering.ip,
          set: {
            state: sql`excluded.state`,
            weightShare: sql`excluded.weight_share`,
            since: sql`excluded.since`,
            until: sql`excluded.until`,
            reason: sql`excluded.reason`,
            zones: sql`excluded.zones`,
            updatedAt: sql`excluded.updated_at`,
          },
        });
    }
    await insertEvents(tx, input.events);
    if (input.audit.length > 0) await tx.insert(policyAudit).values(input.audit);
    if (input.events.length > 0 || input.audit.length > 0) await tx.execute(sql`select pg_notify(${steeringChannel}, '')`);
  };
  if ('rollback' in db) await write(db);
  else await (db as Db).transaction(write);
}

/** Sets (or, with null, clears) an IP's draining mark; the caller runs a steering pass after it. */
export async function setDrainMark(db: Db, ip: string, mark: { since: Date; by: string; reason: string } | null, now: Date): Promise<void> {
  const values = { drainSince: mark?.since ?? null, drainBy: mark?.by ?? null, drainReason: mark?.reason ?? null };
  await db
    .insert(ipSteering)
    .values({ ip, updatedAt: now, ...values })
    .onConflictDoUpdate({ target: ipSteering.ip, set: { ...values, updatedAt: now } });
}
