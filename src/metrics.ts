// Prometheus metrics of this process, served at /metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'warden_' });

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
export const policyDecisionTally = { DUNNO: 0, DEFER_IF_PERMIT: 0, REJECT: 0 };

export const policyDecisionsTotal = new Counter({
  name: 'warden_postfix_policy_decisions_total',
  help: 'Postfix policy server answers by action (DUNNO, DEFER_IF_PERMIT, REJECT)',
  labelNames: ['action'] as const,
  registers: [metricsRegistry],
  collect() {
    for (const action of ['DUNNO', 'DEFER_IF_PERMIT', 'REJECT'] as const) {
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
