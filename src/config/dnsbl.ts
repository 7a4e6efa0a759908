// DNS blocklist monitoring settings.
import { z } from 'zod';

export const dnsblConfig = z
  .object({
    /** Zone ids from the catalogue to leave out. */
    disable: z.array(z.string()).default([]),
    /** Spamhaus Data Query Service key: switches Spamhaus zones to the keyed DQS zones. */
    dqsKey: z.string().optional(),
  })
  .strict();

export type DnsblConfig = z.infer<typeof dnsblConfig>;
