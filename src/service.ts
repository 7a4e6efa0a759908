// The running service: database, migrations, scheduler and HTTP server, with graceful shutdown.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { allJobs } from './jobs';
import { createApp } from './api/app';
import type { WardenConfig } from './config/schema';
import { openDatabase, type Database } from './db/client';
import { HourlyCounter } from './relay/hourly-counter';
import { PolicySnapshot } from './relay/policy-snapshot';
import { PostfixPolicyServer } from './relay/postfix-policy-server';
import { SteeringSnapshot } from './relay/steering-snapshot';
import { SuppressionSnapshot } from './relay/suppression-snapshot';
import { AddressKeyer } from './suppression/address';
import { oneClickKeyPurpose, unsubscribeLinkMaker } from './suppression/one-click';
import type { JobDefinition } from './scheduler/job';
import { newInstanceId, resolveJobs, Scheduler } from './scheduler/scheduler';

export interface RunningService {
  url: string;
  database: Database;
  scheduler?: Scheduler;
  policySnapshot: PolicySnapshot;
  steeringSnapshot: SteeringSnapshot;
  /** The suppression list in memory, when suppression.key is set. */
  suppressionSnapshot?: SuppressionSnapshot;
  /** Where the Postfix policy server listens, when enabled. */
  policyServer?: { host: string; port: number };
  /** Stops scheduling, waits for jobs and requests in flight, closes the database. */
  stop(): Promise<void>;
}

export interface StartServiceOptions {
  config: WardenConfig;
  logger: Logger;
  jobs?: JobDefinition[];
}

export async function startService({ config, logger, jobs = allJobs }: StartServiceOptions): Promise<RunningService> {
  const scheduledJobs = resolveJobs(jobs, config.jobs, config);
  const database = await openDatabase(config.database);
  const instanceId = newInstanceId();
  let scheduler: Scheduler | undefined;
  let server: ServerType | undefined;
  const { policySnapshot, suppressionSnapshot, counter, steeringSnapshot } = relayState(database, config, logger);
  let policyServer: PostfixPolicyServer | undefined;
  let policyAddress: { host: string; port: number } | undefined;
  try {
    await database.migrate();
    logger.info({ engine: database.engine, instanceId }, 'database ready');
    await policySnapshot.start();
    await steeringSnapshot.start();
    await suppressionSnapshot?.start();
    if (!suppressionSnapshot) logger.info('recipient suppression is off (set suppression.key to turn it on)');
    scheduler = new Scheduler(scheduledJobs, { db: database.db, config, logger }, instanceId);
    // The counts behind limits: the Postfix policy server's, and those relays report to the API.
    counter.start();
    const app = createApp({ database, config, logger, jobs: scheduledJobs, scheduler, policySnapshot, hourlyCounter: counter, suppressionSnapshot });
    if (config.relay.policyServer.enabled) {
      policyServer = policyServerOf(config, { policySnapshot, counter, steeringSnapshot, suppressionSnapshot }, logger);
      const address = await policyServer.listen();
      policyAddress = { host: address.address, port: address.port };
      logger.info({ ...policyAddress, senderFrom: config.relay.policyServer.senderFrom }, 'Postfix policy server listening');
    }
    server = await listen(app.fetch, config.server.host, config.server.port);
    if (config.scheduler.enabled) scheduler.start();
  } catch (error) {
    await policyServer?.close().catch(() => {});
    await counter.stop().catch(() => {});
    await policySnapshot.stop().catch(() => {});
    await steeringSnapshot.stop().catch(() => {});
    await suppressionSnapshot?.stop().catch(() => {});
    await scheduler?.stop().catch(() => {});
    await database.close().catch(() => {});
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, engine: database.engine, tokens: config.auth.tokens.length }, 'Relay Warden listening');
  if (config.auth.tokens.length === 0) {
    logger.warn('no API tokens configured (auth.tokens): every /api request will be refused');
  }

  let stopping: Promise<void> | undefined;
  const runningServer = server;
  return {
    url,
    database,
    scheduler,
    policySnapshot,
    steeringSnapshot,
    suppressionSnapshot,
    policyServer: policyAddress,
    stop: () =>
      (stopping ??= (async () => {
        logger.info('shutting down: no new job runs, finishing requests and runs in flight');
        const closed = new Promise<void>((resolve) => runningServer.close(() => resolve()));
        // Keep-alive connections would hold close() open; idle ones can go now.
        if ('closeIdleConnections' in runningServer) runningServer.closeIdleConnections();
        // Postfix gets the answers in flight, then its connections close; it reconnects elsewhere
        // or applies smtpd_policy_service_default_action.
        await Promise.all([scheduler?.stop(), closed, policyServer?.close()]);
        await counter.stop();
        await policySnapshot.stop();
        await steeringSnapshot.stop();
        await suppressionSnapshot?.stop();
        await database.close();
        logger.info('stopped');
      })()),
  };
}

/** What the relay's answers are read from: policies, suppressions, steered IPs in memory, and the hourly counts. */
export function relayState(database: Database, config: WardenConfig, logger: Logger) {
  const policySnapshot = new PolicySnapshot(database, {
    throttleLimitPerHour: config.reputation.throttleLimitPerHour,
    tiers: config.tiers,
    campaigns: config.campaigns,
    refreshSeconds: config.relay.snapshotRefreshSeconds,
    logger: logger.child({ component: 'policy-snapshot' }),
  });
  const suppressionSnapshot = config.suppression.key
    ? new SuppressionSnapshot(database, new AddressKeyer(config.suppression.key), {
        refreshSeconds: config.relay.snapshotRefreshSeconds,
        logger: logger.child({ component: 'suppression-snapshot' }),
      })
    : undefined;
  const counter = new HourlyCounter(database.db, {
    flushMs: config.relay.policyServer.countFlushMs,
    maxPendingEvents: config.relay.policyServer.maxPendingSendEvents,
    logger: logger.child({ component: 'hourly-counter' }),
  });
  const steeringSnapshot = new SteeringSnapshot(database, config.steering, {
    refreshSeconds: config.relay.snapshotRefreshSeconds,
    logger: logger.child({ component: 'steering-snapshot' }),
  });
  return { policySnapshot, suppressionSnapshot, counter, steeringSnapshot };
}

/** The Postfix policy server over that state: refusals, suppressed recipients, one-click headers, steering. */
export function policyServerOf(config: WardenConfig, state: ReturnType<typeof relayState>, logger: Logger): PostfixPolicyServer {
  const { policySnapshot, counter, steeringSnapshot, suppressionSnapshot } = state;
  return new PostfixPolicyServer({
    config: config.relay.policyServer,
    snapshot: policySnapshot,
    counter,
    recordSendEvents: config.relay.policyServer.recordSendEvents,
    steering: steeringSnapshot.enabled ? steeringSnapshot : undefined,
    suppression: suppressionSnapshot,
    unsubscribeLinks:
      suppressionSnapshot && config.suppression.oneClick.baseUrl
        ? unsubscribeLinkMaker(config.suppression.oneClick.baseUrl, config.suppression.oneClick.defaultScope, suppressionSnapshot.keyer.derive(oneClickKeyPurpose), (address) => suppressionSnapshot.keyer.hash(address))
        : undefined,
    logger: logger.child({ component: 'postfix-policy' }),
  });
}

function listen(fetch: Parameters<typeof serve>[0]['fetch'], hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}
