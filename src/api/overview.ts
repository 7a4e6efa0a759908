// Read models of the dashboard's overview (ops scope): how many senders and domains each action
// applies to, open quarantine and firing alerts; the whole relay's complaint and hard-bounce rates
// over time against the configured lines; daily counts of a few keys for sparklines.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { ReputationConfig } from '../config/reputation';
import type { Db } from '../db/client';
import { countFiringAlerts } from '../db/alert-queries';
import { countOpenQuarantine } from '../db/ingest-queries';
import { dailyCountsOf, relayCounts } from '../db/rate-series';
import { countByAction } from '../db/subjects';
import { fillSeries, seriesRange } from '../reputation/series';
import { requireScope } from './auth';
import type { ApiEnv } from './env';
import { authErrorResponses } from './errors';
import { storableText } from './storable';

const security = [{ bearer: [] }];
const actionCounts = z.object({ allow: z.number(), warn: z.number(), throttle: z.number(), suspend: z.number() });
const thresholds = z.object({ warn: z.number(), throttle: z.number(), suspend: z.number() });

/** The counters of a rollup row, as response fields. */
export const countsFields = {
  sent: z.number(),
  delivered: z.number(),
  complaints: z.number(),
  hardBounces: z.number(),
  softBounces: z.number(),
  blocked: z.number(),
};
const seriesPoint = z.object({ at: z.string(), ...countsFields, complaintRate: z.number(), hardBounceRate: z.number() }).openapi('RatePoint');

const overviewRoute = createRoute({
  method: 'get',
  path: '/overview',
  operationId: 'getOverview',
  summary: 'Senders and domains by action, open quarantine, firing alerts',
  tags: ['dashboard'],
  security,
  responses: {
    200: {
      description: 'Senders and sender domains per action in force now, open quarantine entries, firing alerts',
      content: {
        'application/json': {
          schema: z.object({ senders: actionCounts, domains: actionCounts, quarantineOpen: z.number(), alertsFiring: z.number() }).openapi('Overview'),
        },
      },
    },
    ...authErrorResponses,
  },
});

const relayRatesRoute = createRoute({
  method: 'get',
  path: '/rates/relay',
  operationId: 'getRelayRates',
  summary: "The whole relay's rates per hour or day, with the lines",
  tags: ['dashboard'],
  security,
  request: {
    query: z.object({
      bucket: z.enum(['hour', 'day']).default('hour'),
      count: z.coerce.number().int().min(1).max(24 * 31).default(48).openapi({ description: 'buckets, ending with the current one' }),
    }),
  },
  responses: {
    200: {
      description: 'The whole relay per hour or UTC day (counted per relay IP), oldest first, with the configured complaint and hard-bounce lines',
      content: {
        'application/json': {
          schema: z.object({ bucket: z.enum(['hour', 'day']), points: z.array(seriesPoint), complaintRate: thresholds, hardBounceRate: thresholds }).openapi('RelayRates'),
        },
      },
    },
    ...authErrorResponses,
  },
});

const keysParam = z
  .union([storableText.min(1).max(320), z.array(storableText.min(1).max(320)).max(200)])
  .transform((keys) => (Array.isArray(keys) ? keys : [keys]))
  .openapi({ description: 'one key per `keys` parameter (repeat it), at most 200' });

const dailyRatesRoute = createRoute({
  method: 'get',
  path: '/rates/daily',
  operationId: 'getDailyRates',
  summary: 'Daily counts per sender, domain, IP or provider',
  tags: ['dashboard'],
  security,
  request: {
    query: z.object({
      dimension: z.enum(['sender', 'sender_domain', 'recipient_domain', 'ip']),
      keys: keysParam,
      days: z.coerce.number().int().min(1).max(30).default(14),
    }),
  },
  responses: {
    200: {
      description: 'Daily counts per key (UTC days ending today), oldest first, zeros where nothing happened',
      content: { 'application/json': { schema: z.object({ series: z.record(z.string(), z.array(seriesPoint)) }) } },
    },
    ...authErrorResponses,
  },
});

const toPoint = (point: ReturnType<typeof fillSeries>[number]) => ({ ...point, at: point.at.toISOString() });

export function overviewRouter(db: Db, rules: ReputationConfig, clock: () => Date) {
  const router = new OpenAPIHono<ApiEnv>();
  for (const path of ['/overview', '/rates/*']) router.use(path, requireScope('ops'));
  return router
    .openapi(overviewRoute, async (c) => {
      const now = clock();
      const [senders, domains, quarantineOpen, alertsFiring] = await Promise.all([
        countByAction(db, 'sender', now),
        countByAction(db, 'domain', now),
        countOpenQuarantine(db),
        countFiringAlerts(db),
      ]);
      return c.json({ senders, domains, quarantineOpen: Number(quarantineOpen), alertsFiring: Number(alertsFiring) }, 200);
    })
    .openapi(relayRatesRoute, async (c) => {
      const { bucket, count } = c.req.valid('query');
      const { from, to } = seriesRange(clock(), bucket, count);
      const points = fillSeries(await relayCounts(db, bucket, from, to), from, count, bucket).map(toPoint);
      const line = (t: ReputationConfig['complaintRate']) => ({ warn: t.warn, throttle: t.throttle, suspend: t.suspend });
      return c.json({ bucket, points, complaintRate: line(rules.complaintRate), hardBounceRate: line(rules.hardBounceRate) }, 200);
    })
    .openapi(dailyRatesRoute, async (c) => {
      const { dimension, keys, days } = c.req.valid('query');
      const { from, to } = seriesRange(clock(), 'day', days);
      const rowsByKey = new Map<string, { at: Date }[]>();
      for (const row of await dailyCountsOf(db, dimension, keys, from, to)) {
        rowsByKey.set(row.key, [...(rowsByKey.get(row.key) ?? []), { ...row, at: new Date(row.day) }]);
      }
      const series = Object.fromEntries(keys.map((key) => [key, fillSeries(rowsByKey.get(key) ?? [], from, days, 'day').map(toPoint)]));
      return c.json({ series }, 200);
    });
}
