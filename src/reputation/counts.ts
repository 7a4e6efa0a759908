// What a stored fact adds to the rollup counters. The one place deciding which bounces count
// against a sender and which are the receiver judging our IP or content.

export interface RollupCounts {
  sent: number;
  delivered: number;
  /** Complaints that count toward the complaint rate (abuse, fraud, virus or unspecified). */
  complaints: number;
  /** Permanent failures caused by the recipient address: they count against the sender. */
  hardBounces: number;
  softBounces: number;
  /** Rejections judging our IP or content (blocklisted, bad reputation, spam): IP evidence. */
  blocked: number;
}

export const zeroCounts = (): RollupCounts => ({ sent: 0, delivered: 0, complaints: 0, hardBounces: 0, softBounces: 0, blocked: 0 });

// Receivers refusing because of our IP, our content or our connection behaviour. Counting these as
// the sender's hard bounces would inflate its bounce rate (listmonk shows 4% where SES shows 0.6%).
const judgedOurIpOrContent = new Set([
  'blocked',
  'badreputation',
  'spamdetected',
  'policyviolation',
  'toomanyconn',
  'requireptr',
  'virusdetected',
  'contenterror',
  'securityerror',
  'authfailure',
  'notcompliantrfc',
  'speeding',
]);
const countedFeedbackTypes = new Set(['abuse', 'fraud', 'virus', '']);

export interface CountableFact {
  kind: 'complaint' | 'bounce' | 'delay' | 'autoreply' | 'delivered';
  reason?: string | null;
  hardBounce?: boolean | null;
  feedbackType?: string | null;
}

export function isJudgementOfOurIp(reason: string | null | undefined): boolean {
  return judgedOurIpOrContent.has(reason ?? '');
}

/** The counters a fact increments; all zero for delays, auto-replies, success DSNs, not-spam reports. */
export function countsOfFact(fact: CountableFact): RollupCounts {
  const counts = zeroCounts();
  if (fact.kind === 'complaint') {
    if (countedFeedbackTypes.has((fact.feedbackType ?? '').toLowerCase())) counts.complaints = 1;
  } else if (fact.kind === 'bounce') {
    if (isJudgementOfOurIp(fact.reason)) counts.blocked = 1;
    else if (fact.hardBounce) counts.hardBounces = 1;
    else counts.softBounces = 1;
  }
  return counts;
}
