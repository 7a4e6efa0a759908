// Liveness and readiness: /healthz says the process is up, /readyz that the database answers and
// every migration is applied (so a load balancer sends no traffic to a half-started instance).
// Readiness answers within a bound: a probe that hangs as long as the database does tells a load
// balancer nothing (postgres.js waits up to its connect_timeout, 10 s, for a silent server).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { pingDatabase, type Database } from '../db/client';
import type { ApiEnv } from './env';
import { errorBody, errorResponse, errorReply } from './errors';

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getHealth',
  summary: 'Liveness: the process is up',
  tags: ['health'],
  // No token: load balancers and orchestrators probe it.
  security: [],
  responses: {
    200: { description: 'The process is up', content: { 'application/json': { schema: z.object({ status: z.literal('ok') }) } } },
  },
});

const readyBody = z.object({
  status: z.literal('ready'),
  engine: z.enum(['pglite', 'postgres']),
  migrations: z.object({ applied: z.number(), expected: z.number() }),
});

const readyRoute = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  summary: 'Readiness: the database answers and every migration is applied',
  tags: ['health'],
  security: [],
  responses: {
    200: { description: 'Database reachable and migrations applied', content: { 'application/json': { schema: readyBody } } },
    503: errorReply('Not ready'),
  },
});

/** How long /readyz waits for the database before answering 503. */
export const readinessTimeoutMs = 2_000;

/** The work's result, or a rejection once `ms` have passed (the work itself is left to finish). */
async function withinMs<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

async function checkDatabase(database: Database) {
  await pingDatabase(database.db);
  return database.migrationStatus();
}

export function healthRouter(database: Database) {
  return new OpenAPIHono<ApiEnv>()
    .openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(readyRoute, async (c) => {
      try {
        const migrations = await withinMs(checkDatabase(database), readinessTimeoutMs);
        if (migrations.applied < migrations.expected) {
          return errorResponse(c, 503, 'E_NOT_READY', `migrations pending: ${migrations.applied} of ${migrations.expected} applied`);
        }
        return c.json({ status: 'ready' as const, engine: database.engine, migrations }, 200);
      } catch (error) {
        const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error) : (error as Error);
        return errorResponse(c, 503, 'E_NOT_READY', `database unreachable: ${cause.message}`);
      }
    });
}
