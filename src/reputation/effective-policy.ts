// What the relay is told for a sender: a manual override wins until it expires; otherwise the
// stricter of the sender's automatic action and its sending domain's.
import type { PolicyAction } from './decide';

export interface SubjectPolicy {
  automatic: { action: PolicyAction; reason: string | null; since: Date | null };
  override: { action: PolicyAction; reason: string; until: Date | null; limitPerHour: number | null; by: string } | null;
}

export interface EffectivePolicy {
  action: PolicyAction;
  source: 'automatic' | 'manual' | 'domain';
  reason: string;
  limitPerHour: number | null;
  until: Date | null;
}

const rank = (action: PolicyAction) => ['allow', 'warn', 'throttle', 'suspend'].indexOf(action);

function ownPolicy(subject: SubjectPolicy, now: Date, throttleLimitPerHour: number): EffectivePolicy {
  const override = subject.override;
  if (override && (!override.until || override.until > now)) {
    return {
      action: override.action,
      source: 'manual',
      reason: `manual (${override.by}): ${override.reason}`,
      limitPerHour: override.action === 'throttle' ? (override.limitPerHour ?? throttleLimitPerHour) : null,
      until: override.until,
    };
  }
  return {
    action: subject.automatic.action,
    source: 'automatic',
    reason: subject.automatic.reason ?? 'no decision yet',
    limitPerHour: subject.automatic.action === 'throttle' ? throttleLimitPerHour : null,
    until: null,
  };
}

export function effectivePolicy(
  sender: SubjectPolicy,
  domain: { name: string; policy: SubjectPolicy } | null,
  now: Date,
  throttleLimitPerHour: number,
): EffectivePolicy {
  const own = ownPolicy(sender, now, throttleLimitPerHour);
  if (own.source === 'manual' || !domain) return own;
  const ofDomain = ownPolicy(domain.policy, now, throttleLimitPerHour);
  if (rank(ofDomain.action) > rank(own.action)) {
    return { ...ofDomain, source: 'domain', reason: `sending domain ${domain.name} is ${ofDomain.action}: ${ofDomain.reason}` };
  }
  return own;
}
