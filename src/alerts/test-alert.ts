// A test alert to one destination, sent at once (not through the queue) and recorded like any
// delivery, so ops can check a new destination's URL, format and signature end to end.
import type { Logger } from 'pino';
import type { WebhooksConfig } from '../config/webhooks';
import type { Db } from '../db/client';
import { insertDeliveries, recordAttempt, type DeliveryRow } from '../db/alert-queries';
import { NotFoundError } from '../errors';
import type { HttpAttempt } from './http-sender';
import { newMessageId } from './messages';
import { attemptDelivery } from './outbox-worker';

export async function sendTestAlert(
  deps: { db: Db; config: WebhooksConfig; logger: Logger },
  destinationName: string,
  now: Date,
): Promise<{ delivery: DeliveryRow; attempt: HttpAttempt }> {
  const destination = deps.config.destinations.find((d) => d.name === destinationName);
  if (!destination) {
    const known = deps.config.destinations.map((d) => d.name).join(', ') || '(none configured)';
    throw new NotFoundError(`no webhook destination named ${destinationName}; configured: ${known}`);
  }
  const at = now.toISOString();
  const [delivery] = await insertDeliveries(deps.db, [
    {
      alertId: null,
      destination: destination.name,
      kind: 'test',
      messageId: newMessageId(),
      createdAt: now,
      giveUpAt: now,
      message: {
        kind: 'test',
        createdAt: at,
        alert: {
          id: 0,
          dedupKey: `relay-warden-test:${destination.name}`,
          kind: 'test',
          state: 'firing',
          severity: 'info',
          title: `Test alert from Relay Warden to ${destination.name}`,
          labels: { subject: 'test' },
          subjects: ['test'],
          openSubjects: ['test'],
          eventCount: 0,
          firstAt: at,
          lastAt: at,
          resolvedAt: null,
          recentEvents: [],
        },
      },
    },
  ]);
  const attempt = await attemptDelivery(delivery!, destination, deps.config);
  const record = { at: new Date(), httpStatus: attempt.httpStatus, latencyMs: attempt.latencyMs, outcome: attempt.ok ? ('delivered' as const) : ('failed' as const), error: attempt.error, responseSnippet: attempt.responseSnippet };
  // A test is not retried: its result is the answer to the person who asked.
  await recordAttempt(deps.db, delivery!.id, record, attempt.ok ? { status: 'delivered', at: record.at } : { status: 'dead', error: attempt.error ?? 'failed' });
  deps.logger.info({ destination: destination.name, deliveryId: delivery!.id, ok: attempt.ok, httpStatus: attempt.httpStatus }, 'test alert sent');
  return { delivery: { ...delivery!, status: attempt.ok ? 'delivered' : 'dead', attempts: 1 }, attempt };
}
