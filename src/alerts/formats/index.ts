// One entry point: a message rendered in the destination's format.
import type { WebhookDestination } from '../../config/webhooks';
import type { AlertMessage } from '../../db/schema';
import { renderJson } from './json';
import { changeEventUrl, isChangeEvent, renderPagerDuty } from './pagerduty';
import { renderSlack } from './slack';
import { renderTeams } from './teams';

/** The body posted for a message; `messageId` is the id receivers deduplicate on (webhook-id). */
export function renderMessage(message: AlertMessage, messageId: string, destination: Pick<WebhookDestination, 'format' | 'routingKey'>): string {
  switch (destination.format) {
    case 'json':
      return renderJson(message, messageId);
    case 'slack':
      return renderSlack(message);
    case 'pagerduty':
      return renderPagerDuty(message, messageId, destination.routingKey ?? '');
    case 'teams':
      return renderTeams(message);
  }
}

/** Where the rendered message is posted: the destination's URL, or PagerDuty's change-event endpoint beside it. */
export function deliveryUrl(message: AlertMessage, destination: Pick<WebhookDestination, 'format' | 'url'>): string {
  return destination.format === 'pagerduty' && isChangeEvent(message) ? changeEventUrl(destination.url) : destination.url;
}
