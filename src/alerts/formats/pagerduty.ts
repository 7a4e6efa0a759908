// PagerDuty Events API v2 (https://developer.pagerduty.com/docs/events-api-v2/overview/):
// trigger and resolve share the dedup_key, so a resolve closes the incident its trigger opened.
import { messageState, subjectList, type AlertMessage } from './message';

/** PagerDuty truncates summaries at 1024 characters; we cut first so the end is ours. */
const maxSummary = 1024;

export function renderPagerDuty(message: AlertMessage, routingKey: string): string {
  const { alert } = message;
  if (messageState(message) === 'resolved') {
    return JSON.stringify({ routing_key: routingKey, event_action: 'resolve', dedup_key: alert.dedupKey });
  }
  const summary = message.kind === 'test' ? `[TEST] ${alert.title}` : alert.title;
  return JSON.stringify({
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: alert.dedupKey,
    payload: {
      summary: summary.length > maxSummary ? `${summary.slice(0, maxSummary - 1)}…` : summary,
      source: alert.labels.network ?? alert.labels.subject ?? alert.subjects[0] ?? 'relay-warden',
      severity: alert.severity,
      timestamp: alert.firstAt.toISOString(),
      component: alert.labels.zone,
      class: alert.kind,
      custom_details: { subjects: subjectList(alert.subjects), eventCount: alert.eventCount, labels: alert.labels, messageId: message.messageId },
    },
  });
}
