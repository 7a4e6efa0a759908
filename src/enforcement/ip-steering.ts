// One steering pass: the relay IPs' listings and draining marks → each IP's state, stored with an
// event, an alert and an audit row per change. Run by the ip-steering job, after every blocklist
// run, and when ops drain or restore an IP.
import type { SteeringConfig } from '../config/steering';
import type { Db } from '../db/client';
import { listingsOfIps, loadSteeringRows, storeSteeringPass, type IpSteeringRow } from '../db/steering-queries';
import { steeringChanges, steeringRecords } from '../steering/changes';
import { ipStatus, usableStates, type IpStatus, type IpSteeringState } from '../steering/ip-status';

export interface SteeringPassSummary {
  ips: number;
  usable: number;
  changes: number;
  events: number;
}

/** What every configured IP's state is now, from the stored listings and marks; nothing is written. */
export async function currentIpStatuses(db: Db, config: SteeringConfig, now: Date): Promise<{ statuses: IpStatus[]; stored: IpSteeringRow[] }> {
  const ips = config.ips.map((entry) => entry.ip);
  const [stored, listings] = await Promise.all([loadSteeringRows(db), listingsOfIps(db, ips)]);
  const storedByIp = new Map(stored.map((row) => [row.ip, row]));
  const statuses = config.ips.map((entry) => {
    const row = storedByIp.get(entry.ip);
    return ipStatus(
      {
        ip: entry.ip,
        transport: entry.transport,
        weight: entry.weight,
        listings: listings.filter((listing) => listing.ip === entry.ip),
        drain: row?.drainSince ? { since: row.drainSince, by: row.drainBy ?? 'ops', reason: row.drainReason ?? '' } : null,
      },
      config,
      now,
    );
  });
  return { statuses, stored };
}

export async function runSteeringPass(db: Db, config: SteeringConfig, now: Date, by: { actor: string; source: 'automatic' | 'manual' } = { actor: 'steering', source: 'automatic' }): Promise<SteeringPassSummary> {
  if (!config.enabled || config.ips.length === 0) return { ips: 0, usable: 0, changes: 0, events: 0 };
  const { statuses, stored } = await currentIpStatuses(db, config, now);
  const configured = new Set(config.ips.map((entry) => entry.ip));
  const storedByIp = new Map(stored.filter((row) => configured.has(row.ip)).map((row) => [row.ip, row]));
  const previous = new Map<string, IpSteeringState>([...storedByIp].map(([ip, row]) => [ip, row.state]));
  const wasExhausted = config.ips.every((entry) => !usableStates.has(previous.get(entry.ip) ?? 'active'));
  const changes = steeringChanges(previous, statuses);
  const records = steeringRecords({ changes, statuses, wasExhausted, now, ...by });
  // Rows are rewritten only on a change (or when missing), so `updated_at` says when it happened.
  const changedIps = new Set(changes.map((change) => change.ip));
  const rows = statuses
    .filter((status) => changedIps.has(status.ip) || storedByIp.get(status.ip)?.weightShare !== status.weightShare)
    .map((status) => ({ ip: status.ip, state: status.state, weightShare: status.weightShare, since: status.since, until: status.until, reason: status.reason, zones: status.zones, updatedAt: now }));
  await storeSteeringPass(db, { rows, events: records.events, audit: records.audit.map((row) => ({ ...row, fromAction: null, toAction: null })) });
  return { ips: statuses.length, usable: statuses.filter((status) => usableStates.has(status.state)).length, changes: changes.length, events: records.events.length };
}
