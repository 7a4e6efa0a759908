// Pure: the changes of one steering pass, as event and audit records. An IP entering `listed` or
// `draining` fires an incident (steering.steered) that `warming` or `restored` resolves; every IP
// unusable at once fires steering.exhausted, resolved by steering.available.
import type { PolicyEvent } from '../reputation/evaluation';
import { usableStates, type IpStatus, type IpSteeringState } from './ip-status';

export interface SteeringChange {
  ip: string;
  from: IpSteeringState;
  to: IpSteeringState;
  status: IpStatus;
}

/** An audit row for an IP (policy_audit, kind `ip`): who or what changed its state, and why. */
export interface SteeringAuditRecord {
  kind: 'ip';
  subject: string;
  at: Date;
  actor: string;
  source: 'automatic' | 'manual';
  reason: string;
  figures: Record<string, unknown>;
}

export const steeringEventTypes = {
  steered: 'steering.steered',
  quiet: 'steering.quiet',
  warming: 'steering.warming',
  restored: 'steering.restored',
  exhausted: 'steering.exhausted',
  available: 'steering.available',
} as const;

/** The subject of the all-IPs events. */
export const allIpsSubject = 'ips:all';

/** IPs whose state differs from the stored one; an IP with no stored state was active. */
export function steeringChanges(previous: ReadonlyMap<string, IpSteeringState>, next: readonly IpStatus[]): SteeringChange[] {
  return next
    .map((status) => ({ ip: status.ip, from: previous.get(status.ip) ?? 'active', to: status.state, status }))
    .filter((change) => change.from !== change.to);
}

const verbOf: Record<IpSteeringState, keyof typeof steeringEventTypes> = {
  listed: 'steered',
  draining: 'steered',
  quiet: 'quiet',
  warming: 'warming',
  active: 'restored',
};

export interface SteeringRecordsInput {
  changes: readonly SteeringChange[];
  /** Every configured IP after the pass. */
  statuses: readonly IpStatus[];
  /** Whether no IP was usable before the pass (from the stored states). */
  wasExhausted: boolean;
  now: Date;
  actor: string;
  source: 'automatic' | 'manual';
}

export function steeringRecords(input: SteeringRecordsInput): { events: PolicyEvent[]; audit: SteeringAuditRecord[] } {
  const { now } = input;
  const usable = input.statuses.filter((status) => usableStates.has(status.state)).map((status) => status.ip);
  const events: PolicyEvent[] = [];
  const audit: SteeringAuditRecord[] = [];
  for (const change of input.changes) {
    const verb = verbOf[change.to];
    const { status } = change;
    const movedTo = usable.length > 0 ? `new mail leaves by ${usable.join(', ')}` : 'no IP is usable: mail is not steered';
    const summary =
      verb === 'steered' ? `${change.ip} taken out of use (${status.reason}); ${movedTo}`
      : verb === 'restored' ? `${change.ip} back in use at its full weight`
      : `${change.ip} ${status.reason}`;
    const figures = { from: change.from, to: change.to, transport: status.transport, weight: status.weight, weightShare: status.weightShare, zones: status.zones, until: status.until?.toISOString() ?? null, usable };
    events.push({
      type: steeringEventTypes[verb],
      severity: verb === 'steered' ? 'warning' : 'info',
      subject: `ip:${change.ip}`,
      summary,
      payload: { ip: change.ip, cause: change.to === 'draining' ? 'draining' : change.to === 'listed' ? 'listed' : null, reason: status.reason, ...figures },
      at: now,
    });
    audit.push({ kind: 'ip', subject: change.ip, at: now, actor: input.actor, source: input.source, reason: `${change.from} → ${change.to}: ${status.reason}`, figures });
  }
  const exhausted = input.statuses.length > 0 && usable.length === 0;
  if (exhausted !== input.wasExhausted && input.statuses.length > 0) {
    const ips = input.statuses.map((status) => status.ip);
    events.push(
      exhausted
        ? {
            type: steeringEventTypes.exhausted,
            severity: 'critical',
            subject: allIpsSubject,
            summary: `every relay IP is out of use (${input.statuses.map((status) => `${status.ip}: ${status.state}`).join('; ')}): mail is not steered and leaves by the relay's default transport`,
            payload: { ips, states: Object.fromEntries(input.statuses.map((status) => [status.ip, status.state])) },
            at: now,
          }
        : { type: steeringEventTypes.available, severity: 'info', subject: allIpsSubject, summary: `relay IPs usable again: ${usable.join(', ')}`, payload: { ips, usable }, at: now },
    );
  }
  return { events, audit };
}
