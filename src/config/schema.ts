// The whole warden.yaml, validated. Every key has a default, so an absent file is a valid config.
import { validate as isValidCron } from 'node-cron';
import { z } from 'zod';
import { attributionConfig } from './attribution';
import { dashboardConfig } from './dashboard';
import { campaignsConfig } from './campaigns';
import { dnsblConfig } from './dnsbl';
import { parseIpRange } from './ip-range';
import { mailboxesConfig } from './mailboxes';
import { relayConfig } from './relay';
import { steeringConfig } from './steering';
import { reputationConfig } from './reputation';
import { suppressionConfig } from './suppression';
import { tiersConfig } from './tiers';
import { webhooksConfig } from './webhooks';

export const cronExpression = z.string().refine((text) => isValidCron(text), {
  message: 'expected a cron expression such as "*/15 * * * *" (5 fields, or 6 with seconds first)',
});

const serverConfig = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(7780),
    /**
     * Reverse proxies (addresses or CIDR ranges) whose X-Forwarded-For names the client: the login
     * throttle and the request log then key on that address. From any other peer the header is ignored.
     */
    trustedProxies: z
      .array(
        z.string().superRefine((text, ctx) => {
          try {
            parseIpRange(text);
          } catch (error) {
            ctx.addIssue({ code: 'custom', input: text, message: `${(error as Error).message} (expected e.g. 127.0.0.1, 10.0.0.0/8 or ::1)` });
          }
        }),
      )
      .default([]),
  })
  .strict();

const databaseConfig = z
  .object({
    /** postgres://... to use PostgreSQL; unset to use embedded PGlite in dataDir. */
    url: z
      .string()
      .regex(/^postgres(ql)?:\/\//, { message: 'expected a postgres:// or postgresql:// URL' })
      .optional(),
    dataDir: z.string().min(1).default('./data'),
    /** PostgreSQL connections this process holds at most (each instance its own pool). */
    poolSize: z.number().int().min(1).max(1000).default(10),
  })
  .strict();

const apiToken = z
  .object({
    name: z.string().min(1),
    token: z.string().min(24, { message: 'expected a token of at least 24 characters' }),
    /** relay: what a relay needs (policy reads, send events); ops: everything. */
    scopes: z.array(z.enum(['relay', 'ops'])).min(1),
  })
  .strict();

const jobSettings = z
  .object({
    enabled: z.boolean().default(true),
    schedule: cronExpression.optional(),
  })
  .strict();

const schedulerConfig = z
  .object({
    enabled: z.boolean().default(true),
    /** A job's lease lasts this long and is renewed while it runs; a crashed holder frees it then. */
    leaseSeconds: z.number().int().min(1).max(3600).default(60),
    /** Days of job runs, mailbox run records and delivered alert deliveries to keep. */
    historyDays: z.number().int().min(1).default(30),
  })
  .strict();

export const wardenConfigSchema = z
  .object({
    server: serverConfig.prefault({}),
    database: databaseConfig.prefault({}),
    log: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .prefault({}),
    auth: z.object({ tokens: z.array(apiToken).default([]) }).strict().prefault({}),
    scheduler: schedulerConfig.prefault({}),
    jobs: z.record(z.string().regex(/^[a-z0-9-]+$/), jobSettings).default({}),
    relay: relayConfig.prefault({}),
    steering: steeringConfig,
    dnsbl: dnsblConfig.prefault({}),
    mailboxes: mailboxesConfig.prefault({}),
    attribution: attributionConfig.prefault({}),
    reputation: reputationConfig.prefault({}),
    tiers: tiersConfig.prefault({}),
    campaigns: campaignsConfig.prefault({}),
    webhooks: webhooksConfig.prefault({}),
    dashboard: dashboardConfig.prefault({}),
    suppression: suppressionConfig.prefault({}),
  })
  .strict()
  .superRefine((config, ctx) => {
    // A steering IP's listings come from the blocklist monitor, which checks relay.ips only.
    const ranges = config.relay.ips.flatMap((text) => {
      try {
        return [parseIpRange(text)];
      } catch {
        return [];
      }
    });
    config.steering.ips.forEach((entry, index) => {
      const address = parseIpRange(entry.ip);
      const covered = ranges.some((range) => range.version === address.version && address.first >= range.first && address.first < range.first + range.size);
      if (!covered) {
        ctx.addIssue({ code: 'custom', path: ['steering', 'ips', index, 'ip'], input: entry.ip, message: `${entry.ip} is not in relay.ips, so its listings are never checked; add it there` });
      }
    });
  });

export type WardenConfig = z.infer<typeof wardenConfigSchema>;
export type ApiScope = WardenConfig['auth']['tokens'][number]['scopes'][number];
