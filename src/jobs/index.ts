// Every job Relay Warden schedules. A job is a function of its dependencies and the time (see
// scheduler/job.ts) over the rest of src/; jobs/ at the top level runs one from a shell.
import type { JobDefinition } from '../scheduler/job';
import { deliverAlertsJob } from './deliver-alerts';
import { evaluateReputationJob } from './evaluate-reputation';
import { dnsblCheckJob } from './dnsbl-check';
import { pruneHistoryJob } from './prune-history';
import { pruneSendEventsJob } from './prune-send-events';
import { ingestMailboxesJob } from './ingest-mailboxes';
import { ipSteeringJob } from './ip-steering';

export const allJobs: JobDefinition[] = [ingestMailboxesJob, evaluateReputationJob, dnsblCheckJob, ipSteeringJob, deliverAlertsJob, pruneSendEventsJob, pruneHistoryJob];
