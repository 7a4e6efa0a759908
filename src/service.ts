// The running service: database, migrations, scheduler and HTTP server, with graceful shutdown.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { allJobs } from '../jobs';
import { createApp } from './api/app';
import type { WardenConfig } from './config/schema';
import { openDatabase, type Database } from './db/client';
import { HourlyCounter } from './relay/hourly-counter';
import { PolicySnapshot } from './relay/policy-snapshot';
import { PostfixPolicyServer } from './relay/postfix-policy-server';
import { SteeringSnapshot } from './relay/steering-snapshot';
import type { JobDefinition } from './scheduler/job';
import { newInstanceId, resolveJobs, Scheduler } from './scheduler/scheduler';

export interface RunningService {
  url: string;
  database: Database;
  scheduler?: Scheduler;
  policySnapshot: PolicySnapshot;
  steeringSnapshot: SteeringSnapshot;
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
  const database = await openDatabase({ url: config.database.url, dataDir: config.database.dataDir });
  const instanceId = newInstanceId();
  let scheduler: Scheduler | undefined;
  let server: ServerType | undefined;
  const policySnapshot = new PolicySnapshot(database, {
    throttleLimitPerHour: config.reputation.throttleLimitPerHour,
    tiers: config.tiers,
    campaigns: config.campaigns,
    refreshSeconds: config.relay.snapshotRefreshSeconds,
    logger: logger.child({ component: 'policy-snapshot' }),
  });
  const counter = new HourlyCounter(database.db, {
    flushMs: config.relay.policyServer.countFlushMs,
    maxPendingEvents: config.relay.policyServer.maxPendingSendEvents,
    logger: logger.child({ component: 'hourly-counter' }),
  });
  const steeringSnapshot = new SteeringSnapshot(database, config.steering, {
    refreshSeconds: config.relay.snapshotRefreshSeconds,
    logger: logger.child({ component: 'steering-snapshot' }),
  });
  let policyServer: PostfixPolicyServer | undefined;
  let policyAddress: { host: string; port: number } | undefined;
  try {
    await database.migrate();
    logger.info({ engine: database.engine, instanceId }, 'database ready');
    await policySnapshot.start();
    await steeringSnapshot.start();
    scheduler = new Scheduler(scheduledJobs, { db: database.db, config, logger }, instanceId);
    // The counts behind limits: the Postfix policy server's, and those relays report to the API.
    counter.start();
    const app = createApp({ database, config, logger, jobs: scheduledJobs, scheduler, policySnapshot, hourlyCounter: counter });
    if (config.relay.policyServer.enabled) {
      policyServer = new PostfixPolicyServer({
        config: config.relay.policyServer,
        snapshot: policySnapshot,
        counter,
        recordSendEvents: config.relay.policyServer.recordSendEvents,
        steering: steeringSnapshot.enabled ? steeringSnapshot : undefined,
        logger: logger.child({ component: 'postfix-policy' }),
      });
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
        await database.close();
        logger.info('stopped');
      })()),
  };
}

function listen(fetch: Parameters<typeof serve>[0]['fetch'], hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port }, () => resolve(server));
    server.once('error', reject);
  });
}
