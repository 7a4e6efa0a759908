// Blame for a listing: the senders of an IP's mail in the window before the listing, ranked.
// Carried in the listing event (so in its alert), and served on the IP's API and dashboard page.
import type { Db } from '../db/client';
import type { EventWrite } from '../db/events';
import { listingKey, type DnsblState } from '../db/schema';
import { senderCountsOnIps } from '../db/steering-queries';
import { dnsblEventRow } from '../dnsbl/events';
import type { DnsblEvent } from '../dnsbl/state';
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

/** A blame as JSON (an event's payload, the IP's API answer): the first `limit` ranked senders. */
export function blameRecord(blame: ListingBlame, limit = blame.senders.length) {
  return {
    from: blame.from.toISOString(),
    to: blame.to.toISOString(),
    totalSent: blame.totalSent,
    senders: blame.senders.slice(0, limit).map(({ rank, sender, share, sent, complaints, ipBlamingBounces, campaign }) => ({ rank, sender, share, sent, complaints, ipBlamingBounces, campaign })),
  };
}

/** What a listing event carries: a sentence for the summary and the ranked senders for the payload. */
export function blameNote(blame: ListingBlame, limit = 10): { summary: string; payload: Record<string, unknown> } {
  return { summary: blameSentence(blame), payload: { blame: blameRecord(blame, limit) } };
}

/**
 * The event rows of a blocklist run, where a new IP listing names the senders of the IP's mail
 * before it (in its event, so its alert); listings first seen at one moment (a listed /24) are read together.
 */
export async function blamedDnsblEventRows(db: Db, events: readonly DnsblEvent[], state: DnsblState, now: Date, windowHours: number): Promise<EventWrite[]> {
  const notes = new Map<string, { summary: string; payload: Record<string, unknown> }>();
  const listedByMoment = new Map<number, { key: string; ip: string }[]>();
  for (const event of events) {
    if (event.type !== 'listed' || !event.target || event.target.kind === 'domain') continue;
    const key = listingKey(event.target, event.zoneId);
    const listedAt = state.listings.find((listing) => listingKey(listing.target, listing.zoneId) === key)?.since ?? now;
    listedByMoment.set(listedAt.getTime(), [...(listedByMoment.get(listedAt.getTime()) ?? []), { key, ip: event.target.value }]);
  }
  for (const [moment, listed] of listedByMoment) {
    const ips = [...new Set(listed.map((entry) => entry.ip))];
    const blames = new Map((await listingBlames(db, ips, new Date(moment), windowHours)).map((blame) => [blame.ip, blame]));
    for (const entry of listed) notes.set(entry.key, blameNote(blames.get(entry.ip)!));
  }
  return events.map((event) => {
    const row = dnsblEventRow(event);
    const note = event.target ? notes.get(listingKey(event.target, event.zoneId)) : undefined;
    return note ? { ...row, summary: `${row.summary}; ${note.summary}`, payload: { ...row.payload, ...note.payload } } : row;
  });
}
