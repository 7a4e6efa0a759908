// Earned sending limits: a sender starts in the `new` tier and moves up with clean history.
//
// Defaults: `new` gets 50 messages an hour and 200 a day (a person or a small shop never notices;
// an account opened to spam sends a few hundred messages at most before anything else can judge
// it). `established` gets 1,000 an hour, `trusted` no limit. A sender is promoted only when the
// Wilson *upper* bound of its 30-day complaint and hard-bounce rates — the rate we are 95% sure it
// is at most at — is under the line, so a clean record has to be long enough to prove something:
// with no complaints at all, the upper bound falls under 0.3% after about 1,280 sends and under
// 0.1% after about 3,840.
import { z } from 'zod';

export const tierNames = ['new', 'established', 'trusted'] as const;
export type TierName = (typeof tierNames)[number];

const limit = z.number().int().min(0).nullable();
const fraction = z.number().min(0).max(1);

const tierLimits = z
  .object({
    /** Messages an hour; null: no limit. */
    limitPerHour: limit,
    /** Messages a UTC day; null: no limit. */
    limitPerDay: limit,
  })
  .strict();

const promotionRule = z
  .object({
    /** Days since the sender was first seen (first day with traffic). */
    minAgeDays: z.number().min(0),
    /** Sends over the last 30 days. */
    minSends: z.number().int().min(0),
    /** The upper bound of the 30-day complaint rate must be under this. */
    complaintRateUpper: fraction,
    /** The upper bound of the 30-day hard-bounce rate must be under this. */
    hardBounceRateUpper: fraction,
  })
  .strict();

export const tiersConfig = z
  .object({
    /** Off: no tier limits anywhere (tiers are still computed and shown). */
    enabled: z.boolean().default(true),
    new: tierLimits.prefault({ limitPerHour: 50, limitPerDay: 200 }),
    established: tierLimits.prefault({ limitPerHour: 1000, limitPerDay: null }),
    trusted: tierLimits.prefault({ limitPerHour: null, limitPerDay: null }),
    /**
     * new → established: a week old, 1,000 sends, and 95% sure of being under the suspend lines
     * (0.3% complaints, 10% hard bounces). established → trusted: a month old, 10,000 sends, and
     * 95% sure of being under the throttle lines (0.1%, 5%).
     */
    promoteToEstablished: promotionRule.prefault({ minAgeDays: 7, minSends: 1000, complaintRateUpper: 0.003, hardBounceRateUpper: 0.1 }),
    promoteToTrusted: promotionRule.prefault({ minAgeDays: 30, minSends: 10_000, complaintRateUpper: 0.001, hardBounceRateUpper: 0.05 }),
  })
  .strict();

export type TiersConfig = z.infer<typeof tiersConfig>;
export type PromotionRule = z.infer<typeof promotionRule>;
