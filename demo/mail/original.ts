// The messages our demo relay sends and the headers it puts on them: what complaint and bounce
// reports quote back, and what attribution reads (Feedback-ID in Gmail's a:b:c:SenderId shape, the
// sender header, the VERP return path, the relay's content fingerprint).
import type { DemoSender } from '../senders';
import { contentFingerprint, renderBody } from './content';

export interface SentMessage {
  sender: string;
  senderDomain: string;
  recipient: string;
  messageId: string;
  subject: string;
  /** Plain text, lines separated by \n. */
  body: string;
  /** The relay's content fingerprint, reported with the send event and written as X-Warden-Fingerprint. */
  fingerprint: string;
  /** The relay address it left from. */
  ip: string;
  sentAt: Date;
}

/** A sender's `n`-th message to `recipient`: its next template, filled in, and fingerprinted. */
export function composeMessage(sender: DemoSender, n: number, recipient: string, messageId: string, sentAt: Date, random: () => number): SentMessage {
  const template = sender.templates[n % sender.templates.length]!;
  const body = renderBody(template, sender.domain, recipient, random);
  return {
    sender: sender.id,
    senderDomain: sender.domain,
    recipient,
    messageId,
    subject: template.subject,
    body,
    fingerprint: contentFingerprint(body, recipient),
    ip: sender.ip,
    sentAt,
  };
}

export const relayHostname = 'mx1.relay-demo.example';
export const verpPattern = `bounces+{sender}@${relayHostname}`;

export const returnPathOf = (sender: string) => verpPattern.replace('{sender}', sender);

/** RFC 5322 date, UTC. */
export const mailDate = (at: Date) => at.toUTCString().replace('GMT', '+0000');

export function originalHeaders(message: SentMessage): string[] {
  const campaign = message.subject.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, 24);
  return [
    `Return-Path: <${returnPathOf(message.sender)}>`,
    `Received: from app.${message.senderDomain} ([198.51.100.${(message.sender.length * 7) % 250}])`,
    `\tby ${relayHostname} (Postfix) with ESMTPSA; ${mailDate(message.sentAt)}`,
    `From: <news@${message.senderDomain}>`,
    `To: <${message.recipient}>`,
    `Subject: ${message.subject}`,
    `Date: ${mailDate(message.sentAt)}`,
    `Message-ID: ${message.messageId}`,
    `Feedback-ID: ${campaign}:${message.senderDomain}:bulk:${message.sender}`,
    `X-Warden-Sender: ${message.sender}`,
    `X-Warden-Fingerprint: ${message.fingerprint}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ];
}
