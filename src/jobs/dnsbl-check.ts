// Checks the relay's IPs and domains against the enabled blocklists, advances the listing state
// (a change needs dnsbl.confirmations agreeing runs) and stores checks, state and events.
import { loadDnsblState, pruneDnsblHistory, storeDnsblRun } from '../db/dnsbl-queries';
import { sweepRelayTargets } from '../dnsbl/run';
import { advanceState } from '../dnsbl/state';
import { expandTargets } from '../dnsbl/targets';
import { runSteeringPass } from '../enforcement/ip-steering';
import { blamedDnsblEventRows } from '../enforcement/listing-blame';
import type { JobDefinition, JobSummary } from '../scheduler/job';

export const dnsblCheckJob: JobDefinition = {
  name: 'dnsbl-check',
  description: 'Check the relay IPs and domains against DNS blocklists',
  defaultSchedule: '*/15 * * * *',
  configuredSchedule: (config) => config.dnsbl.schedule,
  async run({ db, config, logger }, now): Promise<JobSummary> {
    const started = performance.now();
    if (!config.dnsbl.enabled) return { skipped: 'dnsbl.enabled is false', targets: 0, checks: 0 };
    if (expandTargets(config.relay).length === 0) {
      return { skipped: 'no relay.ips or relay.domains configured: nothing to check', targets: 0, checks: 0 };
    }
    const run = await sweepRelayTargets(config.dnsbl, config.relay);
    const { state, events } = advanceState({
      previous: await loadDnsblState(db),
      checks: run.checks,
      zoneHealth: run.zoneHealth,
      zones: run.zones.map((zone) => zone.definition),
      confirmations: config.dnsbl.confirmations,
      now,
    });
    const eventRows = await blamedDnsblEventRows(db, events, state, now, config.steering.blameWindowHours);
    const durationMs = Math.round(performance.now() - started);
    const stored = await storeDnsblRun(db, {
      run,
      state,
      events: eventRows,
      startedAt: now,
      finishedAt: new Date(now.getTime() + durationMs),
      durationMs,
      keep: { zoneIds: run.zones.map((zone) => zone.definition.id), targets: run.targets },
    });
    const runsPruned = await pruneDnsblHistory(db, new Date(now.getTime() - config.dnsbl.historyDays * 86_400_000));
    for (const event of events) {
      logger.info({ dnsblRunId: stored.runId, event: event.type, zone: event.zoneId, target: event.target?.value, severity: event.severity }, 'dnsbl state changed');
    }
    // A confirmed listing or delisting moves mail at once, not at the next ip-steering run.
    const steering = await runSteeringPass(db, config.steering, now);
    return {
      dnsblRunId: stored.runId,
      steeringChanges: steering.changes,
      targets: run.targets.length,
      zones: run.zones.length,
      checks: stored.checks,
      listed: stored.listed,
      refused: stored.refused,
      errors: stored.errors,
      unhealthyZones: stored.unhealthyZones,
      events: stored.events,
      queries: run.queryCount,
      runsPruned,
      durationMs,
    };
  },
};
