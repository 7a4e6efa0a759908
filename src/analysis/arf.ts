// ARF feedback-loop reports (RFC 5965, RFC 6591 auth-failure), including headers-only originals
// and redacted recipients.
import type { Header } from './mime';
import { parseHeaders } from './mime';
import { addressIn } from './addresses';

export interface FeedbackReport {
  feedbackType: string;
  recipients: string[];
  originalMailFrom?: string;
  /** The Source-IP field as written (RFC 5965 section 3.2); the fact calls it `ip`. */
  sourceIp?: string;
  arrivalDate?: string;
  reportedDomain?: string;
  userAgent?: string;
}

const FEEDBACK_TYPES = new Set(['abuse', 'fraud', 'virus', 'not-spam', 'auth-failure', 'opt-out', 'other', 'dmarc']);

/** Reads the fields of a message/feedback-report part (or a body that quotes one). */
export function parseFeedbackReport(body: string): FeedbackReport | undefined {
  return feedbackFromHeaders(parseHeaders(body));
}

export function feedbackFromHeaders(headers: Header[]): FeedbackReport | undefined {
  let feedbackType: string | undefined;
  const report: Omit<FeedbackReport, 'feedbackType'> = { recipients: [] };
  for (const { name, value } of headers) {
    switch (name) {
      case 'feedback-type': {
        const type = value.trim().toLowerCase().split(/[\s;]/)[0] ?? '';
        feedbackType ??= FEEDBACK_TYPES.has(type) ? type : type || 'other';
        break;
      }
      case 'original-rcpt-to':
      case 'removal-recipient': {
        const address = addressIn(value);
        if (address && !report.recipients.includes(address)) report.recipients.push(address);
        break;
      }
      case 'original-mail-from':
        report.originalMailFrom ??= addressIn(value) || value.trim();
        break;
      case 'source-ip':
        report.sourceIp ??= value.trim().replace(/^\[|\]$/g, '');
        break;
      case 'arrival-date':
      case 'received-date':
        report.arrivalDate ??= value.trim();
        break;
      case 'reported-domain':
        report.reportedDomain ??= value.trim();
        break;
      case 'user-agent':
        report.userAgent ??= value.trim();
        break;
      default:
        break;
    }
  }
  return feedbackType ? { feedbackType, ...report } : undefined;
}
