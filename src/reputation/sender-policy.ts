// A sender's or domain's stored state as the policy it carries: automatic action, override, tier
// (pinned over earned) and campaign.
import type { TierName } from '../config/tiers';
import type { PolicyAction } from './decide';
import type { SubjectPolicy } from './effective-policy';

/** The stored columns a policy is read from (a reputation_subjects row has them all). */
export interface StoredSubjectState {
  autoAction: PolicyAction;
  autoReason: string | null;
  autoSince: Date | null;
  overrideAction: PolicyAction | null;
  overrideReason: string | null;
  overrideUntil: Date | null;
  overrideLimitPerHour: number | null;
  overrideBy: string | null;
  tier: TierName;
  pinnedTier: TierName | null;
  campaignId: number | null;
  campaignAction: PolicyAction | null;
  campaignReason: string | null;
}

/** The policy a stored subject carries; no row is `allow` in the `new` tier. */
export function subjectPolicy(row: StoredSubjectState | undefined): SubjectPolicy {
  return {
    automatic: { action: row?.autoAction ?? 'allow', reason: row?.autoReason ?? null, since: row?.autoSince ?? null },
    override: row?.overrideAction
      ? {
          action: row.overrideAction,
          reason: row.overrideReason ?? '',
          until: row.overrideUntil,
          limitPerHour: row.overrideLimitPerHour,
          by: row.overrideBy ?? 'ops',
        }
      : null,
    tier: row?.pinnedTier ?? row?.tier ?? 'new',
    campaign: row?.campaignId && row.campaignAction ? { id: row.campaignId, action: row.campaignAction, reason: row.campaignReason ?? `campaign #${row.campaignId}` } : null,
  };
}
