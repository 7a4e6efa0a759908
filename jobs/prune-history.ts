// Deletes job run history older than scheduler.historyDays, and fire claims older than two days.
import { pruneJobHistory } from '../src/db/job-queries';
import type { JobDefinition } from '../src/scheduler/job';

const dayMs = 86_400_000;

export const pruneHistoryJob: JobDefinition = {
  name: 'prune-history',
  description: 'Delete old job run history and scheduler fire claims',
  defaultSchedule: '17 3 * * *',
  async run({ db, config }, now) {
    const runsBefore = new Date(now.getTime() - config.scheduler.historyDays * dayMs);
    // A fire claim only matters while some instance could still fire that slot.
    const firesBefore = new Date(now.getTime() - 2 * dayMs);
    return pruneJobHistory(db, runsBefore, firesBefore);
  },
};
