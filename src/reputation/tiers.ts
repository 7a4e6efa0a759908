// Earned limits: which tier a sender is in after an evaluation, and what each tier may send.
// A sender moves up one tier at a time, only on upper confidence bounds under the tier's lines with
// enough volume and age; it moves down one tier on every escalation of the reputation engine.
import type { PromotionRule, TierName, TiersConfig } from '../config/tiers';
import type { RollupCounts } from './counts';
import { wilsonInterval } from './wilson';

export interface TierInput {
  current: TierName;
  firstSeenAt: Date;
  /** Counts over the last 30 days. */
  counts30d: RollupCounts;
  /** The automatic action after this evaluation. */
  automaticAction: 'allow' | 'warn' | 'throttle' | 'suspend';
  /** Whether this evaluation escalated the automatic action (a new warn, throttle or suspend). */
  escalated: boolean;
}

export interface TierDecision {
  tier: TierName;
  changed: boolean;
  reason: string;
}

export interface TierLimits {
  limitPerHour: number | null;
  limitPerDay: number | null;
}

const order: TierName[] = ['new', 'established', 'trusted'];
const percent = (value: number) => `${(value * 100).toFixed(3)}%`;

/** Why a promotion rule does not hold, or null when it does. */
function unmet(rule: PromotionRule, input: TierInput, confidence: number, now: Date): string | null {
  const ageDays = (now.getTime() - input.firstSeenAt.getTime()) / 86_400_000;
  if (ageDays < rule.minAgeDays) return `${ageDays.toFixed(1)} days old, under ${rule.minAgeDays}`;
  const { sent, complaints, hardBounces } = input.counts30d;
  if (sent < rule.minSends) return `${sent} sends in 30 days, under ${rule.minSends}`;
  const complaintUpper = wilsonInterval(complaints, sent, confidence).upper;
  if (complaintUpper >= rule.complaintRateUpper) {
    return `complaint rate upper bound ${percent(complaintUpper)} (${complaints} of ${sent}) not under ${percent(rule.complaintRateUpper)}`;
  }
  const bounceUpper = wilsonInterval(hardBounces, sent, confidence).upper;
  if (bounceUpper >= rule.hardBounceRateUpper) {
    return `hard-bounce rate upper bound ${percent(bounceUpper)} (${hardBounces} of ${sent}) not under ${percent(rule.hardBounceRateUpper)}`;
  }
  return null;
}

export function decideTier(input: TierInput, config: TiersConfig, confidence: number, now: Date): TierDecision {
  const index = order.indexOf(input.current);
  if (input.escalated) {
    if (index === 0) return { tier: 'new', changed: false, reason: `stays new: the reputation engine decided ${input.automaticAction}` };
    const lower = order[index - 1]!;
    return { tier: lower, changed: true, reason: `demoted from ${input.current} to ${lower}: the reputation engine decided ${input.automaticAction}` };
  }
  if (index === order.length - 1) return { tier: input.current, changed: false, reason: 'trusted' };
  if (input.automaticAction !== 'allow') return { tier: input.current, changed: false, reason: `no promotion while ${input.automaticAction} is in force` };
  const next = order[index + 1]!;
  const rule = next === 'established' ? config.promoteToEstablished : config.promoteToTrusted;
  const why = unmet(rule, input, confidence, now);
  if (why) return { tier: input.current, changed: false, reason: `not yet ${next}: ${why}` };
  const { sent, complaints, hardBounces } = input.counts30d;
  return {
    tier: next,
    changed: true,
    reason: `promoted to ${next}: ${sent} sends in 30 days with ${complaints} complaints and ${hardBounces} hard bounces; ` +
      `upper bounds under ${percent(rule.complaintRateUpper)} and ${percent(rule.hardBounceRateUpper)}`,
  };
}

/** The limits of a tier; none when tiers are off. */
export function tierLimits(tier: TierName, config: TiersConfig): TierLimits {
  if (!config.enabled) return { limitPerHour: null, limitPerDay: null };
  return { limitPerHour: config[tier].limitPerHour, limitPerDay: config[tier].limitPerDay };
}
