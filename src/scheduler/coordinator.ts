// node-cron's RunCoordinator backed by the database, so N instances sharing one database run
// each scheduled fire once, and never two runs of the same job at a time.
import type { RunCoordinator } from 'node-cron';
import type { Logger } from 'pino';
import type { Db } from '../db/client';
import { acquireJobLease, claimJobFire, releaseJobLease, renewJobLease } from '../db/job-queries';

export class DatabaseRunCoordinator implements RunCoordinator {
  private readonly renewals = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly db: Db,
    /** Unique per process: host, pid and a random part. */
    readonly holder: string,
    private readonly leaseMs: number,
    private readonly logger: Logger,
  ) {}

  /** node-cron keys a fire as `<task name>:<slot ISO time>`; job names hold no ':'. */
  async shouldRun(key: string): Promise<boolean> {
    const separator = key.indexOf(':');
    const job = key.slice(0, separator);
    const slot = new Date(key.slice(separator + 1));
    if (!(await this.acquire(job))) {
      this.logger.debug({ job, slot }, 'fire skipped: the job is running on another instance');
      return false;
    }
    if (await claimJobFire(this.db, job, slot, this.holder)) return true;
    await this.release(job);
    this.logger.debug({ job, slot }, 'fire skipped: another instance ran this fire');
    return false;
  }

  async onComplete(key: string): Promise<void> {
    await this.release(key.slice(0, key.indexOf(':')));
  }

  /** Takes the job's lease and keeps renewing it until release(); false if another holds it. */
  async acquire(job: string): Promise<boolean> {
    if (!(await acquireJobLease(this.db, job, this.holder, this.leaseMs))) return false;
    const renewal = setInterval(() => {
      renewJobLease(this.db, job, this.holder, this.leaseMs).then(
        (held) => {
          if (!held) this.logger.warn({ job }, 'job lease lost: another instance may run the job concurrently');
        },
        (error: unknown) => this.logger.warn({ job, err: error }, 'job lease renewal failed'),
      );
    }, Math.max(250, Math.floor(this.leaseMs / 3)));
    renewal.unref();
    this.renewals.set(job, renewal);
    return true;
  }

  /** Leases this process still holds (runs that did not finish before shutdown). */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.renewals.keys()].map((job) => this.release(job)));
  }

  async release(job: string): Promise<void> {
    clearInterval(this.renewals.get(job));
    this.renewals.delete(job);
    await releaseJobLease(this.db, job, this.holder);
  }
}
