// Pure: what makes shared complaints campaign evidence, and what makes a sender a campaign member.
//
// A fingerprint shared by several senders' complaints is evidence only when its complaints stand
// out against how common it is. On a shared relay templates are everywhere (a shop platform's
// order notice, a contact-form plugin): with a few hundred senders on one template, five of them
// drawing one background complaint each is noise. When the relay reports a content fingerprint
// with its send events, the fingerprint has a complaint rate of its own, judged like a sender's
// (Wilson lower bound against the throttle line, over a volume floor). Without it, the fallback is
// distinctiveness: complaints from mostly established senders with clean records mark a template.
//
// A sender is acted on only with evidence of its own: a fresh account (the rotating-accounts abuse
// of a free service), a submitting network it shares with another member, or its own rate over the
// warn line as the rate engine decided it. Everyone else is listed as "also seen".
import type { CampaignMember } from '../config/campaigns';
import { wilsonInterval } from './wilson';

export interface SenderStanding {
  tier: string;
  firstSeenAt: Date | null;
  /** The rate engine's own decision (volume floor included). */
  autoAction: 'allow' | 'warn' | 'throttle' | 'suspend';
}

export type FingerprintFooting =
  | { kind: 'volume'; volume: number; complaints: number; lowerBound: number }
  | { kind: 'distinct'; senders: number; establishedClean: number };

export interface EvidenceLines {
  /** Sends a fingerprint needs before its own rate decides (the rate engine's volume floor). */
  minVolume: number;
  /** Its complaint rate's Wilson lower bound must reach this (the throttle line). */
  complaintRate: number;
  confidence: number;
  /** Share of a fingerprint's senders that, established and clean, make it a template. */
  templateShare: number;
}

export interface Weighed {
  evidence: boolean;
  footing: FingerprintFooting;
  explanation: string;
}

const percent = (rate: number) => `${(rate * 100).toFixed(rate < 0.001 ? 3 : 2)}%`;

/** A sender first seen within the window, not promoted: how rotating abuse accounts look. */
export function isFresh(standing: SenderStanding | undefined, windowStart: Date): boolean {
  if (!standing) return true;
  return standing.tier === 'new' && (standing.firstSeenAt === null || standing.firstSeenAt.getTime() >= windowStart.getTime());
}

const isEstablishedClean = (standing: SenderStanding | undefined, windowStart: Date) =>
  standing !== undefined && !isFresh(standing, windowStart) && standing.autoAction === 'allow';

/**
 * Weighs one fingerprint's complaints. `covered` of them carry a relay fingerprint whose sends in
 * the window total `volume` (null when the relay reports none for them).
 */
export function weighFingerprint(
  complaints: number,
  senders: Iterable<string>,
  relayVolume: { covered: number; volume: number } | null,
  standings: ReadonlyMap<string, SenderStanding>,
  windowStart: Date,
  lines: EvidenceLines,
): Weighed {
  if (relayVolume && relayVolume.volume >= lines.minVolume) {
    const { lower } = wilsonInterval(relayVolume.covered, relayVolume.volume, lines.confidence);
    const footing: FingerprintFooting = { kind: 'volume', volume: relayVolume.volume, complaints: relayVolume.covered, lowerBound: lower };
    const evidence = lower >= lines.complaintRate;
    const verdict = evidence ? `at least ${percent(lower)}, over the ${percent(lines.complaintRate)} line` : `at least ${percent(lower)}, under the ${percent(lines.complaintRate)} line: common content, not a campaign`;
    return { evidence, footing, explanation: `volume: ${relayVolume.covered} complaints in ${relayVolume.volume} sends (${verdict})` };
  }
  const list = [...senders];
  const establishedClean = list.filter((sender) => isEstablishedClean(standings.get(sender), windowStart)).length;
  const footing: FingerprintFooting = { kind: 'distinct', senders: list.length, establishedClean };
  const template = list.length > 0 && establishedClean / list.length >= lines.templateShare;
  const explanation = template
    ? `distinctiveness (no volume from the relay): ${establishedClean} of ${list.length} senders are established with clean records: a shared template, not a campaign`
    : `distinctiveness (no volume from the relay): ${establishedClean} of ${list.length} senders are established with clean records`;
  return { evidence: !template && complaints > 0, footing, explanation };
}

/**
 * Decides each sender's membership. `networksOf` gives the submitting networks of the sender's
 * complaints in the campaign; `campaignNetworks` counts, per network, the senders seen from it
 * (a network of an already raised campaign counts as shared).
 */
export function judgeMembers(
  senders: string[],
  networksOf: (sender: string) => string[],
  sharedNetworks: ReadonlySet<string>,
  standings: ReadonlyMap<string, SenderStanding>,
  windowStart: Date,
): CampaignMember[] {
  return senders.map((sender) => {
    const standing = standings.get(sender);
    const reasons: string[] = [];
    if (isFresh(standing, windowStart)) reasons.push(standing?.firstSeenAt ? `new account, first seen ${standing.firstSeenAt.toISOString()}` : 'new account');
    const shared = networksOf(sender).filter((network) => sharedNetworks.has(network));
    if (shared.length > 0) reasons.push(`submits from ${shared[0]}, shared with other members`);
    if (standing && standing.autoAction !== 'allow') reasons.push(`its own rate is over the line (${standing.autoAction})`);
    if (reasons.length > 0) return { sender, included: true, why: reasons.join('; ') };
    const since = standing?.firstSeenAt ? `, first seen ${standing.firstSeenAt.toISOString().slice(0, 10)}` : '';
    return { sender, included: false, why: `also seen: a sender of long standing (tier ${standing?.tier ?? 'new'}${since}) with its own rates under the lines and no network shared with members` };
  });
}
