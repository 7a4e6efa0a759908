// Alerts and their webhook deliveries (ops scope): firing and recent alerts, delivery attempts,
// dead-letter replay, and a test alert to a destination.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Logger } from 'pino';
import { replayDeadDeliveries } from '../alerts/replay';
import { sendTestAlert } from '../alerts/test-alert';
import type { WebhooksConfig } from '../config/webhooks';
import type { Db } from '../db/client';
import { deliveriesOfAlert, getAlert, listAlerts, listDeliveries, type AlertRow, type AttemptRow, type DeliveryRow } from '../db/alert-queries';
import { NotFoundError } from '../errors';
import { requireScope } from './auth';
import type { ApiEnv } from './env';
import { authErrorResponses, errorBody, errorReply } from './errors';
import { storableId, storableText } from './storable';

const security = [{ bearer: [] }];

const alertBody = z
  .object({
    id: z.number(),
    dedupKey: z.string(),
    kind: z.string(),
    state: z.enum(['firing', 'resolved']),
    severity: z.enum(['info', 'warning', 'error', 'critical']),
    title: z.string(),
    labels: z.record(z.string(), z.string()),
    subjects: z.array(z.string()),
    openSubjects: z.array(z.string()),
    eventCount: z.number(),
    destinations: z.array(z.string()),
    firstAt: z.string(),
    lastAt: z.string(),
    notifiedAt: z.string().nullable(),
    resolvedAt: z.string().nullable(),
  })
  .openapi('Alert');

const attemptBody = z.object({
  at: z.string(),
  httpStatus: z.number().nullable(),
  latencyMs: z.number(),
  outcome: z.enum(['delivered', 'failed']),
  error: z.string().nullable(),
  responseSnippet: z.string().nullable(),
});

const deliveryBody = z
  .object({
    id: z.number(),
    alertId: z.number().nullable(),
    destination: z.string(),
    kind: z.enum(['trigger', 'resolve', 'notice', 'test']),
    messageId: z.string(),
    status: z.enum(['pending', 'delivered', 'dead']),
    attempts: z.number(),
    createdAt: z.string(),
    nextAttemptAt: z.string(),
    giveUpAt: z.string(),
    deliveredAt: z.string().nullable(),
    lastError: z.string().nullable(),
    attemptLog: z.array(attemptBody).optional(),
  })
  .openapi('AlertDelivery');

const iso = (date: Date | null) => date?.toISOString() ?? null;

const toAlert = (row: AlertRow): z.infer<typeof alertBody> => ({
  id: row.id,
  dedupKey: row.dedupKey,
  kind: row.kind,
  state: row.state,
  severity: row.severity,
  title: row.title,
  labels: row.labels,
  subjects: row.subjects,
  openSubjects: row.openSubjects,
  eventCount: row.eventCount,
  destinations: row.destinations,
  firstAt: row.firstAt.toISOString(),
  lastAt: row.lastAt.toISOString(),
  notifiedAt: iso(row.notifiedAt),
  resolvedAt: iso(row.resolvedAt),
});

export const toDelivery = (row: DeliveryRow & { attemptLog?: AttemptRow[] }): z.infer<typeof deliveryBody> => ({
  id: row.id,
  alertId: row.alertId,
  destination: row.destination,
  kind: row.kind,
  messageId: row.messageId,
  status: row.status,
  attempts: row.attempts,
  createdAt: row.createdAt.toISOString(),
  nextAttemptAt: row.nextAttemptAt.toISOString(),
  giveUpAt: row.giveUpAt.toISOString(),
  deliveredAt: iso(row.deliveredAt),
  lastError: row.lastError,
  attemptLog: row.attemptLog?.map((a) => ({ at: a.at.toISOString(), httpStatus: a.httpStatus, latencyMs: a.latencyMs, outcome: a.outcome, error: a.error, responseSnippet: a.responseSnippet })),
});

const notFound = { 404: errorReply('No such alert, delivery or destination') };

const listAlertsRoute = createRoute({
  method: 'get',
  path: '/alerts',
  operationId: 'listAlerts',
  summary: 'Alerts, firing or resolved',
  tags: ['alerts'],
  security,
  request: {
    query: z.object({
      state: z.enum(['firing', 'resolved']).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: {
    200: { description: 'Firing alerts first, then the most recent', content: { 'application/json': { schema: z.object({ alerts: z.array(alertBody) }) } } },
    ...authErrorResponses,
  },
});

const alertDeliveriesRoute = createRoute({
  method: 'get',
  path: '/alerts/{id}/deliveries',
  operationId: 'listAlertDeliveries',
  summary: "One alert's webhook deliveries with their attempts",
  tags: ['alerts'],
  security,
  request: { params: z.object({ id: storableId }) },
  responses: {
    200: { description: 'The alert and every delivery of it with every attempt', content: { 'application/json': { schema: z.object({ alert: alertBody, deliveries: z.array(deliveryBody) }) } } },
    ...notFound,
    ...authErrorResponses,
  },
});

const listDeliveriesRoute = createRoute({
  method: 'get',
  path: '/alerts/deliveries',
  operationId: 'listDeliveries',
  summary: 'Webhook deliveries of every alert',
  tags: ['alerts'],
  security,
  request: {
    query: z.object({
      status: z.enum(['pending', 'delivered', 'dead']).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(50),
    }),
  },
  responses: {
    200: { description: 'Deliveries, newest first (status=dead: the dead-letter queue)', content: { 'application/json': { schema: z.object({ deliveries: z.array(deliveryBody) }) } } },
    ...authErrorResponses,
  },
});

const replayRoute = createRoute({
  method: 'post',
  path: '/alerts/deliveries/replay',
  operationId: 'replayAlertDeliveries',
  summary: 'Queue dead deliveries again',
  tags: ['alerts'],
  security,
  request: {
    body: {
      content: {
        'application/json': {
          schema: z
            .object({ id: z.number().int().positive().optional(), allDead: z.boolean().optional() })
            .refine((b) => (b.id === undefined) !== (b.allDead !== true), { message: 'give id, or allDead: true' }),
        },
      },
    },
  },
  responses: {
    200: { description: 'Dead deliveries queued again, in their original order', content: { 'application/json': { schema: z.object({ replayed: z.array(deliveryBody) }) } } },
    ...notFound,
    409: errorReply('The delivery is not dead-lettered'),
    ...authErrorResponses,
  },
});

const testRoute = createRoute({
  method: 'post',
  path: '/alerts/test',
  operationId: 'sendTestAlert',
  summary: 'Send a test alert to a destination',
  tags: ['alerts'],
  security,
  request: { body: { content: { 'application/json': { schema: z.object({ destination: storableText.min(1).max(200) }) } } } },
  responses: {
    200: {
      description: 'The test alert was sent (see delivered and the attempt)',
      content: { 'application/json': { schema: z.object({ delivered: z.boolean(), delivery: deliveryBody, attempt: attemptBody.omit({ at: true, outcome: true }) }) } },
    },
    ...notFound,
    ...authErrorResponses,
  },
});

export function alertsRouter(db: Db, config: WebhooksConfig, logger: Logger, clock: () => Date) {
  const router = new OpenAPIHono<ApiEnv>();
  router.use('/alerts', requireScope('ops'));
  router.use('/alerts/*', requireScope('ops'));
  return router
    .openapi(listAlertsRoute, async (c) => {
      const { state, limit } = c.req.valid('query');
      return c.json({ alerts: (await listAlerts(db, { state, limit })).map(toAlert) }, 200);
    })
    .openapi(listDeliveriesRoute, async (c) => {
      const { status, limit } = c.req.valid('query');
      return c.json({ deliveries: (await listDeliveries(db, { status, limit })).map(toDelivery) }, 200);
    })
    .openapi(alertDeliveriesRoute, async (c) => {
      const { id } = c.req.valid('param');
      const alert = await getAlert(db, id);
      if (!alert) throw new NotFoundError(`no alert ${id}`);
      return c.json({ alert: toAlert(alert), deliveries: (await deliveriesOfAlert(db, id)).map(toDelivery) }, 200);
    })
    .openapi(replayRoute, async (c) => {
      const body = c.req.valid('json');
      const replayed = await replayDeadDeliveries(db, config, body.id !== undefined ? { id: body.id } : { allDead: true }, clock());
      c.get('logger').info({ replayed: replayed.map((d) => d.id), by: c.get('principal').name }, 'dead-lettered deliveries replayed');
      return c.json({ replayed: replayed.map(toDelivery) }, 200);
    })
    .openapi(testRoute, async (c) => {
      const { destination } = c.req.valid('json');
      const { delivery, attempt } = await sendTestAlert({ db, config, logger: c.get('logger') ?? logger }, destination, clock());
      return c.json(
        {
          delivered: attempt.ok,
          delivery: toDelivery(delivery),
          attempt: { httpStatus: attempt.httpStatus, latencyMs: attempt.latencyMs, error: attempt.error, responseSnippet: attempt.responseSnippet },
        },
        200,
      );
    });
}
