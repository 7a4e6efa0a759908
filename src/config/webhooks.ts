// Alert destinations for on-call. URLs come only from here; secrets through ${ENV} interpolation.
import { z } from 'zod';

const destination = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, { message: 'expected letters, digits, - or _' }),
    url: z.url({ protocol: /^https?$/ }),
    format: z.enum(['json', 'slack', 'pagerduty', 'teams']).default('json'),
    /** Standard Webhooks signing secret (whsec_...). */
    secret: z.string().min(16).optional(),
    /** PagerDuty Events v2 routing key. */
    routingKey: z.string().min(1).optional(),
    minSeverity: z.enum(['info', 'warning', 'error', 'critical']).default('warning'),
    /** Event types to send; empty means all. */
    events: z.array(z.string()).default([]),
    timeoutMs: z.number().int().min(100).max(60_000).default(5000),
  })
  .strict()
  .refine((d) => d.format !== 'pagerduty' || d.routingKey, {
    message: 'a pagerduty destination needs routingKey',
    path: ['routingKey'],
  });

export const webhooksConfig = z
  .object({
    destinations: z.array(destination).default([]),
    /** Give up on a delivery after this long and move it to dead-letter. */
    giveUpAfterHours: z.number().min(0).default(24),
  })
  .strict();

export type WebhooksConfig = z.infer<typeof webhooksConfig>;
