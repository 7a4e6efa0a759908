// Blame for a listing: the senders of an IP's mail in the window before the listing, ranked.
// Carried in the listing event (so in its alert), and served on the IP's API and dashboard page.
import type { Db } from '../db/client';
import { senderCountsOnIps } from '../db/steering-queries';
import { blameSentence, ipBlamingReasons, rankBlame, type ListingBlame } from '../steering/blame';

export async function listingBlame(db: Db, ip: string, listedAt: Date, windowHours: number): Promise<ListingBlame> {
  return (await listingBlames(db, [ip], listedAt, windowHours))[0]!;
}

/** The blame of several IPs listed at one moment (a run that confirms a /24), read in one query. */
export async function listingBlames(db: Db, ips: readonly string[], listedAt: Date, windowHours: number): Promise<ListingBlame[]> {
  const from = new Date(listedAt.getTime() - windowHours * 3_600_000);
  const rows = await senderCountsOnIps(db, ips, from, listedAt, ipBlamingReasons);
  return ips.map((ip) => {
    const own = rows.filter((row) => row.ip === ip);
    const totalSent = own.reduce((sum, row) => sum + row.sent, 0);
    return { ip, from, to: listedAt, totalSent, senders: rankBlame(own, totalSent) };
  });
}

/** What a listing event carries: a sentence for the summary and the ranked senders for the payload. */
export function blameNote(blame: ListingBlame, limit = 10): { summary: string; payload: Record<string, unknown> } {
  return {
    summary: blameSentence(blame),
    payload: {
      blame: {
        from: blame.from.toISOString(),
        to: blame.to.toISOString(),
        totalSent: blame.totalSent,
        senders: blame.senders.slice(0, limit).map((sender) => ({
          rank: sender.rank,
          sender: sender.sender,
          share: sender.share,
          sent: sender.sent,
          complaints: sender.complaints,
          ipBlamingBounces: sender.ipBlamingBounces,
          campaign: sender.campaign,
        })),
      },
    },
  };
}
