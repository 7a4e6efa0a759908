// Between alert rows, the message snapshot stored with a delivery, and the message formats render.
import { randomUUID } from 'node:crypto';
import type { AlertRow } from '../db/alert-queries';
import type { StoredAlertMessage } from '../db/schema';
import type { AlertMessage, MessageKind } from './formats/message';

/** Standard Webhooks ids are opaque strings; `msg_` marks ours in a receiver's logs. */
export const newMessageId = (): string => `msg_${randomUUID().replace(/-/g, '')}`;

export function snapshotMessage(alert: AlertRow, kind: MessageKind, createdAt: Date): StoredAlertMessage {
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

export function toAlertMessage(messageId: string, stored: StoredAlertMessage): AlertMessage {
  const { alert } = stored;
  return {
    messageId,
    kind: stored.kind,
    createdAt: new Date(stored.createdAt),
    alert: {
      ...alert,
      firstAt: new Date(alert.firstAt),
      lastAt: new Date(alert.lastAt),
      resolvedAt: alert.resolvedAt ? new Date(alert.resolvedAt) : null,
    },
  };
}
