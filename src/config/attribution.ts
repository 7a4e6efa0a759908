// The `attribution` key of warden.yaml: how a bounce or complaint is traced back to our sender.
import { z } from 'zod';

export const attributionConfig = z.strictObject({
  /**
   * 1-based field of a colon-separated Feedback-ID header that holds the sender. Gmail's documented
   * shape is `CampaignId:CustomerId:MailTypeId:SenderId`, hence 4.
   */
  feedbackIdField: z.number().int().min(1).max(16).default(4),
  /** Header our relay adds to each message naming the sender (a plain id or a signed token). */
  senderHeader: z.string().min(1).default('X-Warden-Sender'),
  /** VERP return paths, e.g. `bounces+{sender}@relay.example`; `{sender}` marks the id. */
  verpPatterns: z
    .array(
      z.string().refine((pattern) => pattern.includes('{sender}') && pattern.includes('@'), {
        message: 'a VERP pattern must contain {sender} and an @, e.g. bounces+{sender}@relay.example',
      }),
    )
    .default([]),
  /** HMAC key for opaque sender tokens; at least 32 characters. Token commands fail without it. */
  tokenSecret: z.string().min(32, 'tokenSecret must be at least 32 characters').optional(),
  /** Header carrying a signed sender token. */
  tokenHeader: z.string().min(1).default('X-Warden-Token'),
});

export type AttributionConfig = z.infer<typeof attributionConfig>;
