// Reads what applies to a sender now: its own state and override, and its sender domain's.
import type { TiersConfig } from '../config/tiers';
import type { Db } from '../db/client';
import { getSubject } from '../db/subjects';
import { effectivePolicy, type EffectivePolicy } from '../reputation/effective-policy';
import { subjectPolicy } from '../reputation/sender-policy';

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
