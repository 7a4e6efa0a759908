// The shape of one blocklist zone: shared by the shipped catalogue and the user's custom zones.
import { z } from 'zod';

/** PagerDuty's scale, so an event's severity maps to a page without translation. */
export const severitySchema = z.enum(['critical', 'error', 'warning', 'info']);
export type Severity = z.infer<typeof severitySchema>;

export const SEVERITY_RANK: Readonly<Record<Severity, number>> = {
  info: 0,
  warning: 1,
  error: 2,
  critical: 3,
};

export const targetKindSchema = z.enum(['ipv4', 'ipv6', 'domain']);
export type TargetKind = z.infer<typeof targetKindSchema>;

const ipv4Pattern = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const answerAddress = z.string().regex(ipv4Pattern, 'an IPv4 answer address such as 127.0.0.2');

export const returnCodeSchema = z.strictObject({
  /** The A record the list answers, e.g. "127.0.0.2". */
  code: answerAddress,
  meaning: z.string().min(1),
  severity: severitySchema,
  /**
   * `listed` (default) is a listing; `not_listed` is an answer that carries information but is
   * not a block (Mailspike's good-reputation levels).
   */
  effect: z.enum(['listed', 'not_listed']).default('listed'),
  note: z.string().optional(),
});
export type ReturnCode = z.infer<typeof returnCodeSchema>;

export const bitmaskCodeSchema = z.strictObject({
  /** A bit of the answer's last octet (8 = 127.0.0.8). */
  bit: z.number().int().min(1).max(128),
  meaning: z.string().min(1),
  severity: severitySchema,
  note: z.string().optional(),
});
export type BitmaskCode = z.infer<typeof bitmaskCodeSchema>;

export const refusedCodeSchema = z.strictObject({
  code: answerAddress,
  /** Why the list refused, and what the operator does about it. */
  explanation: z.string().min(1),
});
export type RefusedCode = z.infer<typeof refusedCodeSchema>;

export const usageTermsSchema = z.strictObject({
  access: z.enum(['free', 'free_low_volume', 'key_required', 'registered_resolver', 'commercial']),
  summary: z.string().min(1),
  url: z.url().optional(),
});
export type UsageTerms = z.infer<typeof usageTermsSchema>;

export const zoneDefinitionSchema = z.strictObject({
  /** Stable id used in config, storage and events: `spamhaus-zen`. */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
  name: z.string().min(1),
  /**
   * The DNS zone queried. For keyed zones (`keyed: true`) the key is prepended as a label at query
   * time, so the key never appears here, in check results or in storage.
   */
  zone: z
    .string()
    .min(1)
    .transform((zone) => zone.toLowerCase().replace(/\.$/, '')),
  kinds: z.array(targetKindSchema).min(1),
  codes: z.array(returnCodeSchema).default([]),
  /** Lists that answer one address whose last octet is a sum of bits (SURBL, URIBL). */
  bitmask: z.array(bitmaskCodeSchema).default([]),
  refusedCodes: z.array(refusedCodeSchema).default([]),
  /** Severity of a 127/8 answer the data does not document. */
  defaultSeverity: severitySchema.default('warning'),
  /** RFC 5782 §5 test points, written as targets (IP or domain), not as query names. */
  testPoints: z
    .strictObject({
      listed: z.array(z.string().min(1)).default([]),
      notListed: z.array(z.string().min(1)).default([]),
    })
    .prefault({}),
  delistUrl: z.url().optional(),
  usage: usageTermsSchema,
  status: z.enum(['active', 'dead']).default('active'),
  /** For dead lists: when and how it died. */
  deadSince: z.string().optional(),
  /** Part of the default set when the user names no zones. */
  enabledByDefault: z.boolean().default(false),
  /** Needs the Spamhaus DQS key (or another per-user key) as the first label. */
  keyed: z.boolean().default(false),
  /** The public zone a keyed zone replaces when the key is configured. */
  replaces: z.string().optional(),
  note: z.string().optional(),
});
export type ZoneDefinition = z.output<typeof zoneDefinitionSchema>;
export type ZoneDefinitionInput = z.input<typeof zoneDefinitionSchema>;
