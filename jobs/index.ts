// Every job Relay Warden schedules. A job is a thin entry point over src/.
import type { JobDefinition } from '../src/scheduler/job';
import { deliverAlertsJob } from './deliver-alerts';
import { evaluateReputationJob } from './evaluate-reputation';
import { dnsblCheckJob } from './dnsbl-check';
import { pruneHistoryJob } from './prune-history';
import { pruneSendEventsJob } from './prune-send-events';
import { ingestMailboxesJob } from './ingest-mailboxes';
import { ipSteeringJob } from './ip-steering';

export const allJobs: JobDefinition[] = [ingestMailboxesJob, evaluateReputationJob, dnsblCheckJob, ipSteeringJob, deliverAlertsJob, pruneSendEventsJob, pruneHistoryJob];
