// Deletes job run history, mailbox run records and delivered alert deliveries (with their
// attempts) older than scheduler.historyDays, suppression entries removed or expired that long ago,
// and fire claims older than two days.
import { pruneDeliveredAlerts } from '../db/alert-queries';
import { pruneIngestRuns } from '../db/ingest-queries';
import { pruneJobHistory } from '../db/job-queries';
import { pruneEntries } from '../db/suppression-queries';
import type { JobDefinition } from '../scheduler/job';

const dayMs = 86_400_000;

export const pruneHistoryJob: JobDefinition = {
  name: 'prune-history',
  description: 'Delete old job runs, mailbox runs, delivered alert deliveries, removed or expired suppression entries and scheduler fire claims',
  defaultSchedule: '17 3 * * *',
  async run({ db, config }, now) {
    const runsBefore = new Date(now.getTime() - config.scheduler.historyDays * dayMs);
    // A fire claim only matters while some instance could still fire that slot.
    const firesBefore = new Date(now.getTime() - 2 * dayMs);
    const jobs = await pruneJobHistory(db, runsBefore, firesBefore);
    const ingestRunsDeleted = await pruneIngestRuns(db, runsBefore);
    const deliveriesDeleted = await pruneDeliveredAlerts(db, runsBefore);
    const suppressionEntriesDeleted = await pruneEntries(db, runsBefore);
    return { ...jobs, ingestRunsDeleted, deliveriesDeleted, suppressionEntriesDeleted };
  },
};
