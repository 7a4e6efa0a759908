// Wires job definitions to node-cron with the database run coordinator.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import cron, { type ScheduledTask } from 'node-cron';
import { ConfigError } from '../config/config-error';
import { ConflictError, NotFoundError, WardenError } from '../errors';
import { DatabaseRunCoordinator } from './coordinator';
import type { JobDefinition, JobDeps } from './job';
import { runJobOnce, type JobRunResult } from './run-job';

/** A job run asked of a process that runs no scheduler (one started without it, or stopping). */
export class SchedulerNotRunningError extends WardenError {
  constructor() {
    super('E_SCHEDULER_NOT_RUNNING', 'the scheduler is not running in this process', 409);
  }
}

export function newInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export interface ScheduledJob {
  definition: JobDefinition;
  schedule: string;
  enabled: boolean;
}

/**
 * The jobs with their effective schedule from config: `jobs.<name>.schedule`, else the job's own
 * section (`dnsbl.schedule`, when `config` is given), else the default; `jobs.<name>.enabled`.
 */
export function resolveJobs(definitions: JobDefinition[], settings: JobDeps['config']['jobs'], config?: JobDeps['config']): ScheduledJob[] {
  const known = definitions.map((d) => d.name);
  const unknown = Object.keys(settings).filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new ConfigError(
      'warden.yaml',
      unknown.map((name) => ({ key: `jobs.${name}`, message: `unknown job; expected one of: ${known.join(', ')}` })),
    );
  }
  return definitions.map((definition) => ({
    definition,
    schedule:
      settings[definition.name]?.schedule ?? (config && definition.configuredSchedule?.(config)) ?? definition.defaultSchedule,
    enabled: settings[definition.name]?.enabled ?? true,
  }));
}

export class Scheduler {
  readonly coordinator: DatabaseRunCoordinator;
  private readonly tasks: ScheduledTask[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly jobs: ScheduledJob[],
    private readonly deps: JobDeps,
    readonly instanceId: string,
  ) {
    this.coordinator = new DatabaseRunCoordinator(deps.db, instanceId, deps.config.scheduler.leaseSeconds * 1000, deps.logger);
  }

  start(): void {
    const cronLogger = this.deps.logger.child({ component: 'node-cron' });
    for (const job of this.jobs.filter((j) => j.enabled)) {
      const task = cron.schedule(
        job.schedule,
        (context) => this.track(runJobOnce(job.definition, this.deps, { trigger: 'schedule', slot: context.date, instance: this.instanceId })),
        {
          name: job.definition.name,
          noOverlap: true,
          distributed: true,
          runCoordinator: this.coordinator,
          distributedLease: this.deps.config.scheduler.leaseSeconds * 1000,
          logger: {
            info: (message) => cronLogger.debug(message),
            warn: (message) => cronLogger.warn(message),
            error: (message, err) => cronLogger.error({ err }, String(message)),
            debug: (message) => cronLogger.debug(String(message)),
          },
        },
      );
      this.tasks.push(task);
    }
    this.deps.logger.info({ jobs: this.jobs.filter((j) => j.enabled).map((j) => `${j.definition.name} (${j.schedule})`) }, 'scheduler started');
  }

  /** Runs a job now, outside its schedule, unless it is running somewhere (no overlap across instances). */
  async runNow(name: string): Promise<JobRunResult> {
    const job = this.jobs.find((j) => j.definition.name === name);
    if (!job) throw new NotFoundError(`no job named ${name}; known jobs: ${this.jobs.map((j) => j.definition.name).join(', ')}`);
    if (!(await this.coordinator.acquire(name))) {
      throw new ConflictError(`job ${name} is running on another instance; try again when it finishes`);
    }
    try {
      return await this.track(runJobOnce(job.definition, this.deps, { trigger: 'manual', slot: null, instance: this.instanceId }));
    } finally {
      await this.coordinator.release(name);
    }
  }

  /** Stops firing, then waits for runs in flight to finish. */
  async stop(): Promise<void> {
    await Promise.all(this.tasks.map((task) => task.stop()));
    await Promise.allSettled([...this.inFlight]);
    await Promise.all(this.tasks.map((task) => task.destroy()));
    this.tasks.length = 0;
    await this.coordinator.releaseAll();
  }

  private track<T>(promise: Promise<T>): Promise<T> {
    this.inFlight.add(promise);
    void promise.finally(() => this.inFlight.delete(promise)).catch(() => {});
    return promise;
  }
}
