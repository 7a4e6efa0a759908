// Amazon SES notifications delivered by email (SNS "AWS Notification Message"): JSON describing a
// Bounce, Complaint or Delivery, optionally wrapped in an SNS envelope whose Message is the JSON.
import type { RecipientRecord } from '../dsn';
import type { VendorNotification, VendorReader } from './types';
import { cleanAddress } from '../addresses';
import { replyCodeIn, statusIn } from '../dsn';

interface SesRecipient {
  emailAddress?: string;
  action?: string;
  status?: string;
  diagnosticCode?: string;
}

interface SesNotification {
  notificationType?: string;
  eventType?: string;
  bounce?: { bounceType?: string; bounceSubType?: string; bouncedRecipients?: SesRecipient[]; reportingMTA?: string };
  complaint?: { complainedRecipients?: SesRecipient[]; complaintFeedbackType?: string; arrivalDate?: string; userAgent?: string };
  delivery?: { recipients?: string[]; smtpResponse?: string; reportingMTA?: string };
  mail?: { messageId?: string; source?: string; sourceIp?: string; commonHeaders?: { subject?: string; to?: string[]; from?: string[]; messageId?: string } };
  Message?: string;
}

function parseJson(text: string): SesNotification | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start === -1 || end <= start) return undefined;
  const json = text.slice(start, end + 1);
  // Mail transports wrap long lines (RFC 5322's 998 limit) with a newline and a space, even
  // inside JSON strings; the second attempt undoes that.
  for (const candidate of [json, json.replace(/\n /g, '').replace(/\n/g, '')]) {
    try {
      const value = JSON.parse(candidate) as unknown;
      return typeof value === 'object' && value !== null ? (value as SesNotification) : undefined;
    } catch {
      // try the next reading
    }
  }
  return undefined;
}

/** Reads an SES notification from a body, or undefined when the body is not one. */
export function readSesNotification(body: string): VendorNotification | undefined {
  if (!body.includes('"notificationType"') && !body.includes('"eventType"') && !body.includes('\\"notificationType\\"')) return undefined;
  let note = parseJson(body);
  if (note && typeof note.Message === 'string') note = parseJson(note.Message);
  if (!note) return undefined;
  const type = (note.notificationType ?? note.eventType ?? '').toLowerCase();
  const mail = note.mail ?? {};
  const base = {
    originalMessageId: mail.commonHeaders?.messageId ?? mail.messageId,
    from: mail.source,
    subject: mail.commonHeaders?.subject,
    ip: mail.sourceIp,
  };
  if (type === 'bounce' && note.bounce) {
    const records = (note.bounce.bouncedRecipients ?? []).map((recipient): RecipientRecord => {
      const diagnostic = recipient.diagnosticCode?.replace(/^smtp;\s*/i, '');
      return {
        recipient: cleanAddress(recipient.emailAddress ?? ''),
        format: 'amazonses',
        action: recipient.action ?? 'failed',
        status: statusIn(recipient.status) ?? statusIn(diagnostic),
        replyCode: replyCodeIn(diagnostic),
        diagnosticCode: diagnostic ?? `${note!.bounce!.bounceType ?? ''} ${note!.bounce!.bounceSubType ?? ''}`.trim(),
      };
    });
    return { kind: 'bounce', records, ...base };
  }
  if (type === 'complaint' && note.complaint) {
    const records = (note.complaint.complainedRecipients ?? []).map((recipient): RecipientRecord => ({
      recipient: cleanAddress(recipient.emailAddress ?? ''),
      format: 'amazonses',
    }));
    return { kind: 'complaint', records, feedbackType: note.complaint.complaintFeedbackType ?? 'abuse', ...base };
  }
  if (type === 'delivery' && note.delivery) {
    const response = note.delivery.smtpResponse;
    const records = (note.delivery.recipients ?? []).map((recipient): RecipientRecord => ({
      recipient: cleanAddress(recipient),
      format: 'amazonses',
      action: 'delivered',
      status: statusIn(response) ?? '2.0.0',
      replyCode: replyCodeIn(response),
      diagnosticCode: response,
    }));
    return { kind: 'delivery', records, ...base };
  }
  return undefined;
}

/**
 * SES's older email DSNs wrap the receiving server's reply in a summary of their own:
 * "5.1.0 - Unknown address error 550-'5.7.1 <a@b>... Access denied' (delivery attempts: 0)".
 * The leading code and category are SES's guess; the quoted reply is what the receiver said, so
 * its status and wording are the evidence. Returns the receiver's reply, or undefined when the
 * diagnostic is not wrapped that way.
 */
export function unwrapSesReply(diagnostic: string | undefined): { replyCode?: string; reply: string; status?: string } | undefined {
  if (!diagnostic) return undefined;
  // The same summary also appears in the notice's text, after "The reason for the problem:".
  const wrapped = /(?:^|\s)[245]\.\d{1,3}\.\d{1,3} - [A-Za-z ]+? (?:([245]\d\d)[ -])?'([^']+)'(?: \(delivery attempts: \d+\))?\s*$/.exec(diagnostic);
  if (!wrapped) return undefined;
  const replyCode = wrapped[1];
  const reply = replyCode ? `${replyCode} ${wrapped[2]!.trim()}` : wrapped[2]!.trim();
  const result: { replyCode?: string; reply: string; status?: string } = { reply };
  if (replyCode) result.replyCode = replyCode;
  const status = statusIn(wrapped[2]);
  if (status) result.status = status;
  return result;
}

export const amazonSes: VendorReader = {
  family: 'amazonses',
  readNotification: (report) => (/amazonses|amazonaws|"notificationType"|"eventType"/.test(report.body) ? readSesNotification(report.body) : undefined),
  refine: (record) => {
    const wrapped = unwrapSesReply(record.diagnosticCode);
    if (!wrapped) return;
    record.diagnosticCode = wrapped.reply;
    if (wrapped.replyCode) record.replyCode = wrapped.replyCode;
    if (wrapped.status) record.status = wrapped.status;
  },
};
