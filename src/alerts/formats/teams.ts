// Microsoft Teams through a Workflows (Power Automate) webhook: a message with one Adaptive Card.
import type { AlertMessage } from '../../db/schema';
import { headline, messageState, subjectList } from './message';

export function renderTeams(message: AlertMessage): string {
  const { alert } = message;
  const color = messageState(message) === 'resolved' ? 'Good' : alert.severity === 'critical' || alert.severity === 'error' ? 'Attention' : 'Warning';
  const facts = [
    ...Object.entries(alert.labels).map(([title, value]) => ({ title, value })),
    { title: 'subjects', value: `${alert.subjects.length}: ${subjectList(alert.subjects)}` },
    { title: 'events', value: String(alert.eventCount) },
    { title: 'first', value: alert.firstAt },
    { title: 'dedup key', value: alert.dedupKey },
  ];
  return JSON.stringify({
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: headline(message), weight: 'Bolder', size: 'Medium', wrap: true, color },
            { type: 'FactSet', facts },
          ],
        },
      },
    ],
  });
}
