// Prometheus metrics of this process, served at /metrics.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
