// Routes new events into alerts and delivers queued alert webhooks (see src/alerts/).
import { deliverPending } from '../alerts/outbox-worker';
import { routeOutbox } from '../alerts/outbox-router';
import type { JobDefinition } from '../scheduler/job';

export const deliverAlertsJob: JobDefinition = {
  name: 'deliver-alerts',
  description: 'Route new events into alerts and deliver alert webhooks with retries',
  // Every 5 seconds: with the 30 s quiet period, on-call hears within a minute.
  defaultSchedule: '*/5 * * * * *',
  async run({ db, config, logger }, now) {
    const routing = await routeOutbox(db, config.webhooks, now);
    const delivery = await deliverPending({ db, config: config.webhooks, logger }, now);
    return { ...routing, ...delivery };
  },
  // Every 5 seconds: only runs that routed or sent something are worth an info line.
  idle: (summary) => Object.entries(summary).every(([key, value]) => key === 'waiting' || value === 0),
};
