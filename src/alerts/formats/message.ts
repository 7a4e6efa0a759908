// What every format renders: one notice about one alert, with the id receivers deduplicate on.
import type { AlertSeverity } from '../../config/webhooks';
import type { AlertEventSample, AlertState } from '../../db/schema';

export type MessageKind = 'trigger' | 'resolve' | 'notice' | 'test';

export interface AlertMessage {
  /** webhook-id: the same on every retry of this message. */
  messageId: string;
  kind: MessageKind;
  alert: {
    id: number;
    dedupKey: string;
    kind: string;
    state: AlertState;
    severity: AlertSeverity;
    title: string;
    labels: Record<string, string>;
    subjects: string[];
    openSubjects: string[];
    eventCount: number;
    firstAt: Date;
    lastAt: Date;
    resolvedAt: Date | null;
    recentEvents: AlertEventSample[];
  };
  /** When the message was composed (not when an attempt is made). */
  createdAt: Date;
}

/** The state a receiver should act on: a resolve message resolves; everything else fires. */
export const messageState = (message: AlertMessage): 'firing' | 'resolved' => (message.kind === 'resolve' ? 'resolved' : 'firing');

/** Subjects are listed up to this many in chat formats; the JSON format carries them all. */
export const chatSubjectLimit = 10;

export function subjectList(subjects: string[]): string {
  const shown = subjects.slice(0, chatSubjectLimit).join(', ');
  return subjects.length > chatSubjectLimit ? `${shown} and ${subjects.length - chatSubjectLimit} more` : shown;
}

export function headline(message: AlertMessage): string {
  const tag = message.kind === 'test' ? 'TEST' : message.kind === 'resolve' ? 'RESOLVED' : message.kind === 'notice' ? 'NOTICE' : 'FIRING';
  return `[${tag}] [${message.alert.severity}] ${message.alert.title}`;
}
