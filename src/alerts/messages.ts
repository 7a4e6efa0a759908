// An alert row as the message queued for a destination (see AlertMessage in db/schema/alerts.ts).
import { randomUUID } from 'node:crypto';
import type { AlertRow } from '../db/alert-queries';
import type { AlertMessage, AlertMessageKind } from '../db/schema';

/** Standard Webhooks ids are opaque strings; `msg_` marks ours in a receiver's logs. */
export const newMessageId = (): string => `msg_${randomUUID().replace(/-/g, '')}`;

export function alertMessage(alert: AlertRow, kind: AlertMessageKind, createdAt: Date): AlertMessage {
  return {
    kind,
    createdAt: createdAt.toISOString(),
    alert: {
      id: alert.id,
      dedupKey: alert.dedupKey,
      kind: alert.kind,
      state: alert.state,
      severity: alert.severity,
      title: alert.title,
      labels: alert.labels,
      subjects: alert.subjects,
      openSubjects: alert.openSubjects,
      eventCount: alert.eventCount,
      firstAt: alert.firstAt.toISOString(),
      lastAt: alert.lastAt.toISOString(),
      resolvedAt: alert.resolvedAt?.toISOString() ?? null,
      recentEvents: alert.recentEvents,
    },
  };
}
