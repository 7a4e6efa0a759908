// Config key `dnsbl`: resolver, zone selection, custom zones, DQS key, confirmations, schedule.
// The addresses and domains checked come from `relay` (relay.ips, relay.domains, relay.maxRangeAddresses).
import { validate as isValidCron } from 'node-cron';
import { z } from 'zod';
import { zoneDefinitionSchema } from './dnsbl-zone';

export const dnsblResolverConfig = z
  .strictObject({
    /** IP of the recursive resolver; null = first `nameserver` in /etc/resolv.conf. */
    nameserver: z.union([z.ipv4(), z.ipv6()]).nullable().default(null),
    port: z.number().int().min(1).max(65535).default(53),
    timeoutMs: z.number().int().min(50).max(60_000).default(2_000),
    /** Further attempts after a timeout or SERVFAIL. */
    retries: z.number().int().min(0).max(10).default(2),
    /** Queries in flight at once, over all zones. */
    concurrency: z.number().int().min(1).max(1_024).default(32),
    /** Per zone; 0 = unlimited. Free lists cap daily volume, so keep it modest. */
    perZoneQueriesPerSecond: z.number().min(0).max(100_000).default(20),
  })
  .prefault({});

export const dnsblConfig = z
  .strictObject({
    enabled: z.boolean().default(true),
    resolver: dnsblResolverConfig,
    /** Catalogue zone ids to add to the default set. */
    enable: z.array(z.string()).default([]),
    /** Catalogue or custom zone ids to leave out. */
    disable: z.array(z.string()).default([]),
    customZones: z.array(zoneDefinitionSchema).default([]),
    /** Spamhaus Data Query Service key: switches ZEN and DBL to the keyed DQS zones. Secret. */
    dqsKey: z
      .string()
      .regex(/^[a-z0-9]{8,64}$/i, 'a DQS key is letters and digits')
      .optional(),
    /** Days of runs and checks kept (listing state and events are kept regardless). */
    historyDays: z.number().int().min(1).max(3650).default(30),
    /** Agreeing checks needed before a listing state changes (no flapping on one answer). */
    confirmations: z.number().int().min(1).max(10).default(2),
    /**
     * node-cron expression, UTC: when the dnsbl-check job runs. `jobs.dnsbl-check.schedule`, when
     * set, takes precedence.
     */
    schedule: z
      .string()
      .refine((text) => isValidCron(text), { message: 'expected a cron expression such as "*/15 * * * *" (5 fields, or 6 with seconds first)' })
      .default('*/15 * * * *'),
  })
  .prefault({});

export type DnsblConfig = z.output<typeof dnsblConfig>;
export type DnsblResolverConfig = z.output<typeof dnsblResolverConfig>;
