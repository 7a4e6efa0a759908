// Feedback-loop complaints (ARF, RFC 5965) and delivery status notices (RFC 3464) about given
// recipients, as a relay's feedback mailbox receives them: the reports suppression is built from.

export interface ReportOptions {
  recipient: string;
  /** When the original message arrived (ISO 8601). */
  at: string;
  /** The X-Warden-Sender of the original message: the sender it is attributed to. */
  sender?: string;
  messageId?: string;
}

let counter = 0;
const nextId = (prefix: string) => `${prefix}-${++counter}-${Math.random().toString(36).slice(2)}@shop.example`;

export function arfComplaint({ recipient, at, sender = 'anon-41', messageId = nextId('msg') }: ReportOptions, redacted = false): Buffer {
  const date = new Date(at).toUTCString();
  const shown = redacted ? 'redacted@isp.example' : recipient;
  return Buffer.from(
    [
      'From: Feedback Loop <fbl@isp.example>',
      'To: fbl@relay.example',
      'Subject: Abuse report',
      `Date: ${date}`,
      `Message-ID: <${nextId('report')}>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=feedback-report; boundary="arf"',
      '',
      '--arf',
      'Content-Type: text/plain',
      '',
      redacted ? 'A recipient marked a message as spam. The recipient address has been redacted.' : `${recipient} marked a message as spam.`,
      '',
      '--arf',
      'Content-Type: message/feedback-report',
      '',
      'Feedback-Type: abuse',
      'User-Agent: ISP-FBL/1.0',
      'Version: 1',
      ...(redacted ? [] : [`Original-Rcpt-To: <${recipient}>`]),
      `Arrival-Date: ${date}`,
      'Source-IP: 203.0.113.7',
      '',
      '--arf',
      'Content-Type: text/rfc822-headers',
      '',
      'From: Anonymous <anon@relay.example>',
      `To: ${shown}`,
      `Subject: ${shown}, you again`,
      `Message-ID: <${messageId}>`,
      `X-Warden-Sender: ${sender}`,
      `Date: ${date}`,
      '',
      '--arf--',
      '',
    ].join('\r\n'),
  );
}

/** A Postfix-style bounce: status and diagnostic decide the reason (5.1.1 user unknown, 5.2.2 mailbox full, 5.7.1 blocked). */
export function dsnBounce(options: ReportOptions, status: string, diagnostic: string): Buffer {
  return dsnBounceOfMany({ ...options, recipients: [options.recipient] }, status, () => diagnostic);
}

/** One DSN naming several recipients (a per-recipient group each), as an MTA reports one message sent to them. */
export function dsnBounceOfMany(
  { recipients, at, sender = 'acme', messageId = nextId('msg') }: Omit<ReportOptions, 'recipient'> & { recipients: string[] },
  status: string,
  diagnosticOf: (recipient: string) => string,
): Buffer {
  const date = new Date(at).toUTCString();
  return Buffer.from(
    [
      'Return-Path: <>',
      `Date: ${date}`,
      'From: MAILER-DAEMON@mx1.relay.example (Mail Delivery System)',
      'Subject: Undelivered Mail Returned to Sender',
      'To: bounces@relay.example',
      `Message-Id: <${nextId('dsn')}>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="dsn"',
      '',
      '--dsn',
      'Content-Type: text/plain',
      '',
      ...recipients.map((recipient) => `<${recipient}>: host mx.example.net[198.51.100.20] said: ${diagnosticOf(recipient)} (in reply to RCPT TO command)`),
      '',
      '--dsn',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx1.relay.example',
      `Arrival-Date: ${date}`,
      '',
      ...recipients.flatMap((recipient) => [`Final-Recipient: rfc822; ${recipient}`, 'Action: failed', `Status: ${status}`, 'Remote-MTA: dns; mx.example.net', `Diagnostic-Code: smtp; ${diagnosticOf(recipient)}`, '']),
      '--dsn',
      'Content-Type: text/rfc822-headers',
      '',
      'From: Acme <news@acme.example>',
      `To: ${recipients.join(', ')}`,
      'Subject: News',
      `Message-ID: <${messageId}>`,
      `X-Warden-Sender: ${sender}`,
      `Date: ${date}`,
      '',
      '--dsn--',
      '',
    ].join('\r\n'),
  );
}

export const userUnknown = (options: ReportOptions) => dsnBounce(options, '5.1.1', `550 5.1.1 <${options.recipient}>: Recipient address rejected: User unknown`);
const blockedDiagnostic = '554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using zen.spamhaus.org';
export const blocked = (options: ReportOptions) => dsnBounce(options, '5.7.1', blockedDiagnostic);
export const blockedForAll = (options: Omit<ReportOptions, 'recipient'> & { recipients: string[] }) => dsnBounceOfMany(options, '5.7.1', () => blockedDiagnostic);
export const mailboxFull = (options: ReportOptions) => dsnBounce(options, '5.2.2', `552 5.2.2 <${options.recipient}>: Mailbox full, quota exceeded`);
