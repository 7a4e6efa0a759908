// What a refused sender is told, in one place: the Postfix policy server answers with it and the
// policy API hands it to the Haraka plugin (and any relay) as the SMTP reply to give.
import type { EffectivePolicy } from '../reputation/effective-policy';

/**
 * A message refused: `reject` is permanent (5xx; Postfix REJECT, Haraka DENY), `defer` temporary
 * (4xx; Postfix DEFER_IF_PERMIT, Haraka DENYSOFT). The status is the RFC 3463 enhanced code:
 * X.7.1, "delivery not authorized, message refused".
 */
export type Refusal =
  | { action: 'reject'; status: `5.${number}.${number}`; text: string }
  | { action: 'defer'; status: `4.${number}.${number}`; text: string };

/** Longest text sent: an SMTP reply line is at most 512 octets with its code (RFC 5321 §4.5.3.1.5). */
const maxTextLength = 400;

/** The text on one printable ASCII line: a CR or LF in it would end the reply (or the policy answer) early. */
export function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').slice(0, maxTextLength);
}

/**
 * The refusal for a message from a sender under a policy, given what it sent this hour and this
 * UTC day; null when the message may go. The texts reach the sender's mail client, so they name the
 * rule, never the internal reason (complaint figures, the operator's note, the campaign's evidence).
 */
export function refusalFor(
  sender: string,
  policy: Pick<EffectivePolicy, 'action' | 'limitPerHour' | 'limitPerDay'>,
  acceptedThisHour: number,
  acceptedToday = acceptedThisHour,
): Refusal | null {
  if (policy.action === 'suspend') {
    return { action: 'reject', status: '5.7.1', text: oneLine(`Sender ${sender} is suspended from sending through this relay`) };
  }
  if (policy.limitPerHour !== null && acceptedThisHour >= policy.limitPerHour) {
    return { action: 'defer', status: '4.7.1', text: oneLine(`Sender ${sender} is over its limit of ${policy.limitPerHour} messages per hour; try again later`) };
  }
  if (policy.limitPerDay !== null && acceptedToday >= policy.limitPerDay) {
    return { action: 'defer', status: '4.7.1', text: oneLine(`Sender ${sender} is over its limit of ${policy.limitPerDay} messages per day; try again tomorrow`) };
  }
  return null;
}
