// The generic JSON format (schema version 1, documented in the README).
import { messageState, type AlertMessage } from './message';

export const jsonSchemaVersion = 1;

export function renderJson(message: AlertMessage): string {
  const { alert } = message;
  return JSON.stringify({
    version: jsonSchemaVersion,
    id: message.messageId,
    kind: message.kind,
    createdAt: message.createdAt.toISOString(),
    alert: {
      id: alert.id,
      dedupKey: alert.dedupKey,
      kind: alert.kind,
      state: messageState(message),
      severity: alert.severity,
      title: alert.title,
      labels: alert.labels,
      subjects: alert.subjects,
      openSubjects: alert.openSubjects,
      eventCount: alert.eventCount,
      firstAt: alert.firstAt.toISOString(),
      lastAt: alert.lastAt.toISOString(),
      resolvedAt: alert.resolvedAt?.toISOString() ?? null,
    },
    events: alert.recentEvents,
  });
}
