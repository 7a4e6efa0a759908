// One entry point: a message rendered in the destination's format.
import type { WebhookDestination } from '../../config/webhooks';
import { renderJson } from './json';
import type { AlertMessage } from './message';
import { renderPagerDuty } from './pagerduty';
import { renderSlack } from './slack';
import { renderTeams } from './teams';

export function renderMessage(message: AlertMessage, destination: Pick<WebhookDestination, 'format' | 'routingKey'>): string {
  switch (destination.format) {
    case 'json':
      return renderJson(message);
    case 'slack':
      return renderSlack(message);
    case 'pagerduty':
      return renderPagerDuty(message, destination.routingKey ?? '');
    case 'teams':
      return renderTeams(message);
  }
}
