// Which zones a run queries: the catalogue defaults, the user's enable/disable lists, custom zones,
// and the Spamhaus DQS key.
import type { DnsblConfig } from '../config/dnsbl';
import { zoneCatalogue } from './catalogue';
import type { ZoneDefinition } from '../config/dnsbl-zone';
import { WardenError } from '../errors';

export interface ActiveZone {
  definition: ZoneDefinition;
  /** The zone actually queried: for keyed zones `<key>.<zone>`. Never log or store it. */
  queryZone: string;
}

/** The configured zone selection names no usable set: an unknown, dead or keyless zone. */
export class DnsblZoneConfigError extends WardenError {
  constructor(message: string) {
    super('E_DNSBL_ZONE_CONFIG', message, 500);
  }
}

export function selectZones(
  config: Pick<DnsblConfig, 'enable' | 'disable' | 'customZones' | 'dqsKey'>,
  catalogue: readonly ZoneDefinition[] = zoneCatalogue,
): ActiveZone[] {
  const byId = new Map(catalogue.map((zone) => [zone.id, zone]));
  for (const custom of config.customZones) {
    if (byId.has(custom.id)) {
      throw new DnsblZoneConfigError(`custom zone id "${custom.id}" is already a catalogue zone; pick another id`);
    }
    byId.set(custom.id, custom);
  }
  for (const id of [...config.enable, ...config.disable]) {
    if (!byId.has(id)) {
      throw new DnsblZoneConfigError(`unknown zone id "${id}"; known ids: ${[...byId.keys()].join(', ')}`);
    }
  }

  const chosen = new Set<string>();
  for (const zone of byId.values()) if (zone.enabledByDefault) chosen.add(zone.id);
  for (const custom of config.customZones) chosen.add(custom.id);
  for (const id of config.enable) {
    const zone = byId.get(id)!;
    if (zone.status === 'dead') {
      throw new DnsblZoneConfigError(`zone "${id}" (${zone.zone}) is dead: ${zone.deadSince ?? 'shut down'}`);
    }
    if (zone.keyed && !config.dqsKey) {
      throw new DnsblZoneConfigError(`zone "${id}" needs dnsbl.dqsKey`);
    }
    chosen.add(id);
  }
  if (config.dqsKey) {
    // With a key the keyed zones replace the public mirrors they duplicate.
    for (const zone of byId.values()) {
      if (zone.keyed && zone.replaces && chosen.has(zone.replaces)) {
        chosen.delete(zone.replaces);
        chosen.add(zone.id);
      }
    }
  }
  for (const id of config.disable) chosen.delete(id);

  return [...chosen].map((id) => {
    const definition = byId.get(id)!;
    if (definition.keyed && !config.dqsKey) {
      throw new DnsblZoneConfigError(`zone "${id}" is keyed and needs dnsbl.dqsKey`);
    }
    const queryZone = definition.keyed ? `${config.dqsKey}.${definition.zone}` : definition.zone;
    return { definition, queryZone };
  });
}

/**
 * Every zone a stored row may name (catalogue and custom, enabled or not), by id: for labelling
 * stored state without re-validating the selection.
 */
export function knownZoneDefinitions(
  config: Pick<DnsblConfig, 'customZones'>,
  catalogue: readonly ZoneDefinition[] = zoneCatalogue,
): Map<string, ZoneDefinition> {
  return new Map([...catalogue, ...config.customZones].map((zone) => [zone.id, zone]));
}
