// One campaign as the rule stores it, for the dashboard and CLI tests: a fresh account acted on and
// an established customer only seen, a content fingerprint weighed against the relay's volume and a
// subject (an HTML injection attempt) weighed by distinctiveness. Evidence and reasons are the
// rule's own (weighFingerprint, judgeMembers), written through the product's storage function.
import { inArray } from 'drizzle-orm';
import { wardenConfigSchema } from '../../src/config/schema';
import { writeCampaignOutcome } from '../../src/db/campaign-queries';
import type { Db } from '../../src/db/client';
import { recordFacts } from '../../src/enforcement/facts';
import type { FactInput } from '../../src/enforcement/fact-records';
import { mailFacts } from '../../src/db/schema';
import { judgeMembers, weighFingerprint, type SenderStanding } from '../../src/reputation/campaign-evidence';
import type { RaisedCampaign } from '../../src/config/campaigns';
import type { FingerprintEvidence } from '../../src/reputation/campaign-rule';

export const campaignSeed = {
  actedOn: 'signup-7',
  alsoSeen: 'old-shop',
  content: 'tmpl-parcel-fee',
  /** Sends carrying `content` in the window. */
  volume: 600,
  subject: '<img src=x onerror=alert(2)> your parcel fee is unpaid',
};

const dayMs = 86_400_000;

export async function seedCampaign(db: Db, now: Date): Promise<number> {
  const config = wardenConfigSchema.parse({});
  const windowStart = new Date(now.getTime() - config.campaigns.windowHours * 3_600_000);
  const { actedOn, alsoSeen, content, volume, subject } = campaignSeed;
  const complaintsOf = [actedOn, actedOn, alsoSeen];
  const facts: FactInput[] = complaintsOf.map((sender, i) => ({
    kind: 'complaint', feedbackType: 'abuse', dedupKey: `campaign-seed-${i}`, sender, senderDomain: 'customers.example', recipient: `user${i}@gmail.example`,
    subject, source: 'imap:fbl/INBOX', occurredAt: new Date(now.getTime() - (3 - i) * 3_600_000), fingerprints: { urlDomains: [], subject, bodySimhash: null, relayFingerprint: content },
  }));
  await recordFacts(db, facts);
  const stored = await db.select({ id: mailFacts.id, at: mailFacts.occurredAt }).from(mailFacts).where(inArray(mailFacts.dedupKey, facts.map((fact) => fact.dedupKey)));

  const standings = new Map<string, SenderStanding>([[alsoSeen, { tier: 'established', firstSeenAt: new Date(now.getTime() - 90 * dayMs), autoAction: 'allow' }]]);
  const lines = { minVolume: config.reputation.minVolume, complaintRate: config.reputation.complaintRate.throttle, confidence: config.reputation.confidence, templateShare: config.campaigns.templateShare };
  const senders = [actedOn, alsoSeen];
  const evidence = (kind: 'content' | 'subject', value: string, relayVolume: { covered: number; volume: number } | null): FingerprintEvidence => {
    const { footing, explanation } = weighFingerprint(complaintsOf.length, senders, relayVolume, new Map(), windowStart, lines);
    return { kind, value, senders: senders.length, complaints: complaintsOf.length, footing, explanation };
  };
  const contentPrint = evidence('content', content, { covered: complaintsOf.length, volume });
  const members = judgeMembers(senders, () => [], new Set(), standings, windowStart);
  const raised: RaisedCampaign<FingerprintEvidence> = {
    fingerprints: [contentPrint, evidence('subject', subject, null)],
    senders: members.filter((member) => member.included).map((member) => member.sender),
    members,
    complaintIds: stored.map((fact) => fact.id),
    networks: [],
    rule: `3 complaints (at least 2) from 2 senders share content ${content} (${contentPrint.explanation})`,
    firstAt: new Date(Math.min(...stored.map((fact) => fact.at.getTime()))),
    lastAt: new Date(Math.max(...stored.map((fact) => fact.at.getTime()))),
  };
  const [id] = await db.transaction((tx) => writeCampaignOutcome(tx, [raised], [], { action: 'suspend', windowHours: config.campaigns.windowHours, now }));
  return id!;
}
