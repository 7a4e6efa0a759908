// Runs one job once and records the run; the scheduler and `warden jobs run` both come here.
import { insertEvents } from '../db/events';
import { finishJobRun, insertJobRun, lastFinishedOutcome } from '../db/job-queries';
import type { JobOutcome } from '../db/schema';
import { jobRunSeconds, jobRunsTotal } from '../metrics';
import type { JobDefinition, JobDeps, JobSummary } from './job';

export interface JobRunResult {
  runId: number;
  job: string;
  outcome: Extract<JobOutcome, 'succeeded' | 'failed'>;
  startedAt: Date;
  durationMs: number;
  summary?: JobSummary;
  error?: string;
}

export async function runJobOnce(
  job: JobDefinition,
  deps: JobDeps,
  run: { trigger: 'schedule' | 'manual'; slot: Date | null; instance: string; now?: () => Date },
): Promise<JobRunResult> {
  const now = run.now ?? (() => new Date());
  const startedAt = now();
  const previousOutcome = await lastFinishedOutcome(deps.db, job.name);
  const runId = await insertJobRun(deps.db, {
    job: job.name,
    slot: run.slot,
    trigger: run.trigger,
    instance: run.instance,
    startedAt,
  });
  const logger = deps.logger.child({ job: job.name, runId });
  // A frequent job logs its start at debug; its end says whether anything happened.
  (job.idle ? logger.debug.bind(logger) : logger.info.bind(logger))({ trigger: run.trigger, slot: run.slot }, 'job started');
  const started = performance.now();
  let result: JobRunResult;
  try {
    const summary = await job.run({ ...deps, logger }, startedAt);
    result = { runId, job: job.name, outcome: 'succeeded', startedAt, durationMs: Math.round(performance.now() - started), summary };
    const level = job.idle?.(summary) ? 'debug' : 'info';
    logger[level]({ durationMs: result.durationMs, summary }, 'job succeeded');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    result = { runId, job: job.name, outcome: 'failed', startedAt, durationMs: Math.round(performance.now() - started), error: message };
    logger.error({ durationMs: result.durationMs, err: error }, 'job failed');
  }
  jobRunsTotal.inc({ job: job.name, outcome: result.outcome });
  jobRunSeconds.observe({ job: job.name }, result.durationMs / 1000);
  await finishJobRun(deps.db, runId, {
    outcome: result.outcome,
    finishedAt: new Date(startedAt.getTime() + result.durationMs),
    durationMs: result.durationMs,
    summary: result.summary,
    error: result.error,
  });
  await emitHealthChange(deps, job.name, previousOutcome, result, logger);
  return result;
}

/**
 * A job that starts failing raises `job.failing` (an alert for on-call: a mailbox nobody reads is
 * complaints nobody counts), and `job.recovered` when it next succeeds; repeated failures raise
 * nothing more. Best effort: the run is recorded whether or not the event can be.
 */
async function emitHealthChange(
  deps: JobDeps,
  name: string,
  previous: 'succeeded' | 'failed' | undefined,
  result: JobRunResult,
  logger: JobDeps['logger'],
): Promise<void> {
  const failing = result.outcome === 'failed' && previous !== 'failed';
  const recovered = result.outcome === 'succeeded' && previous === 'failed';
  if (!failing && !recovered) return;
  try {
    await insertEvents(deps.db, [
      {
        type: failing ? 'job.failing' : 'job.recovered',
        severity: failing ? 'error' : 'info',
        subject: `job:${name}`,
        summary: failing ? `job ${name} failed: ${result.error}` : `job ${name} succeeds again`,
        payload: { runId: result.runId, error: result.error ?? null },
        at: new Date(result.startedAt.getTime() + result.durationMs),
      },
    ]);
  } catch (error) {
    logger.error({ err: error }, 'could not record the job health event');
  }
}
