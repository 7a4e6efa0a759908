// Re-evaluates every sender and sending domain with recent traffic or an action in force.
import { evaluateReputation } from '../src/reputation/evaluation';
import type { JobDefinition } from '../src/scheduler/job';

export const evaluateReputationJob: JobDefinition = {
  name: 'evaluate-reputation',
  description: 'Recompute complaint and bounce rates and apply throttle/suspend decisions',
  defaultSchedule: '* * * * *',
  run: ({ db, config }, now) => evaluateReputation(db, config.reputation, now),
};
