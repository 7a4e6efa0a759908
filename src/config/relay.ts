// The relay being watched: its sending IPs (for blocklist checks) and the domains it sends from.
import { z } from 'zod';
import { parseIpRange } from './ip-range';

const hostname = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, {
    message: 'expected a domain name such as mail.example.com',
  });

export const relayConfig = z
  .object({
    /** Sending IPs: single addresses or CIDR ranges, IPv4 or IPv6. */
    ips: z.array(z.string()).default([]),
    /** Domains the relay sends from (envelope and header From), checked against domain lists. */
    domains: z.array(hostname).default([]),
    /** Largest range accepted in `ips`: each address is one check per zone. */
    maxRangeAddresses: z.number().int().positive().max(65_536).default(4096),
  })
  .strict()
  .superRefine((relay, ctx) => {
    relay.ips.forEach((text, index) => {
      try {
        const range = parseIpRange(text);
        if (range.size > BigInt(relay.maxRangeAddresses)) {
          ctx.addIssue({
            code: 'custom',
            path: ['ips', index],
            input: text,
            message: `holds ${range.size} addresses, more than relay.maxRangeAddresses (${relay.maxRangeAddresses}); list the sending addresses or a smaller range`,
          });
        }
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: ['ips', index],
          input: text,
          message: `${(error as Error).message} (expected e.g. 192.0.2.10, 192.0.2.0/24 or 2001:db8::/64)`,
        });
      }
    });
  });

export type RelayConfig = z.infer<typeof relayConfig>;
