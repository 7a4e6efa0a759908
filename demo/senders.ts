// The demo relay's customers: a few hundred ordinary senders and a handful whose mail goes wrong
// in the ways that get a shared relay blocklisted. Seeded, so every run tells the same story.
import { platformTemplates, troubleMakerTemplates, type MessageTemplate } from './mail/content';

export type SenderProfile = 'regular' | 'spammer' | 'list-buyer';

export interface DemoSender {
  id: string;
  domain: string;
  /** The relay address its mail leaves from. */
  ip: string;
  profile: SenderProfile;
  /** Live sending rate at speed 1. */
  messagesPerMinute: number;
  /** Messages in the 24 hours before the demo started (the backfilled history), all clean. */
  historyPerDay: number;
  /** Every n-th message draws an abuse complaint (deterministic, so the story always unfolds). */
  complaintEvery: number | null;
  /** Every n-th message bounces hard (user unknown). */
  hardBounceEvery: number | null;
  /** What it sends, in turn. */
  templates: MessageTemplate[];
}

/** The relay's sending addresses: a /28 of documentation space and one IPv6 address. */
export const relayNetwork = { ipv4Range: '192.0.2.16/28', ipv6: '2001:db8:25::10' };
export const relayIpv4 = Array.from({ length: 16 }, (_, index) => `192.0.2.${16 + index}`);
export const relayDomain = 'relay-demo.example';

/** mulberry32: a tiny seeded PRNG, enough for a reproducible population. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const trades = ['bakery', 'bikes', 'books', 'cafe', 'clinic', 'dental', 'florist', 'gallery', 'garden', 'gym', 'hotel', 'law', 'music', 'optics', 'pets', 'pottery', 'school', 'tea', 'tours', 'yoga'];
const places = ['alder', 'brook', 'cedar', 'delta', 'elm', 'fjord', 'grove', 'harbor', 'iris', 'juniper', 'kestrel', 'lumen', 'maple', 'north', 'oak', 'pine', 'quarry', 'river', 'stone', 'vale'];

/** Senders whose traffic goes bad once the demo starts; their names say what they do. */
const troubleMakers: Omit<DemoSender, 'templates'>[] = [
  // A compromised account blasting prize scams: complaints come fast; suspended within a minute.
  { id: 'promo-blaster', domain: 'megadeals-now.example', ip: '192.0.2.27', profile: 'spammer', messagesPerMinute: 360, historyPerDay: 190, complaintEvery: 20, hardBounceEvery: 40 },
  // A newsletter gone aggressive: slower complaints, so it is throttled before it is suspended.
  { id: 'winbig-rewards', domain: 'winbig-rewards.example', ip: '192.0.2.27', profile: 'spammer', messagesPerMinute: 240, historyPerDay: 210, complaintEvery: 70, hardBounceEvery: 60 },
  // Mailing a purchased list: few complaints but one address in seven does not exist.
  { id: 'lead-harvest', domain: 'lead-harvest.example', ip: '192.0.2.23', profile: 'list-buyer', messagesPerMinute: 240, historyPerDay: 120, complaintEvery: null, hardBounceEvery: 7 },
];

export function demoSenders(count = 300, seed = 25): DemoSender[] {
  const random = seededRandom(seed);
  const senders: DemoSender[] = [];
  const taken = new Set<string>();
  while (senders.length < count) {
    const trade = trades[Math.floor(random() * trades.length)]!;
    const place = places[Math.floor(random() * places.length)]!;
    let id = `${place}-${trade}`;
    for (let n = 2; taken.has(id); n++) id = `${place}-${trade}-${n}`;
    taken.add(id);
    // Volumes of a hosting provider's customers are heavy-tailed: most send a little, a few a lot.
    const size = Math.exp(random() * 4.5 - 1.5);
    senders.push({
      id,
      domain: `${id}.example`,
      // One sender in twenty sends over IPv6.
      ip: random() < 0.05 ? relayNetwork.ipv6 : relayIpv4[Math.floor(random() * relayIpv4.length)]!,
      profile: 'regular',
      messagesPerMinute: Math.round(size * 5) / 10,
      historyPerDay: Math.round(size * 12),
      complaintEvery: null,
      hardBounceEvery: null,
      templates: platformTemplates,
    });
  }
  return [...troubleMakers.map((sender) => ({ ...sender, templates: troubleMakerTemplates[sender.id]! })), ...senders];
}

/** Where the relay's mail goes: the big providers take most of it. */
export const recipientDomains: { domain: string; share: number }[] = [
  { domain: 'gmail.example', share: 0.4 },
  { domain: 'outlook.example', share: 0.25 },
  { domain: 'yahoo.example', share: 0.15 },
  { domain: 'gmx.example', share: 0.1 },
  { domain: 'mailbox.example', share: 0.1 },
];

export function pickRecipientDomain(random: () => number): string {
  let left = random();
  for (const { domain, share } of recipientDomains) {
    left -= share;
    if (left <= 0) return domain;
  }
  return recipientDomains[0]!.domain;
}
