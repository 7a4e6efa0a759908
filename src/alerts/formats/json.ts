// The generic JSON format (schema version 1, documented in the README).
import type { AlertMessage } from '../../db/schema';
import { messageState } from './message';

export const jsonSchemaVersion = 1;

export function renderJson(message: AlertMessage, messageId: string): string {
  const { alert } = message;
  return JSON.stringify({
    version: jsonSchemaVersion,
    id: messageId,
    kind: message.kind,
    createdAt: message.createdAt,
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
      firstAt: alert.firstAt,
      lastAt: alert.lastAt,
      resolvedAt: alert.resolvedAt,
    },
    events: alert.recentEvents,
  });
}
