// How a complaint or bounce is traced back to the relay's sender.
import { z } from 'zod';

export const attributionConfig = z
  .object({
    senderHeader: z.string().default('X-Warden-Sender'),
  })
  .strict();

export type AttributionConfig = z.infer<typeof attributionConfig>;
