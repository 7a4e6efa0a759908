// Mailbox ingestion at a glance (ops scope): each source's latest run and its counts over the last
// 24 hours, the recent runs, and a retry of a quarantined message (analyze its stored bytes again).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { countOpenQuarantine, ingestSourceSummaries, recentIngestRuns } from '../db/ingest-queries';
import { retryQuarantined } from '../ingest/retry';
import type { IngestDeps } from '../ingest/batch';
import { requireScope } from './auth';
import type { ApiEnv } from './env';
import { authErrorResponses, errorBody, errorReply } from './errors';
import { storableId } from './storable';

const security = [{ bearer: [] }];

const ingestRun = z
  .object({
    id: z.number(),
    source: z.string(),
    startedAt: z.string(),
    durationMs: z.number(),
    outcome: z.enum(['succeeded', 'failed']),
    fetched: z.number(),
    stored: z.number(),
    duplicates: z.number(),
    quarantined: z.number(),
    errors: z.number(),
    errorCode: z.string().nullable(),
    error: z.string().nullable(),
  })
  .openapi('IngestRun');

const totals = z.object({
  runs: z.number(),
  failed: z.number(),
  fetched: z.number(),
  stored: z.number(),
  duplicates: z.number(),
  quarantined: z.number(),
  errors: z.number(),
});

const mailboxesRoute = createRoute({
  method: 'get',
  path: '/mailboxes',
  operationId: 'listMailboxes',
  summary: 'Mailbox sources with their recent runs',
  tags: ['mail'],
  security,
  request: { query: z.object({ runs: z.coerce.number().int().min(1).max(500).default(50) }) },
  responses: {
    200: {
      description: 'Every source read so far with its latest run and its totals over 24 hours; the latest runs of all sources',
      content: {
        'application/json': {
          schema: z.object({
            sources: z.array(z.object({ source: z.string(), latest: ingestRun, last24h: totals })),
            runs: z.array(ingestRun),
            quarantineOpen: z.number(),
          }),
        },
      },
    },
    ...authErrorResponses,
  },
});

const retryRoute = createRoute({
  method: 'post',
  path: '/quarantine/{id}/retry',
  operationId: 'retryQuarantined',
  summary: 'Analyze a quarantined message again',
  tags: ['mail'],
  security,
  request: { params: z.object({ id: storableId }) },
  responses: {
    200: {
      description: 'The message was analyzed again: resolved with its facts stored, or still quarantined with the new reason',
      content: {
        'application/json': {
          schema: z.object({ id: z.number(), resolved: z.boolean(), facts: z.number(), reasonCode: z.string().nullable(), reason: z.string().nullable() }),
        },
      },
    },
    404: errorReply('No such quarantine entry'),
    ...authErrorResponses,
  },
});

type IngestRunRow = Awaited<ReturnType<typeof recentIngestRuns>>[number];
const toRun = ({ details: _details, ...row }: IngestRunRow): z.infer<typeof ingestRun> => ({ ...row, startedAt: row.startedAt.toISOString() });

export function mailboxesRouter(db: Db, config: IngestDeps['config'], logger: Logger, clock: () => Date) {
  const router = new OpenAPIHono<ApiEnv>();
  router.use('/mailboxes', requireScope('ops'));
  router.use('/quarantine/*', requireScope('ops'));
  return router
    .openapi(mailboxesRoute, async (c) => {
      const now = clock();
      const [sources, runs, quarantineOpen] = await Promise.all([
        ingestSourceSummaries(db, new Date(now.getTime() - 86_400_000)),
        recentIngestRuns(db, c.req.valid('query').runs),
        countOpenQuarantine(db),
      ]);
      return c.json(
        { sources: sources.map((s) => ({ source: s.source, latest: toRun(s.latest), last24h: s.since })), runs: runs.map(toRun), quarantineOpen: Number(quarantineOpen) },
        200,
      );
    })
    .openapi(retryRoute, async (c) => {
      const { id } = c.req.valid('param');
      const outcome = await retryQuarantined({ db, config, logger: c.get('logger') ?? logger, now: clock() }, id);
      c.get('logger').info({ quarantineId: id, resolved: outcome.resolved, by: c.get('principal').name }, 'quarantined message retried');
      return c.json(outcome, 200);
    });
}
