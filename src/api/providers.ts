// Mailbox providers (ops scope): the recipient domains we send most to, with what each did with
// our mail over 24 hours and 7 days. Blocks are counted apart: they judge our IP or content.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Db } from '../db/client';
import { busiestKeys } from '../db/rate-series';
import { windowStarts, windowStats } from '../db/rollups';
import { zeroCounts, type RollupCounts } from '../reputation/counts';
import { requireScope } from './auth';
import type { ApiEnv } from './env';
import { authErrorResponses } from './errors';
import { countsFields } from './overview';

const windowCounts = z.object({
  ...countsFields,
  complaintRate: z.number(),
  hardBounceRate: z.number(),
  blockedRate: z.number(),
});

const providersRoute = createRoute({
  method: 'get',
  path: '/providers',
  operationId: 'listProviders',
  summary: 'Mailbox providers by volume, with what each did with our mail',
  tags: ['dashboard'],
  security: [{ bearer: [] }],
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }) },
  responses: {
    200: {
      description: 'Recipient domains by volume over the last 7 UTC days, busiest first',
      content: {
        'application/json': {
          schema: z.object({ providers: z.array(z.object({ domain: z.string(), '24h': windowCounts, '7d': windowCounts }).openapi('Provider')) }),
        },
      },
    },
    ...authErrorResponses,
  },
});

const withRates = (counts: RollupCounts) => {
  const rate = (part: number) => (counts.sent > 0 ? part / counts.sent : 0);
  return { ...counts, complaintRate: rate(counts.complaints), hardBounceRate: rate(counts.hardBounces), blockedRate: rate(counts.blocked) };
};

export function providersRouter(db: Db, clock: () => Date) {
  const router = new OpenAPIHono<ApiEnv>();
  router.use('/providers', requireScope('ops'));
  return router.openapi(providersRoute, async (c) => {
    const { limit } = c.req.valid('query');
    const now = clock();
    const domains = await busiestKeys(db, 'recipient_domain', windowStarts(now).since7d, limit);
    const stats = await windowStats(db, 'recipient_domain', now, domains);
    const providers = domains.map((domain) => {
      const windows = stats.get(domain);
      return { domain, '24h': withRates(windows?.['24h'] ?? zeroCounts()), '7d': withRates(windows?.['7d'] ?? zeroCounts()) };
    });
    return c.json({ providers }, 200);
  });
}
