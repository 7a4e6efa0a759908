// What a vendor family reader sees and returns: every family-specific reading (a notice format, a
// notification, an auto-reply, a habit of one appliance) goes through this one interface.
import type { Header } from '../mime';
import type { RecipientRecord } from '../dsn';

export interface BounceText {
  /** Headers of the report itself. */
  headers: Header[];
  subject: string;
  /** Lower-cased address of the report's From. */
  from: string;
  /** The human-readable error text, decoded, with the returned original cut off. */
  text: string;
  /** The report's whole text: its plain parts joined (its HTML stripped when it has none). */
  body: string;
}

/** A notification that is the whole answer for its message (Amazon SES's event JSON). */
export interface VendorNotification {
  kind: 'bounce' | 'complaint' | 'delivery';
  records: RecipientRecord[];
  feedbackType?: string;
  /** The address the original was sent from. */
  ip?: string;
  originalMessageId?: string;
  from?: string;
  subject?: string;
}

/** Each member is optional: a family implements the readings it has. */
export interface VendorReader {
  family: string;
  /**
   * The family's wording is the delivering agent's own verdict: it replaces the diagnostic of a
   * DSN part in the same report rather than only filling a missing one.
   */
  authoritative?: boolean;
  /** A notification in the family's own format, read before anything else; undefined when it is not one. */
  readNotification?: (report: BounceText) => VendorNotification | undefined;
  /** The family's notices are bounces even without a DSN part or a bounce envelope. */
  isBounce?: (report: BounceText) => boolean;
  /** The message is a mailbox program answering for a person (vacation, out of office), not a bounce. */
  isAutoReply?: (report: BounceText) => boolean;
  /** Cheap test on the report's headers and text: is this the family's notice format? */
  matches?: (report: BounceText) => boolean;
  /** The failed recipients the family's wording names; [] when it names none. */
  read?: (report: BounceText) => RecipientRecord[];
  /**
   * Corrects a record of any report, whichever reader found it, where the family's habit says more
   * than the record does; the family checks the report is its own.
   */
  refine?: (record: RecipientRecord, report: BounceText) => void;
}
