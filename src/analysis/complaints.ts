// Complaints in their three shapes: ARF reports (RFC 5965, also flattened into a plain body),
// Microsoft JMRP forwards (the message attached, no ARF part) and Apple Mail unsubscribe requests.
import type { Fact } from './fact';
import type { Header, MimePart } from './mime';
import { headerValue, parseHeaders, partText } from './mime';
import { addressIn } from './addresses';
import { feedbackFromHeaders, parseFeedbackReport } from './arf';
import { toIsoDate } from './report-text';

export interface ComplaintInput {
  feedbackPart?: MimePart;
  bodyText: string;
  reportHeaders: Header[];
  originalHeaders: Header[];
  /** Fields of the original message: originalMessageId, from, to, subject. */
  original: Partial<Fact>;
  subject: string;
  reportFrom: string;
  /** The report's Date as ISO-8601, read only when a complaint is found. */
  arrivalFromReport: () => string | undefined;
}

function complaint(recipient: string, feedbackType: string, format: string, extra: Partial<Fact>): Fact {
  return { kind: 'complaint', recipient, reason: 'feedback', hardBounce: false, format, feedbackType, ...extra };
}

/** The complaint facts a report carries, or undefined when it is not a complaint. */
export function readComplaint(input: ComplaintInput): Fact[] | undefined {
  const { bodyText, original } = input;
  const arrival = (): Partial<Fact> => {
    const arrivalDate = input.arrivalFromReport();
    return arrivalDate ? { arrivalDate } : {};
  };

  // Apple Mail's unsubscribe button mails the List-Unsubscribe mailto: address with this header:
  // the recipient asks to stop, an opt-out rather than a bounce or an auto-reply.
  if (/^\s*true\s*$/i.test(headerValue(input.reportHeaders, 'x-apple-unsubscribe') ?? '')) {
    return [complaint(input.reportFrom, 'opt-out', 'unsubscribe', arrival())];
  }

  // ARF part, or ARF fields quoted in a plain body (some forwarders flatten the report).
  const feedback = input.feedbackPart
    ? parseFeedbackReport(partText(input.feedbackPart))
    : /^Feedback-Type:/im.test(bodyText)
      ? feedbackFromHeaders(parseHeaders(bodyText.slice(bodyText.search(/^Feedback-Type:/im))))
      : undefined;

  // Microsoft JMRP: the complained-of message attached whole, its recipient in a header of its own.
  const jmrpRecipient = headerValue(input.originalHeaders, 'x-hmxmroriginalrecipient');
  if (!feedback && (jmrpRecipient !== undefined || /^complaint about message from /i.test(input.subject.trim()))) {
    const fact = complaint(addressIn(jmrpRecipient) || (original.to ?? ''), 'abuse', 'arf', { ...original, ...arrival() });
    const ip = /\b(\d{1,3}(?:\.\d{1,3}){3})\b/.exec(input.subject)?.[1];
    if (ip) fact.ip = ip;
    return [fact];
  }
  if (!feedback) return undefined;

  // A redacted or absent Original-Rcpt-To leaves the original To: (often redacted too) or nothing.
  const recipients = feedback.recipients.length > 0 ? feedback.recipients : [original.to ?? ''];
  return recipients.map((recipient) => {
    const fact = complaint(recipient, feedback.feedbackType, 'arf', { ...original });
    if (feedback.sourceIp) fact.ip = feedback.sourceIp;
    const arrivalDate = toIsoDate(feedback.arrivalDate) ?? input.arrivalFromReport();
    if (arrivalDate) fact.arrivalDate = arrivalDate;
    if (!fact.from && feedback.originalMailFrom) fact.from = feedback.originalMailFrom;
    return fact;
  });
}
