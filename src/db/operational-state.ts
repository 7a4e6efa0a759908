// What on-call pages on, read from the database for /metrics at each scrape: a handful of small
// grouped counts, each on an index or a table that stays small (one row per target and zone).
import { and, count, desc, eq } from 'drizzle-orm';
import type { Db } from './client';
import { countOpenQuarantine } from './ingest-queries';
import type { AlertSeverity } from '../config/webhooks';
import { alertDeliveries, alerts, dnsblListings, ingestRuns } from './schema';

export interface OperationalState {
  /** Confirmed listings of the relay's addresses and domains, per zone and listing severity. */
  listings: { zoneId: string; severity: string | null; count: number }[];
  firingAlerts: { severity: AlertSeverity; count: number }[];
  /** Deliveries that gave up (dead-lettered) and were not replayed, per destination (0 for those asked about). */
  deadDeliveries: { destination: string; count: number }[];
  /** Per mailbox source asked about: when its latest successful read began (null: never). */
  lastSuccessfulRead: { source: string; startedAt: Date | null }[];
  openQuarantine: number;
}

export interface OperationalStateScope {
  /** Mailbox sources (`imap:<name>`, `local:<name>`) whose last successful read to report. */
  sources: readonly string[];
  /** Alert destinations reported even with no dead delivery. */
  destinations: readonly string[];
}

export async function readOperationalState(db: Db, { sources, destinations }: OperationalStateScope): Promise<OperationalState> {
  const [listings, firingAlerts, deadDeliveries, lastSuccessfulRead, openQuarantine] = await Promise.all([
    db
      .select({ zoneId: dnsblListings.zoneId, severity: dnsblListings.severity, count: count() })
      .from(dnsblListings)
      .where(eq(dnsblListings.status, 'listed'))
      .groupBy(dnsblListings.zoneId, dnsblListings.severity),
    db.select({ severity: alerts.severity, count: count() }).from(alerts).where(eq(alerts.state, 'firing')).groupBy(alerts.severity),
    db
      .select({ destination: alertDeliveries.destination, count: count() })
      .from(alertDeliveries)
      .where(eq(alertDeliveries.status, 'dead'))
      .groupBy(alertDeliveries.destination),
    // One short backward walk of (source, started_at) per source, not a scan of every run.
    Promise.all(
      sources.map(async (source) => {
        const [run] = await db
          .select({ startedAt: ingestRuns.startedAt })
          .from(ingestRuns)
          .where(and(eq(ingestRuns.source, source), eq(ingestRuns.outcome, 'succeeded')))
          .orderBy(desc(ingestRuns.startedAt))
          .limit(1);
        return { source, startedAt: run?.startedAt ?? null };
      }),
    ),
    countOpenQuarantine(db),
  ]);
  const quiet = destinations.filter((destination) => !deadDeliveries.some((row) => row.destination === destination));
  return {
    listings,
    firingAlerts,
    deadDeliveries: [...deadDeliveries, ...quiet.map((destination) => ({ destination, count: 0 }))],
    lastSuccessfulRead,
    openQuarantine: Number(openQuarantine),
  };
}
