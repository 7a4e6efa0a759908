// Pure: who got an IP listed. The senders of the IP's mail in the hours before a listing, ranked by
// the evidence against them in that window: complaints, and bounces whose reason blames the IP's
// reputation or content (a receiver's block, spam verdict or bad reputation) rather than the
// recipient. Among senders with equal evidence, the larger share of the IP's mail ranks first.

/** Bounce reasons that are the receiver judging the sending IP (or its content), not the recipient. */
export const ipBlamingReasons = ['blocked', 'spamdetected', 'badreputation'] as const;

export interface SenderWindowCounts {
  sender: string;
  /** Messages (send events) of the sender on the IP in the window. */
  sent: number;
  complaints: number;
  ipBlamingBounces: number;
  campaign: { id: number; rule: string; status: string } | null;
}

export interface BlamedSender extends SenderWindowCounts {
  rank: number;
  /** The sender's fraction of the IP's mail in the window. */
  share: number;
}

export interface ListingBlame {
  ip: string;
  /** Half-open window [from, to): `to` is when the listing was first seen. */
  from: Date;
  to: Date;
  totalSent: number;
  senders: BlamedSender[];
}

export function rankBlame(rows: readonly SenderWindowCounts[], totalSent: number): BlamedSender[] {
  const evidence = (row: SenderWindowCounts) => row.complaints + row.ipBlamingBounces;
  return [...rows]
    .sort((a, b) => evidence(b) - evidence(a) || b.sent - a.sent || (a.sender < b.sender ? -1 : a.sender > b.sender ? 1 : 0))
    .map((row, index) => ({ ...row, rank: index + 1, share: totalSent > 0 ? row.sent / totalSent : 0 }));
}

const percent = (fraction: number) => `${(fraction * 100).toFixed(fraction < 0.1 ? 1 : 0)}%`;

/** One line per ranked sender, for alerts: `alice@shop.example: 31% of the mail, 6 complaints, ...`. */
export function describeBlamedSender(sender: BlamedSender): string {
  const parts = [`${percent(sender.share)} of the mail`, `${sender.complaints} complaint${sender.complaints === 1 ? '' : 's'}`, `${sender.ipBlamingBounces} blocked/spam/reputation bounce${sender.ipBlamingBounces === 1 ? '' : 's'}`];
  if (sender.campaign) parts.push(`campaign #${sender.campaign.id}`);
  return `${sender.sender} (${parts.join(', ')})`;
}

/** The part of a listing alert that names the senders: the top few, or why there are none. */
export function blameSentence(blame: ListingBlame, limit = 3): string {
  const hours = Math.round((blame.to.getTime() - blame.from.getTime()) / 3_600_000);
  if (blame.senders.length === 0) return `no mail from this IP is recorded in the ${hours} h before the listing`;
  const shown = blame.senders.slice(0, limit).map(describeBlamedSender).join('; ');
  const more = blame.senders.length > limit ? `; and ${blame.senders.length - limit} more` : '';
  return `senders in the ${hours} h before (${blame.totalSent} messages), most to blame first: ${shown}${more}`;
}
