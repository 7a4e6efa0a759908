// Every job Relay Warden schedules. A job is a thin entry point over src/.
import type { JobDefinition } from '../src/scheduler/job';
import { dnsblCheckJob } from './dnsbl-check';
import { pruneHistoryJob } from './prune-history';

export const allJobs: JobDefinition[] = [pruneHistoryJob, dnsblCheckJob];
