// Deletes raw send events past reputation.eventRetentionDays (the rollups keep their counts), and
// the relay's hourly message counts of past hours.
import { pruneSendEvents } from '../db/send-events';
import { pruneHourlyCounts } from '../db/hourly-counts';
import type { JobDefinition } from '../scheduler/job';

export const pruneSendEventsJob: JobDefinition = {
  name: 'prune-send-events',
  description: 'Delete raw send events older than reputation.eventRetentionDays (rollups stay)',
  defaultSchedule: '41 * * * *',
  async run({ db, config }, now) {
    const before = new Date(now.getTime() - config.reputation.eventRetentionDays * 86_400_000);
    const deleted = await pruneSendEvents(db, before);
    // A throttle limit is per hour; a day of counts is kept for the dashboard and for debugging.
    const hourlyCountsDeleted = await pruneHourlyCounts(db, new Date(now.getTime() - 86_400_000));
    return { deleted, hourlyCountsDeleted, before: before.toISOString() };
  },
};
