// The running service: database, migrations, scheduler and HTTP server, with graceful shutdown.
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { allJobs } from '../jobs';
import { createApp } from './api/app';
import type { WardenConfig } from './config/schema';
import { openDatabase, type Database } from './db/client';
import type { JobDefinition } from './scheduler/job';
import { newInstanceId, resolveJobs, Scheduler } from './scheduler/scheduler';

export interface RunningService {
  url: string;
  database: Database;
  scheduler?: Scheduler;
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
  try {
    await database.migrate();
    logger.info({ engine: database.engine, instanceId }, 'database ready');
    scheduler = new Scheduler(scheduledJobs, { db: database.db, config, logger }, instanceId);
    const app = createApp({ database, config, logger, jobs: scheduledJobs, scheduler });
    server = await listen(app.fetch, config.server.host, config.server.port);
    if (config.scheduler.enabled) scheduler.start();
  } catch (error) {
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
    stop: () =>
      (stopping ??= (async () => {
        logger.info('shutting down: no new job runs, finishing requests and runs in flight');
        const closed = new Promise<void>((resolve) => runningServer.close(() => resolve()));
        // Keep-alive connections would hold close() open; idle ones can go now.
        if ('closeIdleConnections' in runningServer) runningServer.closeIdleConnections();
        await Promise.all([scheduler?.stop(), closed]);
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
