// Re-decides which relay IPs take new mail: quiet periods and warm-backs end with time, not with a
// blocklist run, so this runs every minute (a blocklist run also ends with a pass).
import { runSteeringPass } from '../enforcement/ip-steering';
import type { JobDefinition, JobSummary } from '../scheduler/job';

export const ipSteeringJob: JobDefinition = {
  name: 'ip-steering',
  description: 'Steer new mail away from listed or draining relay IPs, and back after the quiet period',
  defaultSchedule: '* * * * *',
  async run({ db, config }, now): Promise<JobSummary> {
    if (!config.steering.enabled) return { skipped: 'steering.enabled is false', ips: 0, changes: 0 };
    return { ...(await runSteeringPass(db, config.steering, now)) };
  },
  idle: (summary) => summary.changes === 0,
};
