// The campaign rule, with no I/O: complaints sharing a fingerprint across senders within the window
// are judged together. Fingerprints that cross the rule's lines raise a campaign (those sharing
// complaints make one campaign, however many fingerprints the wave carries); complaints matching a
// campaign already raised — one of its fingerprints, or its submitting networks — join it. Whether a
// fingerprint is evidence, and whether a sender is acted on, is campaign-evidence.ts.
import { bitsDistance, simhashBits, type SimhashBits } from '../analysis/simhash';
import type { CampaignJoin, CampaignMember, RaisedCampaign } from '../config/campaigns';
import { judgeMembers, weighFingerprint, type EvidenceLines, type FingerprintFooting, type SenderStanding } from './campaign-evidence';

export type { FingerprintFooting, SenderStanding } from './campaign-evidence';

/** `content`: the relay's own content fingerprint, as its send events and the message's header carry it. */
export const fingerprintKinds = ['url', 'subject', 'body', 'client', 'sasl', 'content'] as const;
export type FingerprintKind = (typeof fingerprintKinds)[number];

export interface Fingerprint {
  kind: FingerprintKind;
  value: string;
}

/** A counted complaint in the window, with its stored fingerprints (client: the raw address). */
export interface ComplaintPrints {
  factId: number;
  sender: string;
  at: Date;
  prints: Fingerprint[];
}

export interface ActiveCampaign {
  id: number;
  fingerprints: Fingerprint[];
  /** Submitting networks (CIDR text) of its complaints. */
  networks: string[];
  /** The senders under its action. */
  senders: string[];
  complaintIds: number[];
}

/** What the rule knows beyond the complaints: the relay's volumes and each sender's standing. */
export interface CampaignContext {
  windowStart: Date;
  /** Sends in the window per relay content fingerprint. */
  volumes: ReadonlyMap<string, number>;
  standings: ReadonlyMap<string, SenderStanding>;
}

export interface CampaignRuleOptions {
  minSenders: number;
  minComplaints: number;
  bodyMaxDistance: number;
  /** URL registered domains that never form a campaign. */
  allowUrlDomains: ReadonlySet<string>;
  /** True for an address on a never-a-campaign network. */
  isAllowedAddress: (address: string) => boolean;
  /** The network an address belongs to, as campaigns remember it. */
  networkOf: (address: string) => string | null;
  evidence: EvidenceLines;
}

export interface FingerprintEvidence extends Fingerprint {
  senders: number;
  complaints: number;
  footing: FingerprintFooting;
  explanation: string;
}

export interface CampaignOutcome {
  raised: RaisedCampaign<FingerprintEvidence>[];
  /** Only campaigns gaining a sender, a complaint, a network or a fingerprint. */
  joined: CampaignJoin<FingerprintEvidence>[];
}

export const fingerprintKey = (print: Fingerprint) => `${print.kind}:${print.value}`;

interface Group extends Fingerprint {
  complaints: Set<number>;
  senders: Set<string>;
}

/** Assigns each body hash to a cluster centre: an existing campaign's, or a hash close to many others. */
function bodyCentres(hashes: string[], seeded: string[], maxDistance: number): Map<string, string> {
  const centres = seeded.map((hash) => ({ hash, bits: simhashBits(hash) }));
  const centreOf = new Map<string, string>();
  const counts = new Map<string, number>();
  for (const hash of hashes) counts.set(hash, (counts.get(hash) ?? 0) + 1);
  // The hash with the most copies within reach goes first, so the campaign's template becomes the
  // centre and its variants gather round it. Counting neighbours is quadratic: past a few thousand
  // distinct bodies in the window, plain frequency orders them.
  const distinct = [...counts.keys()];
  const bits = new Map<string, SimhashBits>(distinct.map((hash) => [hash, simhashBits(hash)]));
  const reach = new Map<string, number>();
  if (distinct.length <= 2000) {
    const weights = distinct.map((hash) => counts.get(hash)!);
    const parsed = distinct.map((hash) => bits.get(hash)!);
    for (let i = 0; i < distinct.length; i++) {
      let near = 0;
      for (let j = 0; j < distinct.length; j++) if (bitsDistance(parsed[i]!, parsed[j]!) <= maxDistance) near += weights[j]!;
      reach.set(distinct[i]!, near);
    }
  }
  const weight = (hash: string) => reach.get(hash) ?? counts.get(hash)!;
  for (const hash of distinct.sort((a, b) => weight(b) - weight(a) || (a < b ? -1 : 1))) {
    const own = bits.get(hash)!;
    const centre = centres.find((candidate) => bitsDistance(candidate.bits, own) <= maxDistance);
    if (centre) centreOf.set(hash, centre.hash);
    else {
      centres.push({ hash, bits: own });
      centreOf.set(hash, hash);
    }
  }
  return centreOf;
}

/** What one pass knows about the window's complaints, shared by its steps. */
interface Pass {
  options: CampaignRuleOptions;
  context: CampaignContext;
  byId: Map<number, ComplaintPrints>;
  /** Complaints per fingerprint (body hashes by their cluster centre, clients by their network). */
  groups: Map<string, Group>;
  networksOf: Map<number, string[]>;
  /** The relay content fingerprint each complaint carries. */
  contentOf: Map<number, string>;
  weighed: Map<Group, ReturnType<typeof weighFingerprint>>;
}

/** A campaign already raised and what this pass adds to it. */
interface Join {
  campaign: ActiveCampaign;
  complaints: Set<number>;
  fingerprints: FingerprintEvidence[];
}

export function findCampaigns(
  complaints: ComplaintPrints[],
  active: ActiveCampaign[],
  dismissedKeys: ReadonlySet<string>,
  options: CampaignRuleOptions,
  context: CampaignContext,
): CampaignOutcome {
  const pass = groupComplaints(complaints, active, dismissedKeys, options, context);
  const { joins, unclaimed, campaignOfComplaint } = claimByActiveCampaigns(pass, active, dismissedKeys);
  const crossesCountLine = (group: Group) =>
    group.senders.size >= options.minSenders || (group.complaints.size >= options.minComplaints && group.senders.size >= 2);
  const qualifying = unclaimed.filter((group) => crossesCountLine(group) && weigh(pass, group).evidence);
  // A qualifying fingerprint whose complaints already belong to a campaign widens that campaign.
  const fresh: Group[] = [];
  for (const group of qualifying) {
    const campaign = [...group.complaints].map((id) => campaignOfComplaint.get(id)).find(Boolean);
    if (!campaign) {
      fresh.push(group);
      continue;
    }
    const join = joinOf(joins, campaign);
    join.fingerprints.push(evidenceOf(pass, group));
    for (const id of group.complaints) join.complaints.add(id), campaignOfComplaint.set(id, campaign);
  }
  const raised = wavesOf(fresh).map((wave) => raisedCampaign(pass, wave)).filter((campaign): campaign is RaisedCampaign<FingerprintEvidence> => campaign !== null);
  const joined = [...joins.values()].map((join) => campaignJoin(pass, join)).filter((join) => join.fingerprints.length + join.members.length + join.complaintIds.length + join.networks.length > 0);
  return { raised, joined };
}

/** Groups the complaints by fingerprint: body hashes by cluster, clients by network, allow-listed ones left out. */
function groupComplaints(complaints: ComplaintPrints[], active: ActiveCampaign[], dismissedKeys: ReadonlySet<string>, options: CampaignRuleOptions, context: CampaignContext): Pass {
  const centreOf = bodyCentres(
    complaints.flatMap((c) => c.prints.filter((p) => p.kind === 'body').map((p) => p.value)),
    // Dismissed bodies are centres too: a near copy of a dismissed body is that body, not a new one.
    [
      ...active.flatMap((campaign) => campaign.fingerprints.filter((p) => p.kind === 'body').map((p) => p.value)),
      ...[...dismissedKeys].filter((key) => key.startsWith('body:')).map((key) => key.slice(5)),
    ],
    options.bodyMaxDistance,
  );
  const pass: Pass = { options, context, byId: new Map(complaints.map((c) => [c.factId, c])), groups: new Map(), networksOf: new Map(), contentOf: new Map(), weighed: new Map() };
  for (const complaint of complaints) {
    const networks: string[] = [];
    for (const print of complaint.prints) {
      let value = print.value;
      if (print.kind === 'url' && options.allowUrlDomains.has(value)) continue;
      if (print.kind === 'body') value = centreOf.get(value) ?? value;
      if (print.kind === 'content') pass.contentOf.set(complaint.factId, value);
      if (print.kind === 'client') {
        if (options.isAllowedAddress(value)) continue;
        const network = options.networkOf(value);
        if (!network) continue;
        networks.push(network);
        value = network;
      }
      const key = fingerprintKey({ kind: print.kind, value });
      let group = pass.groups.get(key);
      if (!group) pass.groups.set(key, (group = { kind: print.kind, value, complaints: new Set(), senders: new Set() }));
      group.complaints.add(complaint.factId);
      group.senders.add(complaint.sender);
    }
    pass.networksOf.set(complaint.factId, networks);
  }
  return pass;
}

/**
 * The relay's volume behind a group: the sends of the content fingerprints its complaints carry.
 * Who submitted (client, sasl) has no content volume: distinctiveness decides those.
 */
function relayVolumeOf(pass: Pass, group: Group): { covered: number; volume: number } | null {
  if (group.kind === 'client' || group.kind === 'sasl') return null;
  const values = new Set<string>();
  let covered = 0;
  for (const id of group.complaints) {
    const value = pass.contentOf.get(id);
    if (value === undefined || !pass.context.volumes.has(value)) continue;
    values.add(value);
    covered++;
  }
  if (covered === 0) return null;
  let volume = 0;
  for (const value of values) volume += pass.context.volumes.get(value)!;
  return { covered, volume };
}

function weigh(pass: Pass, group: Group): ReturnType<typeof weighFingerprint> {
  let result = pass.weighed.get(group);
  if (!result) {
    result = weighFingerprint(group.complaints.size, group.senders, relayVolumeOf(pass, group), pass.context.standings, pass.context.windowStart, pass.options.evidence);
    pass.weighed.set(group, result);
  }
  return result;
}

function evidenceOf(pass: Pass, group: Group): FingerprintEvidence {
  const { footing, explanation } = weigh(pass, group);
  return { kind: group.kind, value: group.value, senders: group.senders.size, complaints: group.complaints.size, footing, explanation };
}

function joinOf(joins: Map<number, Join>, campaign: ActiveCampaign): Join {
  let join = joins.get(campaign.id);
  if (!join) joins.set(campaign.id, (join = { campaign, complaints: new Set(campaign.complaintIds), fingerprints: [] }));
  return join;
}

/** Complaints matching a raised campaign join it: by fingerprint, or by submitting network. The rest is unclaimed. */
function claimByActiveCampaigns(pass: Pass, active: ActiveCampaign[], dismissedKeys: ReadonlySet<string>) {
  const campaignOfKey = new Map<string, ActiveCampaign>();
  for (const campaign of active) {
    for (const print of campaign.fingerprints) campaignOfKey.set(fingerprintKey(print), campaign);
    for (const network of campaign.networks) if (!campaignOfKey.has(`client:${network}`)) campaignOfKey.set(`client:${network}`, campaign);
  }
  const joins = new Map<number, Join>();
  const campaignOfComplaint = new Map<number, ActiveCampaign>();
  for (const campaign of active) for (const id of campaign.complaintIds) campaignOfComplaint.set(id, campaign);
  const unclaimed: Group[] = [];
  for (const [key, group] of pass.groups) {
    if (dismissedKeys.has(key)) continue;
    const campaign = campaignOfKey.get(key);
    if (campaign) {
      const join = joinOf(joins, campaign);
      for (const id of group.complaints) join.complaints.add(id), campaignOfComplaint.set(id, campaign);
    } else unclaimed.push(group);
  }
  return { joins, unclaimed, campaignOfComplaint };
}

/** Fingerprints sharing complaints are one wave: they make one campaign. */
function wavesOf(fresh: Group[]): Group[][] {
  const parent = fresh.map((_, index) => index);
  const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
  const ownerOf = new Map<number, number>();
  fresh.forEach((group, index) => {
    for (const id of group.complaints) {
      const owner = ownerOf.get(id);
      if (owner === undefined) ownerOf.set(id, index);
      else parent[root(index)] = root(owner);
    }
  });
  const merged = new Map<number, Group[]>();
  fresh.forEach((group, index) => {
    const list = merged.get(root(index)) ?? [];
    list.push(group);
    merged.set(root(index), list);
  });
  return [...merged.values()];
}

const sendersOf = (pass: Pass, ids: Iterable<number>) =>
  [...new Set([...ids].map((id) => pass.byId.get(id)?.sender).filter((s): s is string => Boolean(s)))].sort();
const networksFor = (pass: Pass, ids: Iterable<number>) => [...new Set([...ids].flatMap((id) => pass.networksOf.get(id) ?? []))].sort();

/** Members of a set of complaints; a network is shared when two senders submitted from it, or a campaign already holds it. */
function membersOf(pass: Pass, ids: number[], knownNetworks: ReadonlySet<string>): CampaignMember[] {
  const sendersByNetwork = new Map<string, Set<string>>();
  const networksBySender = new Map<string, Set<string>>();
  for (const id of ids) {
    const sender = pass.byId.get(id)?.sender;
    if (!sender) continue;
    for (const network of pass.networksOf.get(id) ?? []) {
      (sendersByNetwork.get(network) ?? sendersByNetwork.set(network, new Set()).get(network)!).add(sender);
      (networksBySender.get(sender) ?? networksBySender.set(sender, new Set()).get(sender)!).add(network);
    }
  }
  const shared = new Set([...sendersByNetwork].filter(([network, senders]) => senders.size >= 2 || knownNetworks.has(network)).map(([network]) => network));
  return judgeMembers(sendersOf(pass, ids), (sender) => [...(networksBySender.get(sender) ?? [])], shared, pass.context.standings, pass.context.windowStart);
}

function includedIds(pass: Pass, ids: number[], members: CampaignMember[]): number[] {
  const included = new Set(members.filter((m) => m.included).map((m) => m.sender));
  return ids.filter((id) => included.has(pass.byId.get(id)?.sender ?? ''));
}

/** A wave as a campaign to raise; null when none of its senders has evidence of its own. */
function raisedCampaign(pass: Pass, wave: Group[]): RaisedCampaign<FingerprintEvidence> | null {
  const { options } = pass;
  const ids = [...new Set(wave.flatMap((group) => [...group.complaints]))].sort((a, b) => a - b);
  const members = membersOf(pass, ids, new Set());
  const acted = includedIds(pass, ids, members);
  // Evidence without a member of its own evidence: nobody to act on, and no network to refuse.
  if (acted.length === 0) return null;
  const times = ids.map((id) => pass.byId.get(id)!.at.getTime());
  const strongest = wave.reduce((top, group) => (group.senders.size > top.senders.size ? group : top));
  const rule =
    strongest.senders.size >= options.minSenders
      ? `${strongest.senders.size} senders (at least ${options.minSenders}) share ${strongest.kind} ${strongest.value}`
      : `${strongest.complaints.size} complaints (at least ${options.minComplaints}) from ${strongest.senders.size} senders share ${strongest.kind} ${strongest.value}`;
  return {
    fingerprints: wave.map((group) => evidenceOf(pass, group)).sort((a, b) => b.senders - a.senders || b.complaints - a.complaints),
    senders: sendersOf(pass, acted),
    members,
    complaintIds: ids,
    networks: networksFor(pass, acted),
    rule: `${rule} (${weigh(pass, strongest).explanation})`,
    firstAt: new Date(Math.min(...times)),
    lastAt: new Date(Math.max(...times)),
  };
}

/** What a campaign already raised gains: new complaints, members, networks, fingerprints. */
function campaignJoin(pass: Pass, { campaign, complaints: ids, fingerprints }: Join): CampaignJoin<FingerprintEvidence> {
  const knownComplaints = new Set(campaign.complaintIds);
  const knownSenders = new Set(campaign.senders);
  const knownNetworks = new Set(campaign.networks);
  const newIds = [...ids].filter((id) => !knownComplaints.has(id) && pass.byId.has(id)).sort((a, b) => a - b);
  const members = membersOf(pass, newIds, knownNetworks).filter((member) => !knownSenders.has(member.sender));
  return {
    campaignId: campaign.id,
    fingerprints,
    senders: members.filter((member) => member.included).map((member) => member.sender),
    members,
    complaintIds: newIds,
    networks: networksFor(pass, includedIds(pass, newIds, members)).filter((network) => !knownNetworks.has(network)),
  };
}
