// Liveness and readiness: /healthz says the process is up, /readyz that the database answers and
// every migration is applied (so a load balancer sends no traffic to a half-started instance).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import type { ApiEnv } from './env';
import { errorBody, errorResponse } from './errors';

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: ['health'],
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
  tags: ['health'],
  responses: {
    200: { description: 'Database reachable and migrations applied', content: { 'application/json': { schema: readyBody } } },
    503: { description: 'Not ready', content: { 'application/json': { schema: errorBody } } },
  },
});

export function healthRouter(database: Database) {
  return new OpenAPIHono<ApiEnv>()
    .openapi(healthRoute, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(readyRoute, async (c) => {
      try {
        await database.db.execute(sql`select 1`);
        const migrations = await database.migrationStatus();
        if (migrations.applied < migrations.expected) {
          return errorResponse(c, 503, 'E_NOT_READY', `migrations pending: ${migrations.applied} of ${migrations.expected} applied`);
        }
        return c.json({ status: 'ready' as const, engine: database.engine, migrations }, 200);
      } catch (error) {
        return errorResponse(c, 503, 'E_NOT_READY', `database unreachable: ${(error as Error).message}`);
      }
    });
}
