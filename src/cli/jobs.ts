import { allJobs } from '../jobs';
import { openDatabase } from '../db/client';
import { latestJobRuns } from '../db/job-queries';
import { createLogger } from '../logger';
import { newInstanceId, resolveJobs, Scheduler } from '../scheduler/scheduler';
import type { CliCommand } from './command';

const usage = `Usage: warden jobs list [--json]
       warden jobs run <name>

list   every job with its schedule (config jobs.<name>.schedule or the default) and its latest run
       (--json: an array of {name, schedule, enabled, description, lastRun})
run    run one job now, print its summary as JSON; exits 1 if the run failed, or if the job is
       running on another instance sharing the database`;

export const jobsCommand: CliCommand = {
  name: 'jobs',
  usage,
  async run(argv, ctx) {
    const json = argv.includes('--json');
    const args = argv.filter((arg) => arg !== '--json');
    const [action, name, ...rest] = args;
    if (!(action === 'list' && !name) && !(action === 'run' && name && rest.length === 0)) {
      ctx.stderr(`${usage}\n`);
      return 2;
    }
    const config = await ctx.loadConfig();
    const jobs = resolveJobs(allJobs, config.jobs, config);
    if (action === 'run' && !jobs.some((job) => job.definition.name === name)) {
      ctx.stderr(`warden jobs: no job named ${name}; known jobs: ${jobs.map((job) => job.definition.name).join(', ')}\n`);
      return 1;
    }
    const database = await openDatabase(config.database);
    try {
      await database.migrate();
      if (action === 'list') {
        const latest = new Map((await latestJobRuns(database.db)).map((run) => [run.job, run]));
        if (json) {
          const list = jobs.map((job) => ({ name: job.definition.name, schedule: job.schedule, enabled: job.enabled, description: job.definition.description, lastRun: latest.get(job.definition.name) ?? null }));
          ctx.stdout(`${JSON.stringify(list, null, 2)}\n`);
          return 0;
        }
        const rows = jobs.map((job) => {
          const last = latest.get(job.definition.name);
          return [
            job.definition.name,
            job.enabled ? job.schedule : `${job.schedule} (disabled)`,
            last ? `${last.outcome} ${last.startedAt.toISOString()}` : 'never run',
            job.definition.description,
          ];
        });
        ctx.stdout(formatTable(['JOB', 'SCHEDULE', 'LAST RUN', 'DESCRIPTION'], rows));
        return 0;
      }
      const logger = createLogger(config.log.level === 'info' ? 'warn' : config.log.level, process.stderr as never);
      const scheduler = new Scheduler(jobs, { db: database.db, config, logger }, newInstanceId());
      const result = await scheduler.runNow(name!);
      ctx.stdout(`${JSON.stringify(result, null, 2)}\n`);
      return result.outcome === 'succeeded' ? 0 : 1;
    } finally {
      await database.close();
    }
  },
};

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}
