// Reads the feedback-loop and bounce mailboxes (IMAP accounts and local stores) and stores each
// message exactly once as facts, or in the quarantine. A source that cannot be read fails the run.
import { ingestMailboxes } from '../ingest/run';
import { IngestError } from '../ingest/errors';
import type { JobDefinition, JobSummary } from '../scheduler/job';

export const ingestMailboxesJob: JobDefinition = {
  name: 'ingest-mailboxes',
  description: 'Read complaint and bounce mail from the IMAP accounts and local stores',
  defaultSchedule: '* * * * *',
  async run({ db, config, logger }, now): Promise<JobSummary> {
    if (config.mailboxes.imap.length + config.mailboxes.local.length === 0) {
      return { skipped: 'no mailboxes.imap or mailboxes.local configured', sources: 0 };
    }
    const summary = await ingestMailboxes({ db, config, logger, now });
    if (summary.failures.length > 0) {
      // The counts are in ingest_runs; the job run carries the reason an operator acts on.
      const first = summary.failures[0]!;
      throw new IngestError(
        first.code as IngestError['code'],
        `${summary.failures.map((failure) => failure.message).join('; ')} (fetched ${summary.fetched}, stored ${summary.stored}, duplicates ${summary.duplicates}, quarantined ${summary.quarantined}, errors ${summary.errors})`,
      );
    }
    return { ...summary };
  },
};
