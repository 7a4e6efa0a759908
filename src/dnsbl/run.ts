// The entry point for the job and `warden check`: config + relay targets -> one sweep.
import type { DnsblConfig } from '../config/dnsbl';
import { createDnsblResolver, type DnsblLookupClient } from './resolver';
import type { CheckResult, DnsblTarget } from '../db/schema/dnsbl';
import { runSweep, type SweepResult } from './sweep';
import { expandTargets, parseTarget, type RelayTargetsInput } from './targets';
import { selectZones, type ActiveZone } from './zones';

export interface DnsblRunDeps {
  /** Defaults to a dns2 resolver built from `config.resolver`. */
  client?: DnsblLookupClient;
  /** For a null `config.resolver.nameserver`; defaults to reading /etc/resolv.conf. */
  readResolvConf?: () => string;
  onCheck?: (check: CheckResult) => void;
}

export interface DnsblRun extends SweepResult {
  zones: ActiveZone[];
  targets: DnsblTarget[];
}

/** Throws DnsblTargetError (bad or oversized range) or DnsblZoneConfigError before any query. */
export async function sweepRelayTargets(config: DnsblConfig, relay: RelayTargetsInput, deps: DnsblRunDeps = {}): Promise<DnsblRun> {
  const zones = selectZones(config);
  const targets = expandTargets(relay);
  const client = deps.client ?? createDnsblResolver(config.resolver, { readResolvConf: deps.readResolvConf });
  const result = await runSweep({ zones, targets, client, onCheck: deps.onCheck });
  return { ...result, zones, targets };
}

/** One address or domain (`warden check 192.0.2.1`), against every zone that takes its kind. */
export function checkOneTarget(config: DnsblConfig, targetText: string, deps: DnsblRunDeps = {}): Promise<DnsblRun> {
  const target = parseTarget(targetText);
  const zones = selectZones(config);
  const client = deps.client ?? createDnsblResolver(config.resolver, { readResolvConf: deps.readResolvConf });
  return runSweep({ zones, targets: [target], client, onCheck: deps.onCheck }).then((result) => ({ ...result, zones, targets: [target] }));
}
