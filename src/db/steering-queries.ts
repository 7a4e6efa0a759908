// Queries of listed-IP steering: the stored state of each relay IP, the listings it is decided
// from, one pass's state, events and audit rows written together, and ops' draining marks.
import { and, inArray, sql } from 'drizzle-orm';
import { queryRows, type Db } from './client';
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

/**
 * Per IP and sender, in [from, to): messages on the IP, complaints (those counted toward the
 * complaint rate) and bounces of the given reasons, on mail from that IP or naming no IP, and the
 * campaign the sender was caught in. One statement for many IPs: a listed /24 is one scan.
 */
export async function senderCountsOnIps(db: Db, ips: readonly string[], from: Date, to: Date, bounceReasons: readonly string[]) {
  if (ips.length === 0) return [];
  const ipList = JSON.stringify(ips);
  const rows = await queryRows<{ ip: string; sender: string; sent: number; complaints: number; ip_blaming_bounces: number; campaign_id: number | string | null; campaign_rule: string | null; campaign_status: string | null }>(db, sql`
    with sent as (
      select ip, sender, count(*)::int as sent
      from send_events
      where ip in (select jsonb_array_elements_text(${ipList}::jsonb))
        and at >= ${from.toISOString()}::timestamptz and at < ${to.toISOString()}::timestamptz
      group by ip, sender
    ), facts as (
      select s.ip, f.sender,
        count(*) filter (where f.kind = 'complaint' and f.counted = 'complaints')::int as complaints,
        count(*) filter (where f.kind = 'bounce' and f.reason in (select jsonb_array_elements_text(${JSON.stringify(bounceReasons)}::jsonb)))::int as ip_blaming_bounces
      from mail_facts f join sent s on s.sender = f.sender and (f.ip = s.ip or f.ip is null)
      where f.occurred_at >= ${from.toISOString()}::timestamptz and f.occurred_at < ${to.toISOString()}::timestamptz
      group by s.ip, f.sender
    )
    select s.ip, s.sender, s.sent, coalesce(f.complaints, 0) as complaints, coalesce(f.ip_blaming_bounces, 0) as ip_blaming_bounces,
      c.id as campaign_id, c.rule as campaign_rule, c.status as campaign_status
    from sent s
    left join facts f on f.ip = s.ip and f.sender = s.sender
    left join reputation_subjects r on r.kind = 'sender' and r.id = s.sender
    left join campaigns c on c.id = r.campaign_id
  `);
  return rows.map((row) => ({
    ip: row.ip,
    sender: row.sender,
    sent: Number(row.sent),
    complaints: Number(row.complaints),
    ipBlamingBounces: Number(row.ip_blaming_bounces),
    campaign: row.campaign_id === null ? null : { id: Number(row.campaign_id), rule: row.campaign_rule ?? '', status: row.campaign_status ?? '' },
  }));
}
