// Reads what applies to a sender now: its own state and override, and its sending domain's.
import type { TiersConfig } from '../config/tiers';
import type { Db } from '../db/client';
import { getSubject, type SubjectRow } from '../db/subjects';
import { effectivePolicy, type EffectivePolicy, type SubjectPolicy } from './effective-policy';

export function subjectPolicy(row: SubjectRow | undefined): SubjectPolicy {
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

export async function loadSenderPolicy(
  db: Db,
  sender: string,
  senderDomain: string | undefined,
  now: Date,
  throttleLimitPerHour: number,
  tiers?: TiersConfig,
): Promise<EffectivePolicy> {
  const [own, domain] = await Promise.all([
    getSubject(db, 'sender', sender),
    senderDomain ? getSubject(db, 'domain', senderDomain) : Promise.resolve(undefined),
  ]);
  return effectivePolicy(
    subjectPolicy(own),
    senderDomain ? { name: senderDomain, policy: subjectPolicy(domain) } : null,
    now,
    throttleLimitPerHour,
    { tiers },
  );
}
