// Checks the relay's IPs and domains against the enabled blocklists, advances the listing state
// (a change needs dnsbl.confirmations agreeing runs) and stores checks, state and events.
import { loadDnsblState, pruneDnsblHistory, storeDnsblRun } from '../src/db/dnsbl-queries';
import { sweepRelayTargets } from '../src/dnsbl/run';
import { advanceState, listingKey } from '../src/dnsbl/state';
import { expandTargets } from '../src/dnsbl/targets';
import { runSteeringPass } from '../src/enforcement/ip-steering';
import { blameNote, listingBlames } from '../src/enforcement/listing-blame';
import type { JobDefinition, JobSummary } from '../src/scheduler/job';

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
    // A new IP listing names the senders of the IP's mail before it (in its event, so its alert);
    // listings first seen at one moment (a listed /24) are read together.
    const eventNotes = new Map<string, { summary: string; payload: Record<string, unknown> }>();
    const listedByMoment = new Map<number, { key: string; ip: string }[]>();
    for (const event of events) {
      if (event.type !== 'listed' || !event.target || event.target.kind === 'domain') continue;
      const key = listingKey(event.target, event.zoneId);
      const listedAt = state.listings.find((listing) => listingKey(listing.target, listing.zoneId) === key)?.since ?? now;
      listedByMoment.set(listedAt.getTime(), [...(listedByMoment.get(listedAt.getTime()) ?? []), { key, ip: event.target.value }]);
    }
    for (const [moment, listed] of listedByMoment) {
      const ips = [...new Set(listed.map((entry) => entry.ip))];
      const blames = new Map((await listingBlames(db, ips, new Date(moment), config.steering.blameWindowHours)).map((blame) => [blame.ip, blame]));
      for (const entry of listed) eventNotes.set(entry.key, blameNote(blames.get(entry.ip)!));
    }
    const durationMs = Math.round(performance.now() - started);
    const stored = await storeDnsblRun(db, {
      run,
      state,
      events,
      startedAt: now,
      finishedAt: new Date(now.getTime() + durationMs),
      durationMs,
      keep: { zoneIds: run.zones.map((zone) => zone.definition.id), targets: run.targets },
      eventNotes,
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
