// The headers our demo relay puts on every message it sends: what complaint and bounce reports
// quote back, and what attribution reads (Feedback-ID in Gmail's a:b:c:SenderId shape, the sender
// header, the VERP return path).
export interface SentMessage {
  sender: string;
  senderDomain: string;
  recipient: string;
  messageId: string;
  subject: string;
  /** The relay address it left from. */
  ip: string;
  sentAt: Date;
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
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ];
}
