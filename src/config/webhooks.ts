// Alert destinations and routing for on-call. URLs come only from here; secrets through ${ENV}.
import { z } from 'zod';

export const alertSeverities = ['info', 'warning', 'error', 'critical'] as const;
export type AlertSeverity = (typeof alertSeverities)[number];

/** An event type pattern: `sender.suspended`, `sender.*`, `*.listed` or `*`. */
const typePattern = z.string().regex(/^(\*|[a-z0-9_]+)(\.(\*|[a-z0-9_]+))*$/, {
  message: 'expected an event type or a pattern with * segments (sender.*, *.listed)',
});

const destination = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, { message: 'expected letters, digits, - or _' }),
    url: z.url({ protocol: /^https?$/, message: 'expected an absolute http:// or https:// URL' }),
    format: z.enum(['json', 'slack', 'pagerduty', 'teams']).default('json'),
    /** Standard Webhooks signing secret (whsec_<base64>); any other string is used as raw bytes. */
    secret: z.string().min(16).optional(),
    /** PagerDuty Events v2 routing key: the 32-character integration key of an Events API v2 integration. */
    routingKey: z.string().regex(/^[A-Za-z0-9]{32}$/, { message: 'expected the 32-character integration key of a PagerDuty Events API v2 integration (letters and digits)' }).optional(),
    minSeverity: z.enum(alertSeverities).default('warning'),
    /** Event type patterns to send; empty means all. */
    events: z.array(typePattern).default([]),
    timeoutMs: z.number().int().min(100).max(60_000).default(5000),
  })
  .strict()
  .refine((d) => d.format !== 'pagerduty' || d.routingKey, {
    message: 'a pagerduty destination needs routingKey',
    path: ['routingKey'],
  })
  // Change events (notices, tests) go to …/v2/change/enqueue beside the alert-event endpoint.
  .superRefine((d, ctx) => {
    if (d.format !== 'pagerduty' || !URL.canParse(d.url) || /\/v2\/enqueue\/?$/.test(new URL(d.url).pathname)) return;
    ctx.addIssue({ code: 'custom', path: ['url'], input: d.url, message: 'a pagerduty destination posts to the Events API v2 endpoint, e.g. https://events.pagerduty.com/v2/enqueue' });
  });

/** A routing rule: events matching every given condition go to its destinations. */
const route = z
  .object({
    /** Event type patterns; empty means any type. */
    events: z.array(typePattern).default([]),
    /** Subject patterns (`ip:*`, `sender:alice`); empty means any subject. */
    subjects: z.array(z.string().min(1)).default([]),
    minSeverity: z.enum(alertSeverities).default('info'),
    destinations: z.array(z.string()).min(1),
  })
  .strict();

export const webhooksConfig = z
  .object({
    destinations: z.array(destination).default([]),
    /**
     * Routing rules. An event goes to the union of the destinations of every matching rule; with
     * no rules, to every destination. A destination's own minSeverity and events filter apply too.
     */
    routes: z.array(route).default([]),
    /** Quiet period: wait this long after an incident's first event before notifying, gathering its group. */
    groupWaitSeconds: z.number().min(0).max(3600).default(30),
    /** Listings of IPv4 addresses in one network of this prefix length on one zone are one alert. */
    groupIpv4Prefix: z.number().int().min(8).max(32).default(24),
    groupIpv6Prefix: z.number().int().min(16).max(128).default(64),
    retry: z
      .object({
        /** First retry after about this long; doubles each attempt, with full jitter. */
        baseSeconds: z.number().min(0).default(5),
        /** No wait between attempts exceeds this. */
        capSeconds: z.number().min(0).default(600),
      })
      .strict()
      .prefault({}),
    /**
     * A firing alert is sent again this often until it resolves (Alertmanager's repeat_interval);
     * 0 sends it once. PagerDuty folds a repeat into the open incident by its dedup_key.
     */
    repeatIntervalHours: z.number().min(0).default(4),
    /** Give up on a delivery after this long and move it to dead-letter (replayable). */
    giveUpAfterHours: z.number().min(0).default(24),
    /** Bytes of a receiver's response body read and stored with the attempt; the rest is discarded. */
    responseBodyLimitBytes: z.number().int().min(0).max(65_536).default(2048),
  })
  .strict()
  .superRefine((config, ctx) => {
    const names = new Set<string>();
    config.destinations.forEach((d, index) => {
      if (names.has(d.name)) ctx.addIssue({ code: 'custom', path: ['destinations', index, 'name'], message: `duplicate destination name ${d.name}` });
      names.add(d.name);
    });
    config.routes.forEach((r, index) =>
      r.destinations.forEach((name, at) => {
        if (!names.has(name)) {
          ctx.addIssue({ code: 'custom', path: ['routes', index, 'destinations', at], message: `no destination named ${name}` });
        }
      }),
    );
  });

export type WebhooksConfig = z.infer<typeof webhooksConfig>;
export type WebhookDestination = WebhooksConfig['destinations'][number];
