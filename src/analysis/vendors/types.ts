// What a vendor family reader sees and returns.
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
}

export interface VendorReader {
  family: string;
  /**
   * The family's wording is the delivering agent's own verdict: it replaces the diagnostic of a
   * DSN part in the same report rather than only filling a missing one.
   */
  authoritative?: boolean;
  /** Cheap test on the report's headers and text: is this the family's format? */
  matches: (report: BounceText) => boolean;
  /** The failed recipients the family's wording names; [] when it names none. */
  read: (report: BounceText) => RecipientRecord[];
}
