// Plain values for the alerting unit tests: a webhooks config and events as other areas write them.
import { webhooksConfig, type WebhooksConfig } from '../../../src/config/webhooks';
import type { RoutableEvent } from '../../../src/alerts/routing';

export function webhooks(input: Record<string, unknown> = {}): WebhooksConfig {
  return webhooksConfig.parse({
    destinations: [
      { name: 'oncall', url: 'https://hooks.example.com/a', minSeverity: 'warning' },
      { name: 'chat', url: 'https://hooks.example.com/b', format: 'slack', minSeverity: 'info' },
    ],
    ...input,
  });
}

let nextId = 1;
export function event(partial: Partial<RoutableEvent> & Pick<RoutableEvent, 'type' | 'subject'>): RoutableEvent {
  return { id: nextId++, severity: 'error', summary: `${partial.type} ${partial.subject}`, payload: null, at: new Date('2026-11-25T10:00:00Z'), ...partial };
}
