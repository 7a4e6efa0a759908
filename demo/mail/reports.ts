// Complaint (ARF, RFC 5965) and bounce (DSN, RFC 3464) reports about messages the demo relay sent,
// shaped like the ones mailbox providers and receiving MTAs send, plus a few messages ingestion
// cannot read (they land in the quarantine).
import { randomBytes } from 'node:crypto';
import { mailDate, originalHeaders, relayHostname, returnPathOf, type SentMessage } from './original';

const crlf = (lines: string[]) => `${lines.join('\r\n')}\r\n`;
const boundaryOf = (message: SentMessage, tag: string) => `${tag}-${message.messageId.replace(/[^a-z0-9]/gi, '').slice(0, 24)}`;

/** Feedback loops in the two shapes the field sends. */
export type ComplaintStyle = 'full' | 'redacted';

/**
 * An abuse report. `full` (Yahoo, Comcast style) carries the whole original; `redacted` (Microsoft
 * JMRP style) hides the complaining recipient and keeps only headers, so only what we put in the
 * message (Feedback-ID, sender header) attributes it.
 */
export function complaintReport(message: SentMessage, arrivedAt: Date, style: ComplaintStyle): string {
  const boundary = boundaryOf(message, 'arf');
  const provider = message.recipient.split('@')[1] ?? 'mailbox.example';
  const recipient = style === 'redacted' ? '<redacted>' : `<${message.recipient}>`;
  const original = originalHeaders(message).map((line) => (style === 'redacted' && line.startsWith('To:') ? 'To: <redacted>' : line));
  return crlf([
    `From: Feedback Loop <fbl@feedback.${provider}>`,
    `To: <abuse@${relayHostname}>`,
    `Subject: ${style === 'redacted' ? 'complaint about message from' : 'FW:'} ${message.subject}`,
    `Date: ${mailDate(arrivedAt)}`,
    `Message-ID: <fbl-${randomBytes(8).toString('hex')}@feedback.${provider}>`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=feedback-report; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `This is an email abuse report for an email message received from IP ${message.ip} on ${mailDate(message.sentAt)}.`,
    '',
    `--${boundary}`,
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    `User-Agent: ${provider}-fbl/1.0`,
    'Version: 1',
    `Original-Mail-From: <${returnPathOf(message.sender)}>`,
    `Original-Rcpt-To: ${recipient}`,
    `Arrival-Date: ${mailDate(arrivedAt)}`,
    `Source-IP: ${message.ip}`,
    `Reported-Domain: ${message.senderDomain}`,
    '',
    `--${boundary}`,
    style === 'redacted' ? 'Content-Type: text/rfc822-headers' : 'Content-Type: message/rfc822',
    '',
    ...original,
    ...(style === 'redacted' ? [] : ['', ...message.body.split('\n')]),
    '',
    `--${boundary}--`,
  ]);
}

export type BounceKind = 'hard' | 'mailbox-full' | 'blocked';

const bounceDetails: Record<BounceKind, (message: SentMessage, blocklist: string) => { status: string; diagnostic: string }> = {
  hard: (m) => ({ status: '5.1.1', diagnostic: `550 5.1.1 <${m.recipient}>: Recipient address rejected: User unknown in virtual mailbox table` }),
  'mailbox-full': (m) => ({ status: '5.2.2', diagnostic: `552 5.2.2 <${m.recipient}>: Mailbox full, quota exceeded` }),
  // The receiver judging our IP: evidence about the relay address, not the sender's list.
  blocked: (m, blocklist) => ({ status: '5.7.1', diagnostic: `554 5.7.1 Service unavailable; Client host [${m.ip}] blocked using ${blocklist}` }),
};

/** A Postfix non-delivery report for one recipient of `message`. */
export function bounceReport(message: SentMessage, arrivedAt: Date, kind: BounceKind, blocklist = 'zen.spamhaus.org'): string {
  const boundary = boundaryOf(message, 'dsn');
  const { status, diagnostic } = bounceDetails[kind](message, blocklist);
  const remote = `mx.${message.recipient.split('@')[1] ?? 'mailbox.example'}`;
  const queueId = randomBytes(5).toString('hex').toUpperCase();
  return crlf([
    'Return-Path: <>',
    `From: Mail Delivery System <MAILER-DAEMON@${relayHostname}>`,
    `To: <${returnPathOf(message.sender)}>`,
    'Subject: Undelivered Mail Returned to Sender',
    `Date: ${mailDate(arrivedAt)}`,
    `Message-ID: <${queueId}.${arrivedAt.getTime()}@${relayHostname}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    `This is the mail system at host ${relayHostname}.`,
    '',
    "I'm sorry to have to inform you that your message could not",
    'be delivered to one or more recipients.',
    '',
    `<${message.recipient}>: host ${remote}[203.0.113.25] said: ${diagnostic} (in reply to RCPT TO command)`,
    '',
    `--${boundary}`,
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    '',
    `Reporting-MTA: dns; ${relayHostname}`,
    `X-Postfix-Queue-ID: ${queueId}`,
    `Arrival-Date: ${mailDate(message.sentAt)}`,
    '',
    `Final-Recipient: rfc822; ${message.recipient}`,
    'Action: failed',
    `Status: ${status}`,
    `Remote-MTA: dns; ${remote}`,
    `Diagnostic-Code: smtp; ${diagnostic}`,
    '',
    `--${boundary}`,
    'Content-Description: Undelivered Message Headers',
    'Content-Type: text/rfc822-headers',
    '',
    ...originalHeaders(message),
    '',
    `--${boundary}--`,
  ]);
}

/**
 * Mail that reaches feedback mailboxes and is no report: a person's reply, a bounce cut short in
 * transit, an attachment saved as a message. Ingestion quarantines each with its reason.
 */
export function unreadableMessages(at: Date): { name: string; raw: Buffer }[] {
  const reply = crlf([
    'From: Pat Doe <pat.doe@mailbox.example>',
    `To: <abuse@${relayHostname}>`,
    'Subject: Re: your newsletter',
    `Date: ${mailDate(at)}`,
    'Message-ID: <reply-8812@mailbox.example>',
    '',
    'I never signed up for this. Please take me off your lists.',
  ]);
  const truncated = crlf([
    `From: MAILER-DAEMON@mx.mailbox.example`,
    `To: <${returnPathOf('unknown')}>`,
    'Subject: Delivery Status Notification (Failure)',
    `Date: ${mailDate(at)}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="cut-here"',
    '',
    '--cut-here',
    'Content-Type: text/plain',
    '',
    'Delivery to the following recipient failed perm',
  ]);
  // Deterministic "random" bytes: the same junk every run, so its content hash is stable.
  const binary = Buffer.from(Array.from({ length: 2048 }, (_, index) => (index * 7919 + 13) % 256));
  return [
    { name: 'human-reply', raw: Buffer.from(reply) },
    { name: 'truncated-dsn', raw: Buffer.from(truncated) },
    { name: 'binary-attachment', raw: binary },
  ];
}
