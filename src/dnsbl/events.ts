// The monitor's state changes as rows of the shared event log (the dashboard and alerting read them).
import type { EventWrite } from '../db/events';
import type { DnsblEvent } from './state';

/** Event types in the shared events table; `subject` is the target (or the zone for zone events). */
export const dnsblEventTypes = {
  listed: 'dnsbl.listed',
  delisted: 'dnsbl.delisted',
  refused: 'dnsbl.refused',
  zone_unhealthy: 'dnsbl.zone_unhealthy',
  zone_unknown: 'dnsbl.zone_unknown',
  zone_recovered: 'dnsbl.zone_recovered',
} as const satisfies Record<DnsblEvent['type'], string>;

/** One event row per state change, with what on-call needs to act: codes, meaning, delisting link. */
export function dnsblEventRow(event: DnsblEvent): EventWrite {
  const where = `${event.zoneName} (${event.zone})`;
  const meaning = event.meanings.map((entry) => entry.meaning).join('; ');
  const summary = (() => {
    switch (event.type) {
      case 'listed':
        return `${event.target!.value} listed on ${where}: ${meaning || event.codes.join(', ')}${event.delistUrl ? `; delisting: ${event.delistUrl}` : ''}`;
      case 'delisted':
        return `${event.target!.value} no longer listed on ${where}`;
      case 'refused':
        return `${where} refuses our queries: ${event.explanation ?? 'refused'}`;
      case 'zone_unhealthy':
        return `${where} is unhealthy; its answers are ignored: ${event.explanation ?? ''}`.trimEnd();
      case 'zone_unknown':
        return `${where} cannot be checked: ${event.explanation ?? 'its queries fail'}`;
      case 'zone_recovered':
        return `${where} answers normally again`;
    }
  })();
  return {
    type: dnsblEventTypes[event.type],
    severity: event.severity,
    subject: event.target?.value ?? event.zone,
    summary,
    payload: {
      zoneId: event.zoneId,
      zone: event.zone,
      zoneName: event.zoneName,
      targetKind: event.target?.kind ?? null,
      target: event.target?.value ?? null,
      codes: event.codes,
      meanings: event.meanings,
      txt: event.txt,
      explanation: event.explanation,
      delistUrl: event.delistUrl,
    },
    at: event.at,
  };
}
