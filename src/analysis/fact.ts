// The fact the analyzer returns for each complaining, bouncing or answering recipient of a report.
import type { Reason } from './reasons';

export type FactKind = 'complaint' | 'bounce' | 'delay' | 'autoreply' | 'delivered';

export interface Fact {
  kind: FactKind;
  /** The failed, delayed or complaining address (lower-cased); '' when the report names none. */
  recipient: string;
  reason: Reason;
  /** True only for a permanent failure that says the address itself is bad (see `isHardReason`). */
  hardBounce: boolean;
  /** Which reader produced the fact: 'dsn', 'arf', 'autoreply', or a vendor family ('qmail', 'exim', ...). */
  format: string;
  /** Enhanced status code (RFC 3463), e.g. '5.1.1'. */
  status?: string;
  /** SMTP reply code, e.g. '550'. */
  replyCode?: string;
  diagnosticCode?: string;
  remoteMta?: string;
  reportingMta?: string;
  /** DSN Action: failed, delayed, delivered, relayed, expanded. */
  action?: string;
  /** The SMTP command the remote server answered (RCPT, DATA, MAIL, ...). */
  smtpCommand?: string;
  /** ARF Feedback-Type (RFC 5965): abuse, fraud, virus, not-spam, auth-failure, opt-out, other. */
  feedbackType?: string;
  /** The IP address the original message was sent from: ARF Source-IP (RFC 5965 section 3.2) or the vendor's own field. */
  ip?: string;
  /** ISO-8601 UTC. */
  arrivalDate?: string;
  /** Message-ID of the original message (without angle brackets), when the report carries it. */
  originalMessageId?: string;
  from?: string;
  to?: string;
  subject?: string;
}
