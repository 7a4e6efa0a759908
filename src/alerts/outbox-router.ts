// Turns outbox rows into alerts and queued deliveries: routes each unrouted event, folds it into
// its incident, and queues triggers whose quiet period is over. One transaction per batch, so an
// event is routed exactly once even if the process dies half-way.
import type { WebhooksConfig } from '../config/webhooks';
import type { Db } from '../db/client';
import {
  findFiringAlert,
  insertAlert,
  insertDeliveries,
  lockDueAlerts,
  lockRepeatDueAlerts,
  lockUnroutedEvents,
  markRouted,
  updateAlert,
  type AlertRow,
  type NewDelivery,
} from '../db/alert-queries';
import type { Tx } from '../db/events';
import type { AlertMessageKind } from '../db/schema';
import { applySignal } from './grouping';
import { alertMessage, newMessageId } from './messages';
import { routeEvent, type RoutableEvent } from './routing';

const hourMs = 3_600_000;
const batchSize = 500;

export interface RoutingSummary {
  eventsRouted: number;
  alertsOpened: number;
  alertsResolved: number;
  triggersQueued: number;
  /** Triggers sent again for alerts still firing after repeatIntervalHours. */
  remindersQueued: number;
  resolvesQueued: number;
  noticesQueued: number;
}

function deliveriesFor(alert: AlertRow, kind: AlertMessageKind, config: WebhooksConfig, now: Date): NewDelivery[] {
  const configured = new Set(config.destinations.map((d) => d.name));
  return alert.destinations
    .filter((name) => configured.has(name))
    .map((destination) => ({
      alertId: alert.id,
      destination,
      kind,
      messageId: newMessageId(),
      message: alertMessage(alert, kind, now),
      createdAt: now,
      giveUpAt: new Date(now.getTime() + config.giveUpAfterHours * hourMs),
    }));
}

export async function routeOutbox(db: Db, config: WebhooksConfig, now: Date): Promise<RoutingSummary> {
  const summary: RoutingSummary = { eventsRouted: 0, alertsOpened: 0, alertsResolved: 0, triggersQueued: 0, remindersQueued: 0, resolvesQueued: 0, noticesQueued: 0 };
  for (;;) {
    const routed = await db.transaction(async (tx) => {
      const rows = await lockUnroutedEvents(tx, batchSize);
      for (const row of rows) await routeOne(tx, row as RoutableEvent, config, now, summary);
      await markRouted(tx, rows.map((row) => row.id), now);
      return rows.length;
    });
    summary.eventsRouted += routed;
    if (routed < batchSize) break;
  }
  summary.triggersQueued += await queueTriggers(db, (tx) => lockDueAlerts(tx, now, batchSize), config, now);
  if (config.repeatIntervalHours > 0) {
    const notifiedBefore = new Date(now.getTime() - config.repeatIntervalHours * hourMs);
    summary.remindersQueued += await queueTriggers(db, (tx) => lockRepeatDueAlerts(tx, notifiedBefore, batchSize), config, now);
  }
  return summary;
}

/** Sends a trigger for each alert `lock` returns (due or due again), marking it notified now. */
async function queueTriggers(db: Db, lock: (tx: Tx) => Promise<AlertRow[]>, config: WebhooksConfig, now: Date): Promise<number> {
  return db.transaction(async (tx) => {
    let queued = 0;
    for (const alert of await lock(tx)) {
      const notified = await updateAlert(tx, alert.id, { notifiedAt: now });
      queued += (await insertDeliveries(tx, deliveriesFor(notified, 'trigger', config, now))).length;
    }
    return queued;
  });
}

async function routeOne(tx: Tx, event: RoutableEvent, config: WebhooksConfig, now: Date, summary: RoutingSummary): Promise<void> {
  for (const signal of routeEvent(event, config)) {
    const open = signal.action === 'notice' ? undefined : await findFiringAlert(tx, signal.dedupKey);
    const outcome = applySignal(open, signal, config.groupWaitSeconds * 1000);
    if (outcome.change === 'none') continue;
    const stored = outcome.change === 'open' ? await insertAlert(tx, outcome.alert) : await updateAlert(tx, open!.id, outcome.alert);
    if (outcome.change === 'open') summary.alertsOpened++;
    if (outcome.change === 'update' && open?.state === 'firing' && stored.state === 'resolved') summary.alertsResolved++;
    if (outcome.notify) {
      const queued = (await insertDeliveries(tx, deliveriesFor(stored, outcome.notify, config, now))).length;
      if (outcome.notify === 'resolve') summary.resolvesQueued += queued;
      else summary.noticesQueued += queued;
    }
  }
}
