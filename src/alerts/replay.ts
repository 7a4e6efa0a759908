// Dead-letter replay: one delivery by id, or every dead one; the API and the CLI both come here.
import type { WebhooksConfig } from '../config/webhooks';
import type { Db } from '../db/client';
import { getDelivery, replayDeliveries, type DeliveryRow } from '../db/alert-queries';
import { ConflictError, NotFoundError } from '../errors';

const hourMs = 3_600_000;

/** Queues dead deliveries again, due now, with a fresh giveUpAfterHours; the delivery job sends them in order. */
export async function replayDeadDeliveries(db: Db, config: Pick<WebhooksConfig, 'giveUpAfterHours'>, target: { id: number } | { allDead: true }, now: Date): Promise<DeliveryRow[]> {
  const replayed = await replayDeliveries(db, target, now, new Date(now.getTime() + config.giveUpAfterHours * hourMs));
  if ('id' in target && replayed.length === 0) {
    const delivery = await getDelivery(db, target.id);
    if (!delivery) throw new NotFoundError(`no delivery ${target.id}`);
    throw new ConflictError(`delivery ${target.id} is ${delivery.status}, not dead-lettered`);
  }
  return replayed;
}
