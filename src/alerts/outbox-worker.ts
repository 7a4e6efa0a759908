// The delivery loop: per destination, the oldest pending delivery goes out first and alone; a
// failing head waits out its backoff and blocks only its own destination; after giveUpAfterHours
// it moves to dead-letter and the next one goes. Every attempt is recorded.
import type { Logger } from 'pino';
import type { WebhookDestination, WebhooksConfig } from '../config/webhooks';
import type { Db } from '../db/client';
import { claimDelivery, destinationsWithPending, markDead, pendingHead, recordAttempt, type DeliveryRow } from '../db/alert-queries';
import { retryDelayMs } from './backoff';
import { deliveryUrl, renderMessage } from './formats';
import { sendWebhook, type HttpAttempt } from './http-sender';

export interface DeliveryDeps {
  db: Db;
  config: WebhooksConfig;
  logger: Logger;
  /** [0, 1) for backoff jitter; tests pass a constant. */
  random?: () => number;
}

export interface DeliverySummary {
  delivered: number;
  retrying: number;
  deadLettered: number;
  /** Destinations whose head is waiting for its next attempt (or held by another worker). */
  waiting: number;
}

/** Deliveries one destination sends in one run, so one busy destination cannot hold a run for ever. */
const maxPerDestinationPerRun = 100;
/** A claim outlives the request's timeout by this much before another worker may take it over. */
const claimMarginMs = 5_000;

export async function deliverPending(deps: DeliveryDeps, now: Date): Promise<DeliverySummary> {
  const summary: DeliverySummary = { delivered: 0, retrying: 0, deadLettered: 0, waiting: 0 };
  const destinations = await destinationsWithPending(deps.db);
  // Destinations are independent: one down receiver's timeouts do not delay the others.
  await Promise.all(destinations.map((name) => deliverToDestination(deps, name, now, summary)));
  return summary;
}

async function deliverToDestination(deps: DeliveryDeps, name: string, now: Date, summary: DeliverySummary): Promise<void> {
  const destination = deps.config.destinations.find((d) => d.name === name);
  const logger = deps.logger.child({ destination: name });
  for (let sent = 0; sent < maxPerDestinationPerRun; sent++) {
    const head = await pendingHead(deps.db, name);
    if (!head) return;
    if (!destination) {
      await markDead(deps.db, head.id, `destination ${name} is no longer configured`);
      summary.deadLettered++;
      logger.warn({ deliveryId: head.id }, 'delivery dead-lettered: destination no longer configured');
      continue;
    }
    if (head.nextAttemptAt > now) {
      summary.waiting++;
      return;
    }
    const claimed = await claimDelivery(deps.db, head.id, now, new Date(now.getTime() + destination.timeoutMs + claimMarginMs));
    if (!claimed) {
      summary.waiting++;
      return;
    }
    const attempt = await attemptDelivery(claimed, destination, deps.config);
    const at = new Date();
    const record = {
      at,
      httpStatus: attempt.httpStatus,
      latencyMs: attempt.latencyMs,
      outcome: attempt.ok ? ('delivered' as const) : ('failed' as const),
      error: attempt.error,
      responseSnippet: attempt.responseSnippet,
    };
    const log = { deliveryId: claimed.id, messageId: claimed.messageId, alertId: claimed.alertId, attempt: claimed.attempts + 1, httpStatus: attempt.httpStatus, latencyMs: attempt.latencyMs };
    if (attempt.ok) {
      await recordAttempt(deps.db, claimed.id, record, { status: 'delivered', at });
      summary.delivered++;
      logger.info(log, 'alert delivered');
      continue;
    }
    if (now >= claimed.giveUpAt) {
      await recordAttempt(deps.db, claimed.id, record, { status: 'dead', error: attempt.error ?? 'failed' });
      summary.deadLettered++;
      logger.error({ ...log, error: attempt.error }, 'alert delivery given up: dead-lettered (replay with warden alerts replay)');
      continue;
    }
    // A receiver that says when to come back (429, 503 with Retry-After) is not asked sooner.
    const delay = Math.max(retryDelayMs(claimed.attempts + 1, deps.config.retry, (deps.random ?? Math.random)()), attempt.retryAfterMs ?? 0);
    const nextAttemptAt = new Date(Math.min(now.getTime() + delay, Math.max(claimed.giveUpAt.getTime(), now.getTime())));
    await recordAttempt(deps.db, claimed.id, record, { status: 'retry', nextAttemptAt, error: attempt.error ?? 'failed' });
    summary.retrying++;
    logger.warn({ ...log, error: attempt.error, nextAttemptAt }, 'alert delivery failed; will retry');
    return;
  }
}

/** Renders the stored message for the destination and makes one HTTP attempt. */
export function attemptDelivery(delivery: DeliveryRow, destination: WebhookDestination, config: Pick<WebhooksConfig, 'responseBodyLimitBytes'>): Promise<HttpAttempt> {
  const { message, messageId } = delivery;
  return sendWebhook({
    destination: { ...destination, url: deliveryUrl(message, destination) },
    messageId,
    body: renderMessage(message, messageId, destination),
    responseBodyLimitBytes: config.responseBodyLimitBytes,
    timestampSeconds: Math.floor(Date.now() / 1000),
  });
}
