// Config key `steering`: the relay's outgoing IPs with the relay transport bound to each, and when
// an IP is taken out of use (a listing of at least `listingSeverity`) and how it comes back.
import { isIP } from 'node:net';
import { z } from 'zod';

const severity = z.enum(['info', 'warning', 'error', 'critical']);

export const steeringIpConfig = z.strictObject({
  /** The outgoing address, as Postfix's smtp_bind_address (or smtp_bind_address6) of the transport. */
  ip: z.string().refine((text) => isIP(text) !== 0, { message: 'expected an IPv4 or IPv6 address such as 192.0.2.10' }),
  /** The relay's transport that sends from this IP: a master.cf service name (e.g. `out-a`). */
  transport: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { message: 'expected a master.cf service name such as out-a' }),
  /** Share of new mail relative to the other IPs (2 = twice as much as an IP of weight 1). */
  weight: z.number().positive().max(1000).default(1),
});

export const steeringConfig = z
  .strictObject({
    enabled: z.boolean().default(false),
    ips: z.array(steeringIpConfig).default([]),
    /** A confirmed listing of this severity or above (the zone's code severity) takes the IP out of use. */
    listingSeverity: severity.default('error'),
    /** Minutes an IP stays out of use after its last such listing is confirmed delisted. */
    quietPeriodMinutes: z.number().min(0).max(43_200).default(60),
    /** After the quiet period: minutes the IP gets only warmBackShare of its weight, then all of it. */
    warmBackMinutes: z.number().min(0).max(43_200).default(120),
    warmBackShare: z.number().gt(0).max(1).default(0.25),
    /** Hours before a listing whose mail is ranked to name the senders behind it. */
    blameWindowHours: z.number().int().min(1).max(720).default(24),
  })
  .superRefine((steering, ctx) => {
    const seen = new Map<string, number>();
    steering.ips.forEach((entry, index) => {
      for (const [key, value] of [['ip', entry.ip], ['transport', entry.transport]] as const) {
        const id = `${key}:${value}`;
        if (seen.has(id)) ctx.addIssue({ code: 'custom', path: ['ips', index, key], input: value, message: `${value} is already listed (steering.ips[${seen.get(id)}])` });
        else seen.set(id, index);
      }
    });
  })
  .prefault({});

export type SteeringConfig = z.output<typeof steeringConfig>;
export type SteeringIpConfig = z.output<typeof steeringIpConfig>;
