// PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/overview/):
// trigger and resolve share the dedup_key, so a resolve closes the incident its trigger opened.
// Notices and test alerts are not problems anyone resolves: they go as change events
// (POST /v2/change/enqueue, no event_action, no dedup_key), which page no one and never stay open.
import type { AlertMessage } from '../../db/schema';
import { messageState, subjectList } from './message';

/** Whether the message is a PagerDuty change event rather than an alert event. */
export const isChangeEvent = (message: AlertMessage): boolean => message.kind === 'notice' || message.kind === 'test';

/** The change-event endpoint beside the configured alert-event one (…/v2/enqueue → …/v2/change/enqueue). */
export function changeEventUrl(alertEventUrl: string): string {
  const url = new URL(alertEventUrl);
  url.pathname = url.pathname.replace(/\/enqueue\/?$/, '/change/enqueue');
  return url.toString();
}

/** PagerDuty truncates summaries at 1024 characters; we cut first so the end is ours. */
const maxSummary = 1024;

export function renderPagerDuty(message: AlertMessage, messageId: string, routingKey: string): string {
  const { alert } = message;
  if (messageState(message) === 'resolved') {
    return JSON.stringify({ routing_key: routingKey, event_action: 'resolve', dedup_key: alert.dedupKey });
  }
  const summary = message.kind === 'test' ? `[TEST] ${alert.title}` : alert.title;
  const cut = summary.length > maxSummary ? `${summary.slice(0, maxSummary - 1)}…` : summary;
  const source = alert.labels.network ?? alert.labels.subject ?? alert.subjects[0] ?? 'relay-warden';
  const details = { subjects: subjectList(alert.subjects), eventCount: alert.eventCount, labels: alert.labels, messageId };
  if (isChangeEvent(message)) {
    return JSON.stringify({ routing_key: routingKey, payload: { summary: cut, source, timestamp: alert.lastAt, custom_details: { ...details, severity: alert.severity, class: alert.kind } } });
  }
  return JSON.stringify({
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: alert.dedupKey,
    payload: {
      summary: cut,
      source,
      severity: alert.severity,
      timestamp: alert.firstAt,
      component: alert.labels.zone,
      class: alert.kind,
      custom_details: details,
    },
  });
}
