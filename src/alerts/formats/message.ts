// What every format shares: the state a message tells, its headline, and its subject list.
import type { AlertMessage } from '../../db/schema';

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
