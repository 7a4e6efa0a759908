// Prometheus metrics of this process, served at /metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { OperationalState } from './db/operational-state';
import { alertSeverities } from './config/webhooks';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'warden_' });
// Gauges named like counters, which `promtool check metrics` rejects; nodejs_active_handles and
// the others without the suffix report the same counts by type.
for (const name of ['warden_nodejs_active_handles_total', 'warden_nodejs_active_requests_total', 'warden_nodejs_active_resources_total']) {
  metricsRegistry.removeSingleMetric(name);
}

export const jobRunsTotal = new Counter({
  name: 'warden_job_runs_total',
  help: 'Job runs by job and outcome',
  labelNames: ['job', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const jobRunSeconds = new Histogram({
  name: 'warden_job_run_seconds',
  help: 'Job run duration',
  labelNames: ['job'] as const,
  buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60, 300],
  registers: [metricsRegistry],
});

export const httpRequestsTotal = new Counter({
  name: 'warden_http_requests_total',
  help: 'HTTP requests by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [metricsRegistry],
});

/**
 * Postfix policy answers since the last scrape, by action: the policy server adds 1 to a plain
 * field per answer (tens of thousands a second) and the counter takes them in when it is read.
 */
export const policyDecisionTally = { DUNNO: 0, DEFER_IF_PERMIT: 0, REJECT: 0, PREPEND: 0, FILTER: 0 };
const policyActions = Object.keys(policyDecisionTally) as (keyof typeof policyDecisionTally)[];

export const policyDecisionsTotal = new Counter({
  name: 'warden_postfix_policy_decisions_total',
  help: `Postfix policy server answers by action (${policyActions.join(', ')})`,
  labelNames: ['action'] as const,
  registers: [metricsRegistry],
  collect() {
    for (const action of policyActions) {
      if (policyDecisionTally[action] > 0) this.inc({ action }, policyDecisionTally[action]);
      policyDecisionTally[action] = 0;
    }
  },
});

/** The policy server's queue of send events answered and not yet stored, read at each scrape. */
export interface SendEventQueueView {
  readonly backlog: number;
  oldestPendingMs(): number;
  heldSeconds(): number;
}
let sendEventQueue: SendEventQueueView | undefined;
let heldSecondsReported = 0;

/** The queue the metrics below report (the one the running policy server uses). */
export function watchSendEventQueue(queue: SendEventQueueView): void {
  sendEventQueue = queue;
  heldSecondsReported = 0;
}

export const sendEventsPending = new Gauge({
  name: 'warden_send_events_pending',
  help: 'Send events of messages the Postfix policy server accepted and not yet stored',
  registers: [metricsRegistry],
  collect() {
    this.set(sendEventQueue?.backlog ?? 0);
  },
});

export const sendEventsOldestPendingSeconds = new Gauge({
  name: 'warden_send_events_oldest_pending_seconds',
  help: 'Age of the oldest send event not yet stored (past countFlushMs, answers are held)',
  registers: [metricsRegistry],
  collect() {
    this.set((sendEventQueue?.oldestPendingMs() ?? 0) / 1000);
  },
});

export const policyBackpressureSecondsTotal = new Counter({
  name: 'warden_postfix_policy_backpressure_seconds_total',
  help: 'Seconds the Postfix policy server held its answers until the send events already answered were stored',
  registers: [metricsRegistry],
  collect() {
    const held = sendEventQueue?.heldSeconds() ?? 0;
    if (held > heldSecondsReported) this.inc(held - heldSecondsReported);
    heldSecondsReported = held;
  },
});

export const sendEventsStoredTotal = new Counter({
  name: 'warden_send_events_stored_total',
  help: 'Send events of accepted messages the Postfix policy server stored',
  registers: [metricsRegistry],
});

export const sendEventsDroppedTotal = new Counter({
  name: 'warden_send_events_dropped_total',
  help: 'Send events of accepted messages not stored because the database refused a value in them (should stay 0)',
  registers: [metricsRegistry],
});

export const policyConnectionsRefusedTotal = new Counter({
  name: 'warden_postfix_policy_connections_refused_total',
  help: 'Connections to the Postfix policy server closed at accept, by reason: not_allowed (outside allowedClients), client_limit (maxConnectionsPerClient), total_limit (maxConnections)',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
});

export const policyRequestTimeoutsTotal = new Counter({
  name: 'warden_postfix_policy_request_timeouts_total',
  help: 'Postfix policy connections cut because a request did not arrive whole within requestTimeoutSeconds',
  registers: [metricsRegistry],
});

/** The policy snapshot the running process answers the relay from. */
export interface PolicySnapshotView {
  readonly size: { refreshedAt: Date | undefined };
}
let policySnapshot: PolicySnapshotView | undefined;

export function watchPolicySnapshot(snapshot: PolicySnapshotView): void {
  policySnapshot = snapshot;
}

export const policySnapshotAgeSeconds = new Gauge({
  name: 'warden_policy_snapshot_age_seconds',
  help: 'Seconds since the policy snapshot the relay is answered from was last read from the database (0 without a snapshot)',
  registers: [metricsRegistry],
  collect() {
    const refreshedAt = policySnapshot?.size.refreshedAt;
    this.set(refreshedAt ? Math.max(0, Date.now() - refreshedAt.getTime()) / 1000 : 0);
  },
});

/*
 * What on-call pages on, kept in the database: read at scrape time, once per scrape for all the
 * gauges below (prom-client calls their collect() together, so they share the read in flight).
 * The values are the database's, the same from every instance: rules take max over instances.
 */
let readOperationalState: (() => Promise<OperationalState>) | undefined;
let operationalRead: Promise<OperationalState | undefined> | undefined;

export function watchOperationalState(read: () => Promise<OperationalState>): void {
  readOperationalState = read;
}

export const operationalStateReadFailuresTotal = new Counter({
  name: 'warden_operational_state_read_failures_total',
  help: 'Scrapes whose database read failed, leaving the listing, alert, delivery, ingestion and quarantine gauges empty',
  registers: [metricsRegistry],
  // Waits for the scrape's read, so a scrape whose read failed reports that failure.
  async collect() {
    await currentOperationalState();
  },
});

/** Past this, a scrape answers without the database's gauges: Prometheus gives up on a scrape after 10 s by default. */
export const operationalReadTimeoutMs = 2_000;

function currentOperationalState(): Promise<OperationalState | undefined> {
  if (!readOperationalState) return Promise.resolve(undefined);
  if (operationalRead) return operationalRead;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${operationalReadTimeoutMs} ms`)), operationalReadTimeoutMs);
  });
  operationalRead = Promise.race([readOperationalState(), deadline])
    .catch(() => {
      operationalStateReadFailuresTotal.inc();
      return undefined;
    })
    .finally(() => {
      clearTimeout(timer);
      operationalRead = undefined;
    });
  return operationalRead;
}

export const dnsblListings = new Gauge({
  name: 'warden_dnsbl_listings',
  help: 'Relay addresses and domains confirmed listed, by zone and listing severity (no series for a zone that lists nothing)',
  labelNames: ['zone', 'severity'] as const,
  registers: [metricsRegistry],
  async collect() {
    const state = await currentOperationalState();
    this.reset();
    for (const listing of state?.listings ?? []) this.set({ zone: listing.zoneId, severity: listing.severity ?? 'unknown' }, listing.count);
  },
});

export const alertsFiring = new Gauge({
  name: 'warden_alerts_firing',
  help: 'Alerts firing (incidents not resolved), by severity',
  labelNames: ['severity'] as const,
  registers: [metricsRegistry],
  async collect() {
    const state = await currentOperationalState();
    this.reset();
    if (!state) return;
    for (const severity of alertSeverities) this.set({ severity }, state.firingAlerts.find((row) => row.severity === severity)?.count ?? 0);
  },
});

export const alertDeliveriesDead = new Gauge({
  name: 'warden_alert_deliveries_dead',
  help: 'Alert deliveries that gave up after their retries (dead-lettered) and were not replayed, by destination',
  labelNames: ['destination'] as const,
  registers: [metricsRegistry],
  async collect() {
    const state = await currentOperationalState();
    this.reset();
    for (const row of state?.deadDeliveries ?? []) this.set({ destination: row.destination }, row.count);
  },
});

export const ingestLagSeconds = new Gauge({
  name: 'warden_ingest_lag_seconds',
  help: 'Seconds since the latest successful read of a configured mailbox source began: reports delivered since wait at least this long (since the process started for a source never read)',
  labelNames: ['source'] as const,
  registers: [metricsRegistry],
  async collect() {
    const state = await currentOperationalState();
    this.reset();
    const now = Date.now();
    for (const { source, startedAt } of state?.lastSuccessfulRead ?? []) {
      this.set({ source }, startedAt ? Math.max(0, now - startedAt.getTime()) / 1000 : process.uptime());
    }
  },
});

export const quarantineMessages = new Gauge({
  name: 'warden_quarantine_messages',
  help: 'Messages in the quarantine (not turned into facts) and not resolved',
  registers: [metricsRegistry],
  async collect() {
    const state = await currentOperationalState();
    // Without the database's answer the count is unknown, not 0.
    this.set(state ? state.openQuarantine : Number.NaN);
  },
});

/** The suppression list the running process checks recipients against. */
export interface SuppressionListView {
  countsByReason(now: Date): Map<string, number>;
}
let suppressionList: SuppressionListView | undefined;

export function watchSuppressionList(list: SuppressionListView): void {
  suppressionList = list;
}

export const suppressionEntries = new Gauge({
  name: 'warden_suppression_entries',
  help: 'Suppression entries in force in the in-memory list the relay is checked against, by reason',
  labelNames: ['reason'] as const,
  registers: [metricsRegistry],
  collect() {
    this.reset();
    for (const [reason, count] of suppressionList?.countsByReason(new Date()) ?? []) this.set({ reason }, count);
  },
});

export const suppressedRecipientsTotal = new Counter({
  name: 'warden_suppressed_recipients_total',
  help: 'Recipients refused or reported as suppressed, by where they were checked: postfix (the policy server at RCPT TO) or api (POST /api/v1/suppressions/check)',
  labelNames: ['via'] as const,
  registers: [metricsRegistry],
});

export const suppressionsAddedTotal = new Counter({
  name: 'warden_suppressions_added_total',
  help: 'Suppression entries written (new, renewed or widened), by reason and source',
  labelNames: ['reason', 'source'] as const,
  registers: [metricsRegistry],
});

export const oneClickRequestsTotal = new Counter({
  name: 'warden_one_click_unsubscribes_total',
  help: 'One-click unsubscribe POSTs (RFC 8058), by outcome: suppressed, or refused (a token not signed by this key, or no List-Unsubscribe=One-Click body)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});
