// Every job Relay Warden schedules. A job is a thin entry point over src/.
import type { JobDefinition } from '../src/scheduler/job';
import { deliverAlertsJob } from './deliver-alerts';
import { evaluateReputationJob } from './evaluate-reputation';
import { dnsblCheckJob } from './dnsbl-check';
import { pruneHistoryJob } from './prune-history';
import { pruneSendEventsJob } from './prune-send-events';

export const allJobs: JobDefinition[] = [evaluateReputationJob, dnsblCheckJob, deliverAlertsJob, pruneSendEventsJob, pruneHistoryJob];
