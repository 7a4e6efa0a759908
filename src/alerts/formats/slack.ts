// Slack incoming webhook: `text` is the notification fallback; blocks carry the details.
import type { AlertMessage } from '../../db/schema';
import { headline, messageState, subjectList } from './message';

const emoji = { firing: { info: ':information_source:', warning: ':warning:', error: ':red_circle:', critical: ':rotating_light:' }, resolved: ':white_check_mark:' };

/** Slack mrkdwn treats &, < and > specially (https://api.slack.com/reference/surfaces/formatting#escaping). */
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderSlack(message: AlertMessage): string {
  const { alert } = message;
  const icon = messageState(message) === 'resolved' ? emoji.resolved : emoji.firing[alert.severity];
  const text = `${icon} ${escape(headline(message))}`;
  const fields = [
    ...Object.entries(alert.labels).map(([key, value]) => `*${escape(key)}*: ${escape(value)}`),
    `*subjects* (${alert.subjects.length}): ${escape(subjectList(alert.subjects))}`,
    `*events*: ${alert.eventCount}, first ${alert.firstAt}`,
    `*dedup key*: \`${escape(alert.dedupKey)}\``,
  ];
  return JSON.stringify({
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'section', text: { type: 'mrkdwn', text: fields.join('\n') } },
    ],
  });
}
