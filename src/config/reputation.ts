// Thresholds for per-sender and per-domain complaint and hard-bounce rates.
//
// Decisions compare the Wilson lower bound of a rate (the rate we are `confidence` sure the sender
// is at least at) with these lines, so a handful of messages never triggers an action. Defaults:
// complaints throttle at 0.1% (Gmail/Yahoo "keep under", SES review) and suspend at 0.3% (Gmail/Yahoo
// "never reach"); hard bounces throttle at 5% (SES review) and suspend at 10% (SES pause).
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

export const decisionWindows = ['24h', '7d', '30d'] as const;
export type DecisionWindow = (typeof decisionWindows)[number];

export const reputationConfig = z
  .object({
    complaintRate: rateThresholds.prefault({ warn: 0.0005, throttle: 0.001, suspend: 0.003 }),
    /** Hard bounces that count against the sender (not blocks of our IP or content). */
    hardBounceRate: rateThresholds.prefault({ warn: 0.02, throttle: 0.05, suspend: 0.1 }),
    /** Sends in a window below which that window decides nothing (services use 200-1,000). */
    minVolume: z.number().int().min(1).default(200),
    /** Confidence of the Wilson bound a decision is taken on. */
    confidence: z.number().gt(0.5).lt(1).default(0.95),
    /** Windows whose rates decide; all three are computed and shown. */
    windows: z.array(z.enum(decisionWindows)).min(1).default(['24h', '7d']),
    /** Messages per hour allowed to a throttled sender. */
    throttleLimitPerHour: z.number().int().min(0).default(100),
    /** How long the bound must stay under the warn line before an automatic action is lifted. */
    releaseAfterHours: z.number().min(0).default(24),
    /** Days of raw send events kept (rollups are kept). */
    eventRetentionDays: z.number().int().min(1).default(35),
  })
  .strict();

export type ReputationConfig = z.infer<typeof reputationConfig>;
