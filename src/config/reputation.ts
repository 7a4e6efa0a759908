// Thresholds for per-sender and per-domain complaint and bounce rates. Defaults follow what
// Gmail/Yahoo and Amazon SES publish (complaints: review 0.1%, act 0.3-0.5%; bounces 5% / 10%).
import { z } from 'zod';

const fraction = z.number().min(0).max(1);

const rateThresholds = z
  .object({
    warn: fraction,
    throttle: fraction,
    suspend: fraction,
  })
  .strict()
  .refine((t) => t.warn <= t.throttle && t.throttle <= t.suspend, {
    message: 'expected warn <= throttle <= suspend',
  });

export const reputationConfig = z
  .object({
    complaintRate: rateThresholds.prefault({ warn: 0.001, throttle: 0.003, suspend: 0.005 }),
    /** Hard bounces that count against the sender (not blocks of our IP or content). */
    hardBounceRate: rateThresholds.prefault({ warn: 0.05, throttle: 0.08, suspend: 0.1 }),
    /** Sends in a window below which no automatic action is taken. */
    minVolume: z.number().int().min(1).default(500),
    /** Confidence of the Wilson bound a decision is taken on. */
    confidence: z.number().gt(0.5).lt(1).default(0.95),
    /** Messages per hour allowed to a throttled sender. */
    throttleLimitPerHour: z.number().int().min(0).default(100),
    /** How long a sender must stay under the warn line before an automatic action is lifted. */
    releaseAfterHours: z.number().min(0).default(24),
  })
  .strict();

export type ReputationConfig = z.infer<typeof reputationConfig>;
