// The one app factory: builds the hono app from explicit dependencies. `warden serve` wraps it in
// @hono/node-server; tests call app.request() on the same object.
import { OpenAPIHono } from '@hono/zod-openapi';
import { except } from 'hono/combine';
import { requestId } from 'hono/request-id';
import type { Logger } from 'pino';
import type { WardenConfig } from '../config/schema';
import type { Database } from '../db/client';
import { mailboxSourceNames } from '../config/mailboxes';
import { readOperationalState } from '../db/operational-state';
import { httpRequestsTotal, metricsRegistry, watchOperationalState } from '../metrics';
import type { HourlyCounter } from '../relay/hourly-counter';
import type { PolicySnapshot } from '../relay/policy-snapshot';
import type { SuppressionSnapshot } from '../relay/suppression-snapshot';
import { suppressionOf } from '../enforcement/suppression';
import { sendEventRecipientKeyOf } from '../enforcement/suppression-traces';
import type { ScheduledJob, Scheduler } from '../scheduler/scheduler';
import { alertsRouter } from './alerts';
import { campaignsRouter } from './campaigns';
import { clientAddress } from './client-address';
import { authenticate } from './auth';
import { limitBody, smallBodyBytes } from './body-limit';
import { dashboardRouter } from './dashboard';
import { DashboardSessions } from './dashboard-sessions';
import type { ApiEnv } from './env';
import { errorResponse, handleError } from './errors';
import { healthRouter } from './health';
import { steeringRouter } from './ip-steering';
import { ipsRouter } from './ips';
import { jobsRouter } from './jobs';
import { policyRouter } from './policy';
import { acceptedMessagesRouter } from './policy-accepted';
import { mailRouter } from './mail';
import { mailboxesRouter } from './mailboxes';
import { overviewRouter } from './overview';
import { providersRouter } from './providers';
import { eventsPath, sendEventsRouter } from './send-events';
import { subjectsRouter } from './subjects';
import { oneClickRouter } from './one-click';
import { suppressionBatchBodyBytes, suppressionBatchPaths, suppressionCheckRouter } from './suppression-check';
import { suppressionImportPath, suppressionsRouter } from './suppressions';

export interface AppDeps {
  database: Database;
  config: WardenConfig;
  logger: Logger;
  jobs: ScheduledJob[];
  /** Absent in processes that serve the API without scheduling (and in some tests). */
  scheduler?: Scheduler;
  /** Current policies in memory, for the policy API; without it the policy routes are absent. */
  policySnapshot?: PolicySnapshot;
  /**
   * Messages accepted per sender this hour and day, shared with the Postfix policy server: with it,
   * the policy API refuses at a limit and relays report accepted messages to it.
   */
  hourlyCounter?: HourlyCounter;
  /** The suppression list in memory (when suppression.key is set): the relay's recipient checks read it. */
  suppressionSnapshot?: SuppressionSnapshot;
  /** The time; tests pass a fixed one. */
  clock?: () => Date;
  /** Send event rows stored at once past which POST /events answers 503 (default maxEventRowsInFlight). */
  maxEventRowsInFlight?: number;
}

export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<ApiEnv>({
    defaultHook: (result, c) => {
      if (!result.success) {
        const detail = result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
        return errorResponse(c, 400, 'E_VALIDATION', detail);
      }
    },
  });

  app.use('*', requestId());
  app.use('*', clientAddress(deps.config.server.trustedProxies));
  app.use('*', async (c, next) => {
    const logger = deps.logger.child({ requestId: c.get('requestId') });
    c.set('logger', logger);
    const started = performance.now();
    await next();
    const route = c.req.routePath;
    httpRequestsTotal.inc({ method: c.req.method, route, status: c.res.status });
    logger.info({ method: c.req.method, path: c.req.path, status: c.res.status, client: c.get('clientAddress'), durationMs: Math.round(performance.now() - started) }, 'request');
  });
  app.onError(handleError);
  // Every body is small but a batch of send events, of recipients and an import, which their routers
  // (or the line below) limit to their own sizes.
  app.use('*', except([eventsPath, ...suppressionBatchPaths, suppressionImportPath], limitBody(smallBodyBytes)));
  app.use(suppressionBatchPaths[0]!, limitBody(suppressionBatchBodyBytes));
  app.use(suppressionBatchPaths[1]!, limitBody(suppressionBatchBodyBytes));
  app.notFound((c) => errorResponse(c, 404, 'E_NOT_FOUND', `no route for ${c.req.method} ${c.req.path}`));

  app.route('/', healthRouter(deps.database));
  // The gauges of what on-call pages on read this database at each scrape.
  const scope = { sources: mailboxSourceNames(deps.config.mailboxes), destinations: deps.config.webhooks.destinations.map((destination) => destination.name) };
  watchOperationalState(() => readOperationalState(deps.database.db, scope));
  app.get('/metrics', async (c) => c.text(await metricsRegistry.metrics(), 200, { 'content-type': metricsRegistry.contentType }));

  const clock = deps.clock ?? (() => new Date());
  const sessions = deps.config.dashboard.enabled ? new DashboardSessions(deps.config.dashboard, deps.config.auth.tokens, deps.database.db) : undefined;
  app.use('/api/*', authenticate(deps.config.auth.tokens, sessions, clock));
  if (sessions) app.route('/', dashboardRouter(sessions, clock));
  app.route('/api/v1', jobsRouter(deps.database.db, deps.jobs, deps.scheduler));
  const suppression = suppressionOf(deps.database.db, deps.config.suppression);
  app.route('/api/v1', sendEventsRouter(deps.database.db, deps.maxEventRowsInFlight, suppression && sendEventRecipientKeyOf(suppression.keyer)));
  app.route('/api/v1', alertsRouter(deps.database.db, deps.config.webhooks, deps.logger, clock));
  if (deps.policySnapshot) app.route('/api/v1', policyRouter(deps.policySnapshot, deps.config.reputation.throttleLimitPerHour, deps.config.tiers, clock, deps.hourlyCounter));
  if (deps.hourlyCounter) app.route('/api/v1', acceptedMessagesRouter(deps.hourlyCounter, clock));
  app.route('/api/v1', subjectsRouter(deps.database.db, 'sender', deps.config.reputation, deps.config.tiers, clock));
  app.route('/api/v1', subjectsRouter(deps.database.db, 'domain', deps.config.reputation, deps.config.tiers, clock));
  // Before ipsRouter: /ips/usable is not an /ips/{ip}.
  app.route('/api/v1', steeringRouter(deps.database.db, deps.config.steering, clock));
  app.route('/api/v1', ipsRouter(deps.database.db, deps.config.dnsbl, deps.config.steering.blameWindowHours));
  app.route('/api/v1', mailRouter(deps.database.db));
  app.route('/api/v1', mailboxesRouter(deps.database.db, deps.config, deps.logger, clock));
  app.route('/api/v1', overviewRouter(deps.database.db, deps.config.reputation, clock));
  app.route('/api/v1', providersRouter(deps.database.db, clock));
  app.route('/api/v1', campaignsRouter(deps.database.db, deps.config.reputation, clock));
  app.route('/api/v1', suppressionCheckRouter(deps.config.suppression, deps.suppressionSnapshot, suppression?.tokenKey, clock));
  app.route('/api/v1', suppressionsRouter(deps.database.db, suppression, deps.suppressionSnapshot, clock));
  // Outside /api: a receiver's one-click POST carries no credentials (RFC 8058 §3.2).
  app.route('/', oneClickRouter(suppression, clock));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.doc('/openapi.json', {
    openapi: '3.0.3',
    info: { title: 'Relay Warden API', version: '1', license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' } },
    // Relative to wherever the document was fetched from: one server per deployment.
    servers: [{ url: '/' }],
  });
  return app;
}

export type WardenApp = ReturnType<typeof createApp>;
