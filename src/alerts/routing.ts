// Pure: an event becomes alert signals — which incident (dedup key) it fires or resolves, with
// what severity, and which destinations hear about it. Decided by the type's last segment (the
// verb), the subject and the payload, so new event types from other areas route without a change.
import type { AlertSeverity, WebhookDestination, WebhooksConfig } from '../config/webhooks';
import { alertSeverities } from '../config/webhooks';
import { networkOf } from './network';

export interface RoutableEvent {
  id: number;
  type: string;
  severity: AlertSeverity;
  subject: string;
  summary: string;
  payload: Record<string, unknown> | null;
  at: Date;
}

export interface AlertSignal {
  event: RoutableEvent;
  /** Same incident, same key: PagerDuty's dedup_key, the alert row's identity while it fires. */
  dedupKey: string;
  /** Incident kind: the firing verb (listed, suspended, ...) or `notice` for one-off events. */
  kind: string;
  action: 'fire' | 'resolve' | 'notice';
  severity: AlertSeverity;
  /** The member of the group this event is about (one IP of a /24, or the subject itself). */
  member: string;
  labels: Record<string, string>;
  /** For fire and notice: where to send. A resolve goes where the trigger went. */
  destinations: string[];
}

/** Verbs that open an incident, and the verbs that close it. Anything else is a one-off notice. */
const resolvedBy: Record<string, string[]> = {
  listed: ['delisted'],
  warned: ['released'],
  throttled: ['released'],
  suspended: ['released'],
  override_set: ['override_cleared'],
  refused: ['zone_recovered', 'recovered'],
  zone_unhealthy: ['zone_recovered', 'recovered'],
  zone_unknown: ['zone_recovered', 'recovered'],
  unhealthy: ['zone_recovered', 'recovered', 'healthy'],
  failing: ['recovered'],
  growing: ['recovered', 'drained'],
  // An IP out of use is back in use when it starts warming (at part of its weight).
  steered: ['warming', 'restored'],
  exhausted: ['available'],
};

const firingKinds = new Set(Object.keys(resolvedBy));
const resolvingVerbs = new Map<string, string[]>();
for (const [kind, verbs] of Object.entries(resolvedBy)) {
  for (const verb of verbs) resolvingVerbs.set(verb, [...(resolvingVerbs.get(verb) ?? []), kind]);
}

export const severityRank = (severity: string): number => alertSeverities.indexOf(severity as AlertSeverity);

/** `*` matches one dot-separated segment, or the whole type when it is the only segment. */
export function matchesTypePattern(type: string, pattern: string): boolean {
  if (pattern === '*') return true;
  const parts = type.split('.');
  const wanted = pattern.split('.');
  return parts.length === wanted.length && wanted.every((segment, i) => segment === '*' || segment === parts[i]);
}

/** Subject patterns: exact, or a prefix ending in `*` (`ip:*`, `ip:192.0.2.*`). */
export function matchesSubjectPattern(subject: string, pattern: string): boolean {
  return pattern.endsWith('*') ? subject.startsWith(pattern.slice(0, -1)) : subject === pattern;
}

function destinationAccepts(destination: WebhookDestination, event: RoutableEvent): boolean {
  return (
    severityRank(event.severity) >= severityRank(destination.minSeverity) &&
    (destination.events.length === 0 || destination.events.some((p) => matchesTypePattern(event.type, p)))
  );
}

/** Destinations for an event: the matching rules' (every destination without rules), then each destination's own filter. */
export function destinationsFor(event: RoutableEvent, config: Pick<WebhooksConfig, 'destinations' | 'routes'>): string[] {
  let candidates: Set<string>;
  if (config.routes.length === 0) {
    candidates = new Set(config.destinations.map((d) => d.name));
  } else {
    candidates = new Set();
    for (const route of config.routes) {
      const matches =
        severityRank(event.severity) >= severityRank(route.minSeverity) &&
        (route.events.length === 0 || route.events.some((p) => matchesTypePattern(event.type, p))) &&
        (route.subjects.length === 0 || route.subjects.some((p) => matchesSubjectPattern(event.subject, p)));
      if (matches) for (const name of route.destinations) candidates.add(name);
    }
  }
  return config.destinations.filter((d) => candidates.has(d.name) && destinationAccepts(d, event)).map((d) => d.name);
}

/** PagerDuty refuses dedup keys over 255 characters. */
const maxDedupKeyLength = 255;

/** Areas whose events are reputation actions on a sender or a sender domain. */
const reputationAreas = new Set(['sender', 'domain']);

/** The verb of each policy action that opens an incident (payload.fromAction names the one replaced). */
const actionVerbs: Record<string, string> = { warn: 'warned', throttle: 'throttled', suspend: 'suspended' };
const reputationVerbs = new Set([...Object.values(actionVerbs), 'released']);

/**
 * A sender and its sender domain are one incident (Alertmanager's group_by): both are keyed by the
 * domain, a sender's from payload.domain. A sender whose domain is unknown keys by itself.
 */
function reputationGroupOf(event: RoutableEvent, area: string): { key: string; labels: Record<string, string> } {
  const named = area === 'domain' ? /^domain:(.+)$/.exec(event.subject)?.[1] : event.payload?.domain;
  if (typeof named === 'string' && named.length > 0) return { key: `domain:${named}`, labels: { domain: named } };
  return { key: event.subject, labels: { subject: event.subject } };
}

/** The incident group an event belongs to: IPs on one zone group by network; anything else by subject. */
export function groupOf(
  event: RoutableEvent,
  config: Pick<WebhooksConfig, 'groupIpv4Prefix' | 'groupIpv6Prefix'>,
): { key: string; labels: Record<string, string> } {
  const zone = [event.payload?.zone, event.payload?.zoneId].find((value): value is string => typeof value === 'string');
  // The blocklist monitor names an IP as the bare address (payload.target too); others as `ip:<address>`.
  const ip = /^ip:(.+)$/.exec(event.subject)?.[1] ?? event.subject;
  const network = networkOf(ip, config.groupIpv4Prefix, config.groupIpv6Prefix);
  if (network) {
    const labels: Record<string, string> = zone ? { zone, network } : { network };
    return { key: zone ? `${zone}:${network}` : network, labels };
  }
  const labels: Record<string, string> = zone ? { zone, subject: event.subject } : { subject: event.subject };
  return { key: zone && !event.subject.includes(zone) ? `${zone}:${event.subject}` : event.subject, labels };
}

function dedupKey(parts: string[]): string {
  const key = parts.join(':');
  return key.length <= maxDedupKeyLength ? key : key.slice(0, maxDedupKeyLength);
}

export function routeEvent(event: RoutableEvent, config: WebhooksConfig): AlertSignal[] {
  const dot = event.type.lastIndexOf('.');
  const typeArea = dot > 0 ? event.type.slice(0, dot) : '';
  const verb = dot > 0 ? event.type.slice(dot + 1) : event.type;
  const reputation = reputationAreas.has(typeArea) && reputationVerbs.has(verb);
  const area = reputation ? 'reputation' : typeArea;
  const group = reputation ? reputationGroupOf(event, typeArea) : groupOf(event, config);
  const member = event.subject;
  if (firingKinds.has(verb)) {
    // An escalation (throttled → suspended) or a step down replaces the incident of the action
    // before it: that one resolves for this member, or two incidents would fire for one subject.
    const replaced = reputation ? actionVerbs[String(event.payload?.fromAction)] : undefined;
    const resolvesReplaced: AlertSignal[] =
      replaced && replaced !== verb
        ? [{ event, dedupKey: dedupKey([area, replaced, group.key]), kind: replaced, action: 'resolve', severity: event.severity, member, labels: group.labels, destinations: [] }]
        : [];
    return [
      ...resolvesReplaced,
      {
        event,
        dedupKey: dedupKey([area, verb, group.key]),
        kind: verb,
        action: 'fire',
        severity: event.severity,
        member,
        labels: group.labels,
        destinations: destinationsFor(event, config),
      },
    ];
  }
  const closes = resolvingVerbs.get(verb);
  if (closes) {
    return closes.map((kind) => ({
      event,
      dedupKey: dedupKey([area, kind, group.key]),
      kind,
      action: 'resolve' as const,
      severity: event.severity,
      member,
      labels: group.labels,
      destinations: [],
    }));
  }
  return [
    {
      event,
      dedupKey: dedupKey([event.type, event.subject, String(event.id)]),
      kind: 'notice',
      action: 'notice',
      severity: event.severity,
      member,
      labels: { subject: event.subject },
      destinations: destinationsFor(event, config),
    },
  ];
}
