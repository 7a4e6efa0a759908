// Jobs and their run history (ops scope).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { latestJobRuns, listJobRuns } from '../db/job-queries';
import type { Db } from '../db/client';
import { SchedulerNotRunningError, type ScheduledJob, type Scheduler } from '../scheduler/scheduler';
import { requireScope } from './auth';
import type { ApiEnv } from './env';
import { authErrorResponses, errorBody, errorReply } from './errors';
import { jsonObject, nullableJsonObject } from './json-object';
import { storableText } from './storable';

const jobRun = z
  .object({
    id: z.number(),
    job: z.string(),
    slot: z.string().nullable(),
    trigger: z.enum(['schedule', 'manual']),
    instance: z.string(),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    durationMs: z.number().nullable(),
    outcome: z.enum(['running', 'succeeded', 'failed', 'abandoned']),
    summary: nullableJsonObject,
    error: z.string().nullable(),
  })
  .openapi('JobRun');

type JobRunRow = Awaited<ReturnType<typeof listJobRuns>>[number];
const toJobRun = (row: JobRunRow): z.infer<typeof jobRun> => ({
  ...row,
  slot: row.slot?.toISOString() ?? null,
  startedAt: row.startedAt.toISOString(),
  finishedAt: row.finishedAt?.toISOString() ?? null,
});

const security = [{ bearer: [] }];

const listJobsRoute = createRoute({
  method: 'get',
  path: '/jobs',
  operationId: 'listJobs',
  summary: 'Jobs with their schedules and last runs',
  tags: ['jobs'],
  security,
  responses: {
    200: {
      description: 'Every job with its schedule and latest run',
      content: {
        'application/json': {
          schema: z.object({
            jobs: z.array(
              z.object({ name: z.string(), description: z.string(), schedule: z.string(), enabled: z.boolean(), lastRun: jobRun.nullable() }),
            ),
          }),
        },
      },
    },
    ...authErrorResponses,
  },
});

const listRunsRoute = createRoute({
  method: 'get',
  path: '/jobs/runs',
  operationId: 'listJobRuns',
  summary: 'Recent job runs with their summaries',
  tags: ['jobs'],
  security,
  request: {
    query: z.object({
      job: storableText.optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: {
    200: { description: 'Recent runs, newest first', content: { 'application/json': { schema: z.object({ runs: z.array(jobRun) }) } } },
    ...authErrorResponses,
  },
});

const runNowRoute = createRoute({
  method: 'post',
  path: '/jobs/{name}/run',
  operationId: 'runJob',
  summary: 'Run a job now',
  tags: ['jobs'],
  security,
  request: { params: z.object({ name: storableText }) },
  responses: {
    200: {
      description: 'The job ran (see outcome)',
      content: { 'application/json': { schema: z.object({ runId: z.number(), outcome: z.string(), durationMs: z.number(), summary: jsonObject.optional(), error: z.string().optional() }) } },
    },
    404: errorReply('No such job'),
    409: errorReply('The job is running on another instance (E_CONFLICT), or this process runs no scheduler (E_SCHEDULER_NOT_RUNNING)'),
    ...authErrorResponses,
  },
});

export function jobsRouter(db: Db, jobs: ScheduledJob[], scheduler: Scheduler | undefined) {
  const router = new OpenAPIHono<ApiEnv>();
  router.use('/jobs', requireScope('ops'));
  router.use('/jobs/*', requireScope('ops'));
  return router
    .openapi(listJobsRoute, async (c) => {
      const latest = new Map((await latestJobRuns(db)).map((run) => [run.job, run]));
      return c.json(
        {
          jobs: jobs.map((job) => {
            const last = latest.get(job.definition.name);
            return {
              name: job.definition.name,
              description: job.definition.description,
              schedule: job.schedule,
              enabled: job.enabled,
              lastRun: last ? toJobRun(last) : null,
            };
          }),
        },
        200,
      );
    })
    .openapi(listRunsRoute, async (c) => {
      const { job, limit } = c.req.valid('query');
      return c.json({ runs: (await listJobRuns(db, { job, limit })).map(toJobRun) }, 200);
    })
    .openapi(runNowRoute, async (c) => {
      if (!scheduler) throw new SchedulerNotRunningError();
      const result = await scheduler.runNow(c.req.valid('param').name);
      return c.json({ runId: result.runId, outcome: result.outcome, durationMs: result.durationMs, summary: result.summary, error: result.error }, 200);
    });
}
