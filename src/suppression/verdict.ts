// Which stored complaint and bounce facts suppress their recipient, and for what reason. A bounce
// suppresses only when the receiver said the address itself is bad; one that blames our IP, our
// content or our sending (blocked, spamdetected, policyviolation, badreputation, ...) never does.
import type { SuppressionConfig, SuppressionReason } from '../config/suppression';

/** What the suppression step needs of a fact. */
export interface SuppressibleFact {
  kind: string;
  /** '' or null when the report names none (redacted). */
  recipient?: string | null;
  reason?: string | null;
  hardBounce?: boolean | null;
  feedbackType?: string | null;
}

export type FactVerdict =
  | { kind: 'suppress'; reason: Exclude<SuppressionReason, 'mailboxFull' | 'manual'> }
  /** A full mailbox: counted, suppressing once the rule's bounces over days are reached. */
  | { kind: 'count'; reason: 'mailboxFull' }
  /** A complaint whose recipient was redacted by the feedback loop: nobody to suppress. */
  | { kind: 'redacted' }
  | { kind: 'none' };

/**
 * Bounce reasons caused by the recipient's address (Sisimai's taxonomy): the address does not
 * exist, its domain does not, it moved, or it accepts no mail (null MX, RFC 7505).
 */
const recipientCaused = new Set(['userunknown', 'hostunknown', 'hasmoved', 'notaccept']);

/** ARF feedback types (RFC 5965 §7.3) that mean "I did not want this": the recipient complained. */
const complaining = new Set(['abuse', 'fraud', 'virus', 'other', '']);

/**
 * How feedback loops write a recipient they withheld: `redacted@isp.example`, `xxxxxxxx@...`,
 * `****@...`, or a placeholder word. An address made of such a local part is nobody's.
 */
const redactedLocalPart = /^(?:redacted|removed|hidden|withheld|anonymi[sz]ed|anonymous|privacy|unknown|undisclosed(?:-recipients?)?|none|null|x+|\*+|#+|_+|-+)$/i;

export function isRedactedRecipient(recipient: string | null | undefined): boolean {
  const text = recipient?.trim() ?? '';
  const at = text.lastIndexOf('@');
  if (at <= 0) return true;
  const local = text.slice(0, at);
  return redactedLocalPart.test(local) || local.includes('*') || /redacted/i.test(text);
}

export function verdictOf(fact: SuppressibleFact): FactVerdict {
  if (fact.kind === 'complaint') {
    const type = (fact.feedbackType ?? '').toLowerCase();
    // not-spam, auth-failure (RFC 6591) and DMARC reports say nothing the recipient asked for.
    const reason = type === 'opt-out' ? 'unsubscribe' : complaining.has(type) ? 'complaint' : undefined;
    if (!reason) return { kind: 'none' };
    return isRedactedRecipient(fact.recipient) ? { kind: 'redacted' } : { kind: 'suppress', reason };
  }
  if (fact.kind !== 'bounce' || isRedactedRecipient(fact.recipient)) return { kind: 'none' };
  if (fact.hardBounce && recipientCaused.has(fact.reason ?? '')) return { kind: 'suppress', reason: 'hardBounce' };
  if (fact.reason === 'mailboxfull') return { kind: 'count', reason: 'mailboxFull' };
  return { kind: 'none' };
}

/**
 * Whether a mailbox has been full long enough to give up on it: at least `bounces` such bounces
 * within `withinDays` of the latest, the first and the latest at least `overDays` apart (a burst
 * of bounces from one full day is a vacation, not an abandoned mailbox).
 */
export function mailboxFullDue(occurrences: Date[], rule: SuppressionConfig['mailboxFull']): boolean {
  if (occurrences.length === 0) return false;
  const times = occurrences.map((at) => at.getTime()).sort((a, b) => a - b);
  const latest = times.at(-1)!;
  const recent = times.filter((at) => at > latest - rule.withinDays * 86_400_000);
  return recent.length >= rule.bounces && latest - recent[0]! >= rule.overDays * 86_400_000;
}
