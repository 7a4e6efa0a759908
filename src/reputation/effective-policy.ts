// What the relay is told for a sender: a manual override wins until it expires; otherwise the
// stricter of the sender's automatic action, its campaign's and its sender domain's (or, for a
// request from a campaign's submitting network, that campaign's). The sender's tier then bounds
// how much it may send an hour and a day.
import type { TierName, TiersConfig } from '../config/tiers';
import { rank, type PolicyAction } from './decide';
import { tierLimits } from './tiers';

export interface CampaignPolicy {
  id: number;
  action: PolicyAction;
  reason: string;
}

export interface SubjectPolicy {
  automatic: { action: PolicyAction; reason: string | null; since: Date | null };
  override: { action: PolicyAction; reason: string; until: Date | null; limitPerHour: number | null; by: string } | null;
  /** The sender's tier, pinned or earned (domains: `new`, unused). */
  tier?: TierName;
  campaign?: CampaignPolicy | null;
}

export interface EffectivePolicy {
  action: PolicyAction;
  source: 'automatic' | 'manual' | 'domain' | 'campaign';
  reason: string;
  limitPerHour: number | null;
  /** Messages a UTC day (from the tier), when limited. */
  limitPerDay: number | null;
  until: Date | null;
  /** The sender's tier; null when tiers were not asked for (domain entries). */
  tier: TierName | null;
}


function ownPolicy(subject: SubjectPolicy, now: Date, throttleLimitPerHour: number): EffectivePolicy {
  const override = subject.override;
  // Literal objects of one shape (no spread): this runs for every message a relay asks about.
  if (override && (!override.until || override.until > now)) {
    return {
      action: override.action,
      source: 'manual',
      reason: `manual (${override.by}): ${override.reason}`,
      limitPerHour: override.action === 'throttle' ? (override.limitPerHour ?? throttleLimitPerHour) : null,
      until: override.until,
      limitPerDay: null,
      tier: null,
    };
  }
  const campaign = subject.campaign;
  if (campaign && rank(campaign.action) > rank(subject.automatic.action)) return campaignPolicy(campaign, throttleLimitPerHour);
  return {
    action: subject.automatic.action,
    source: 'automatic',
    reason: subject.automatic.reason ?? 'no decision yet',
    limitPerHour: subject.automatic.action === 'throttle' ? throttleLimitPerHour : null,
    until: null,
    limitPerDay: null,
    tier: null,
  };
}

function campaignPolicy(campaign: CampaignPolicy, throttleLimitPerHour: number): EffectivePolicy {
  return {
    action: campaign.action,
    source: 'campaign',
    reason: campaign.reason,
    limitPerHour: campaign.action === 'throttle' ? throttleLimitPerHour : null,
    limitPerDay: null,
    until: null,
    tier: null,
  };
}

const smaller = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.min(a, b));

export interface PolicyContext {
  /** With tiers, the sender's tier limits apply; without, only throttle limits. */
  tiers?: TiersConfig;
  /** The active campaign whose submitting network the request comes from. */
  fromCampaignNetwork?: CampaignPolicy | null;
}

export function effectivePolicy(
  sender: SubjectPolicy,
  domain: { name: string; policy: SubjectPolicy } | null,
  now: Date,
  throttleLimitPerHour: number,
  context: PolicyContext = {},
): EffectivePolicy {
  // Kept in locals and returned as one literal of one shape: this runs for every message a relay
  // asks about, and a spread per step cost more than the decision itself.
  let { action, source, reason, limitPerHour, until } = ownPolicy(sender, now, throttleLimitPerHour);
  if (source !== 'manual') {
    if (domain) {
      const ofDomain = ownPolicy(domain.policy, now, throttleLimitPerHour);
      if (rank(ofDomain.action) > rank(action)) {
        ({ action, limitPerHour, until } = ofDomain);
        source = 'domain';
        reason = `sender domain ${domain.name} is ${ofDomain.action}: ${ofDomain.reason}`;
      }
    }
    const network = context.fromCampaignNetwork;
    if (network && rank(network.action) > rank(action)) {
      ({ action, source, reason, limitPerHour, until } = campaignPolicy(network, throttleLimitPerHour));
    }
  }
  if (!context.tiers) return { action, source, reason, limitPerHour, limitPerDay: null, until, tier: null };
  const tier = sender.tier ?? 'new';
  if (action === 'suspend') return { action, source, reason, limitPerHour, limitPerDay: null, until, tier };
  const limits = tierLimits(tier, context.tiers);
  return { action, source, reason, limitPerHour: smaller(limitPerHour, limits.limitPerHour), limitPerDay: limits.limitPerDay, until, tier };
}
