// What a job is: a function of its dependencies and the current time that returns a summary.
import type { Logger } from 'pino';
import type { WardenConfig } from '../config/schema';
import type { Db } from '../db/client';

export interface JobDeps {
  db: Db;
  config: WardenConfig;
  logger: Logger;
}

/** Counts and figures a run reports; stored with the run and printed by `warden jobs run`. */
export type JobSummary = Record<string, unknown>;

export interface JobDefinition {
  /** Lowercase words joined by '-': the key in config `jobs:` and in the API. */
  name: string;
  description: string;
  /** node-cron expression (5 fields, or 6 with seconds first) used unless config overrides it. */
  defaultSchedule: string;
  /**
   * A schedule the job's own config section sets (`dnsbl.schedule`); `jobs.<name>.schedule`
   * still takes precedence over it.
   */
  configuredSchedule?: (config: WardenConfig) => string | undefined;
  run: (deps: JobDeps, now: Date) => Promise<JobSummary>;
  /**
   * For jobs that fire every few seconds: a run whose summary this accepts (nothing happened) is
   * logged at debug instead of info. Failures are always logged.
   */
  idle?: (summary: JobSummary) => boolean;
}
