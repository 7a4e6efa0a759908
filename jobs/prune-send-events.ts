// Deletes raw send events past reputation.eventRetentionDays; the rollups keep their counts.
import { pruneSendEvents } from '../src/db/send-events';
import type { JobDefinition } from '../src/scheduler/job';

export const pruneSendEventsJob: JobDefinition = {
  name: 'prune-send-events',
  description: 'Delete raw send events older than reputation.eventRetentionDays (rollups stay)',
  defaultSchedule: '41 * * * *',
  async run({ db, config }, now) {
    const before = new Date(now.getTime() - config.reputation.eventRetentionDays * 86_400_000);
    return { deleted: await pruneSendEvents(db, before), before: before.toISOString() };
  },
};
