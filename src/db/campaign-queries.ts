// Storage of campaigns: what the rule reads (complaint fingerprints in the window, campaigns already
// raised or dismissed) and what it writes (campaigns, their members' policy, audit and events).
import { and, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import type { Db } from './client';
import { insertEvents, type EventWrite, type Tx } from './events';
import { startOfHour } from './rollups';
import {
  campaignComplaints, campaignFingerprints, campaigns, complaintFingerprints, events, hourlyRollups, mailFacts, policyAudit, reputationSubjects,
  type CampaignStatus, type FingerprintFootingKind, type FingerprintKind,
} from './schema';
import type { CampaignJoin, CampaignMember, RaisedCampaign } from '../config/campaigns';
import { lockPolicyVersions, notifyPolicyChange, type AuditWrite } from './subjects';

export type CampaignRow = typeof campaigns.$inferSelect;
type CampaignAction = CampaignRow['action'];

/** A fingerprint with the evidence it was raised or joined on (the campaign rule weighs it). */
export interface FingerprintEvidenceToStore {
  kind: FingerprintKind;
  value: string;
  senders: number;
  complaints: number;
  footing: { kind: 'volume'; volume: number; complaints: number } | { kind: Exclude<FingerprintFootingKind, 'volume'> };
  explanation: string;
}

// Any constant works; the same for every instance. Campaign passes run one at a time everywhere,
// so two instances never raise the same campaign twice.
const campaignLockKey = 7_780_003;

export async function lockCampaigns(tx: Tx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${campaignLockKey})`);
}

/** Counted complaints since `since`, with their fingerprints, oldest first. */
export async function complaintsInWindow(tx: Tx, since: Date) {
  const rows = await tx
    .select()
    .from(complaintFingerprints)
    .where(gte(complaintFingerprints.occurredAt, since))
    .orderBy(complaintFingerprints.occurredAt, complaintFingerprints.factId);
  const byFact = new Map<number, { factId: number; sender: string; at: Date; prints: { kind: FingerprintKind; value: string }[] }>();
  for (const row of rows) {
    let complaint = byFact.get(row.factId);
    if (!complaint) byFact.set(row.factId, (complaint = { factId: row.factId, sender: row.sender, at: row.occurredAt, prints: [] }));
    complaint.prints.push({ kind: row.kind, value: row.value });
  }
  return [...byFact.values()];
}

/** Each sender's standing as the rate engine last stored it; senders it never evaluated are absent. */
export async function senderStandings(tx: Tx, senders: string[]) {
  const standings = new Map<string, Pick<typeof reputationSubjects.$inferSelect, 'tier' | 'firstSeenAt' | 'autoAction'>>();
  for (let i = 0; i < senders.length; i += 5000) {
    const rows = await tx
      .select({ id: reputationSubjects.id, tier: reputationSubjects.tier, firstSeenAt: reputationSubjects.firstSeenAt, autoAction: reputationSubjects.autoAction })
      .from(reputationSubjects)
      .where(and(eq(reputationSubjects.kind, 'sender'), inArray(reputationSubjects.id, senders.slice(i, i + 5000))));
    for (const row of rows) standings.set(row.id, { tier: row.tier, firstSeenAt: row.firstSeenAt, autoAction: row.autoAction });
  }
  return standings;
}

/** Sends per relay content fingerprint from the hour holding `since` on; fingerprints never sent are absent. */
export async function fingerprintVolumes(tx: Tx, values: string[], since: Date): Promise<Map<string, number>> {
  const volumes = new Map<string, number>();
  for (let i = 0; i < values.length; i += 5000) {
    const rows = await tx
      .select({ key: hourlyRollups.key, sent: sql<number>`sum(${hourlyRollups.sent})::int` })
      .from(hourlyRollups)
      .where(and(eq(hourlyRollups.dimension, 'fingerprint'), inArray(hourlyRollups.key, values.slice(i, i + 5000)), gte(hourlyRollups.hour, startOfHour(since))))
      .groupBy(hourlyRollups.key);
    for (const row of rows) if (row.sent > 0) volumes.set(row.key, row.sent);
  }
  return volumes;
}

/** Active campaigns as the rule needs them, and the fingerprints of dismissed ones. */
export async function campaignState(tx: Tx) {
  const [rows, prints, members] = await Promise.all([
    tx.select().from(campaigns).where(eq(campaigns.status, 'active')),
    tx.select({ campaignId: campaignFingerprints.campaignId, kind: campaignFingerprints.kind, value: campaignFingerprints.value, status: campaigns.status })
      .from(campaignFingerprints)
      .innerJoin(campaigns, eq(campaigns.id, campaignFingerprints.campaignId)),
    tx.select({ campaignId: campaignComplaints.campaignId, factId: campaignComplaints.factId })
      .from(campaignComplaints)
      .innerJoin(campaigns, and(eq(campaigns.id, campaignComplaints.campaignId), eq(campaigns.status, 'active'))),
  ]);
  type ActiveCampaign = { id: number; fingerprints: { kind: FingerprintKind; value: string }[]; networks: string[]; senders: string[]; complaintIds: number[] };
  const active = new Map<number, ActiveCampaign>(
    rows.map((row) => [row.id, { id: row.id, fingerprints: [], networks: row.networks, senders: row.senders, complaintIds: [] }]),
  );
  const dismissed: { kind: FingerprintKind; value: string }[] = [];
  for (const print of prints) {
    if (print.status === 'dismissed') dismissed.push({ kind: print.kind, value: print.value });
    else active.get(print.campaignId)?.fingerprints.push({ kind: print.kind, value: print.value });
  }
  for (const member of members) active.get(member.campaignId)?.complaintIds.push(member.factId);
  return { active: [...active.values()], dismissed };
}

const describePrint = (print: { kind: string; value: string }) => (print.kind === 'subject' ? `subject "${print.value}"` : `${print.kind} ${print.value}`);

/** The reason a member sender gets: names the campaign and its evidence. */
export function campaignReason(id: number, rule: string, prints: FingerprintEvidenceToStore[], complaints: number, senders: number, windowHours: number): string {
  const shared = prints.slice(0, 3).map(describePrint).join(', ');
  return `campaign #${id}: ${rule} (${complaints} complaints from ${senders} senders within ${windowHours} h; fingerprints: ${shared})`.slice(0, 1000);
}

export interface CampaignWrite {
  action: CampaignAction;
  windowHours: number;
  now: Date;
}

/** Puts members under a campaign's action: a policy change, with an audit row each naming its own evidence. */
async function actOnSenders(tx: Tx, campaignId: number, members: CampaignMember[], action: CampaignAction, reason: string, now: Date): Promise<void> {
  const acted = members.filter((member) => member.included).sort((a, b) => (a.sender < b.sender ? -1 : a.sender > b.sender ? 1 : 0));
  if (acted.length === 0) return;
  const previous = await tx
    .select({ id: reputationSubjects.id, autoAction: reputationSubjects.autoAction, overrideAction: reputationSubjects.overrideAction })
    .from(reputationSubjects)
    .where(and(eq(reputationSubjects.kind, 'sender'), inArray(reputationSubjects.id, acted.map((member) => member.sender))));
  const before = new Map(previous.map((row) => [row.id, row.overrideAction ?? row.autoAction]));
  const reasonOf = (member: CampaignMember) => `${reason}; member: ${member.why}`.slice(0, 1000);
  for (const member of acted) {
    const values = { campaignId, campaignAction: action, campaignReason: reasonOf(member), version: sql`nextval('policy_version')` };
    await tx
      .insert(reputationSubjects)
      .values({ kind: 'sender', id: member.sender, ...values })
      .onConflictDoUpdate({ target: [reputationSubjects.kind, reputationSubjects.id], set: values });
  }
  const audit: AuditWrite[] = acted.map((member) => ({
    kind: 'sender', subject: member.sender, at: now, actor: 'campaign', source: 'automatic', fromAction: before.get(member.sender) ?? 'allow', toAction: action, reason: reasonOf(member), figures: { campaignId },
  }));
  for (let i = 0; i < audit.length; i += 1000) await tx.insert(policyAudit).values(audit.slice(i, i + 1000));
}

/** A fingerprint's row: its evidence and what the evidence stood on. */
const fingerprintRow = (campaignId: number, print: FingerprintEvidenceToStore) => ({
  campaignId, kind: print.kind, value: print.value, senders: print.senders, complaints: print.complaints,
  footing: print.footing.kind, volume: print.footing.kind === 'volume' ? print.footing.volume : null,
  volumeComplaints: print.footing.kind === 'volume' ? print.footing.complaints : null, explanation: print.explanation,
});

/** Members by sender, a later judgement replacing an earlier one. */
const mergeMembers = (known: CampaignMember[], judged: CampaignMember[]) =>
  [...new Map([...known, ...judged].map((member) => [member.sender, member])).values()].sort((a, b) => (a.sender < b.sender ? -1 : a.sender > b.sender ? 1 : 0));

/** Stores what a pass of the rule found; returns the ids of the campaigns raised. */
export async function writeCampaignOutcome(tx: Tx, raised: RaisedCampaign<FingerprintEvidenceToStore>[], joined: CampaignJoin<FingerprintEvidenceToStore>[], write: CampaignWrite): Promise<number[]> {
  if (raised.length + joined.length === 0) return [];
  await lockPolicyVersions(tx);
  const emitted: EventWrite[] = [];
  const ids: number[] = [];
  const verb = write.action === 'suspend' ? 'suspended' : 'throttled';
  for (const campaign of raised) {
    const [row] = await tx
      .insert(campaigns)
      .values({
        status: 'active', action: write.action, rule: campaign.rule, senders: campaign.senders, members: campaign.members, networks: campaign.networks,
        complaintCount: campaign.complaintIds.length, firstComplaintAt: campaign.firstAt, lastComplaintAt: campaign.lastAt,
        raisedAt: write.now, updatedAt: write.now, version: sql`nextval('policy_version')`,
      })
      .returning();
    const id = row!.id;
    ids.push(id);
    await tx.insert(campaignFingerprints).values(campaign.fingerprints.map((print) => fingerprintRow(id, print)));
    await tx.insert(campaignComplaints).values(campaign.complaintIds.map((factId) => ({ campaignId: id, factId, at: write.now })));
    const reason = campaignReason(id, campaign.rule, campaign.fingerprints, campaign.complaintIds.length, campaign.senders.length, write.windowHours);
    await actOnSenders(tx, id, campaign.members, write.action, reason, write.now);
    emitted.push({
      type: `campaign.${verb}`,
      severity: write.action === 'suspend' ? 'critical' : 'warning',
      subject: `campaign:${id}`,
      summary: `${reason}; ${campaign.senders.length} senders ${verb}`,
      payload: {
        campaignId: id, action: write.action, rule: campaign.rule, fingerprints: campaign.fingerprints, senders: campaign.senders,
        alsoSeen: campaign.members.filter((member) => !member.included).map((member) => member.sender), networks: campaign.networks, complaints: campaign.complaintIds.length,
      },
      at: write.now,
    });
  }
  for (const join of joined) {
    const [row] = await tx.select().from(campaigns).where(eq(campaigns.id, join.campaignId));
    if (!row) continue;
    const senders = [...new Set([...row.senders, ...join.senders])].sort();
    const networks = [...new Set([...row.networks, ...join.networks])].sort();
    if (join.fingerprints.length > 0) await tx.insert(campaignFingerprints).values(join.fingerprints.map((print) => fingerprintRow(row.id, print))).onConflictDoNothing();
    if (join.complaintIds.length > 0) await tx.insert(campaignComplaints).values(join.complaintIds.map((factId) => ({ campaignId: row.id, factId, at: write.now }))).onConflictDoNothing();
    await tx
      .update(campaigns)
      .set({
        senders, networks, members: mergeMembers(row.members, join.members),
        complaintCount: row.complaintCount + join.complaintIds.length, updatedAt: write.now, lastComplaintAt: write.now,
        // New networks must reach every instance's snapshot.
        ...(join.networks.length > 0 ? { version: sql`nextval('policy_version')` } : {}),
      })
      .where(eq(campaigns.id, row.id));
    const reason = `campaign #${row.id}: joined on a complaint sharing its fingerprints or submitting network; ${row.rule}`;
    await actOnSenders(tx, row.id, join.members, row.action, reason, write.now);
    if (join.senders.length > 0) {
      emitted.push({
        type: 'campaign.joined',
        severity: 'warning',
        subject: `campaign:${row.id}`,
        summary: `campaign #${row.id}: ${join.senders.length} more senders ${row.action === 'suspend' ? 'suspended' : 'throttled'} (${join.senders.slice(0, 5).join(', ')})`,
        payload: { campaignId: row.id, senders: join.senders, networks: join.networks, complaints: join.complaintIds },
        at: write.now,
      });
    }
  }
  await notifyPolicyChange(tx);
  await insertEvents(tx, emitted);
  return ids;
}

/** Dismisses a campaign (a false positive): its senders are released from it; it never raises again. */
export async function dismissCampaign(db: Db, id: number, actor: string, reason: string, now: Date): Promise<CampaignRow | undefined> {
  return db.transaction(async (tx) => {
    await lockCampaigns(tx);
    await lockPolicyVersions(tx);
    const [row] = await tx.select().from(campaigns).where(eq(campaigns.id, id)).for('update');
    if (!row || row.status === 'dismissed') return row;
    const [after] = await tx
      .update(campaigns)
      .set({ status: 'dismissed', dismissedAt: now, dismissedBy: actor, dismissReason: reason, updatedAt: now, version: sql`nextval('policy_version')` })
      .where(eq(campaigns.id, id))
      .returning();
    const released = await tx
      .update(reputationSubjects)
      .set({ campaignId: null, campaignAction: null, campaignReason: null, version: sql`nextval('policy_version')` })
      .where(and(eq(reputationSubjects.kind, 'sender'), eq(reputationSubjects.campaignId, id)))
      .returning({ id: reputationSubjects.id, autoAction: reputationSubjects.autoAction });
    await notifyPolicyChange(tx);
    const audit: AuditWrite[] = released.map((sender) => ({
      kind: 'sender', subject: sender.id, at: now, actor, source: 'manual', fromAction: row.action, toAction: sender.autoAction, reason: `campaign #${id} dismissed: ${reason}`, figures: { campaignId: id },
    }));
    for (let i = 0; i < audit.length; i += 1000) await tx.insert(policyAudit).values(audit.slice(i, i + 1000));
    await insertEvents(tx, [
      {
        type: 'campaign.released',
        severity: 'info',
        subject: `campaign:${id}`,
        summary: `${actor} dismissed campaign #${id} (${reason}); ${released.length} senders released from it`,
        payload: { campaignId: id, actor, reason, senders: released.map((s) => s.id) },
        at: now,
      },
    ]);
    return after;
  });
}

export function listCampaigns(db: Db, filter: { status?: CampaignStatus; limit: number; offset: number }) {
  return db
    .select()
    .from(campaigns)
    .where(filter.status ? eq(campaigns.status, filter.status) : undefined)
    .orderBy(desc(campaigns.raisedAt), desc(campaigns.id))
    .limit(filter.limit)
    .offset(filter.offset);
}

/** Said of what a campaign stored before its evidence was recorded (migration 0011): only its counts are known. */
export const beforeEvidence = 'member before evidence was recorded: acted on with the campaign, no reason of its own was kept';

/**
 * Every sender of a campaign with why it is in it. A campaign stored before members were recorded
 * lists its senders (all acted on then) rather than nobody.
 */
export function campaignMembers(row: Pick<CampaignRow, 'members' | 'senders'>): CampaignMember[] {
  if (row.members.length > 0) return row.members;
  return row.senders.map((sender) => ({ sender, included: true, why: beforeEvidence }));
}

/** A fingerprint stored before its evidence was weighed has no explanation; say so rather than show nothing. */
const explanationOf = (explanation: string) => explanation || 'stored before the evidence was weighed: only its counts are known';

export async function getCampaign(db: Db, id: number) {
  const [row] = await db.select().from(campaigns).where(eq(campaigns.id, id));
  if (!row) return undefined;
  const [prints, complaints, timeline] = await Promise.all([
    db.select({
      kind: campaignFingerprints.kind, value: campaignFingerprints.value, senders: campaignFingerprints.senders, complaints: campaignFingerprints.complaints,
      footing: campaignFingerprints.footing, volume: campaignFingerprints.volume, volumeComplaints: campaignFingerprints.volumeComplaints, explanation: campaignFingerprints.explanation,
    })
      .from(campaignFingerprints)
      .where(eq(campaignFingerprints.campaignId, id))
      .orderBy(desc(campaignFingerprints.senders), desc(campaignFingerprints.complaints), campaignFingerprints.kind, campaignFingerprints.value),
    db.select({
      id: mailFacts.id, sender: mailFacts.sender, senderDomain: mailFacts.senderDomain, recipientDomain: mailFacts.recipientDomain,
      feedbackType: mailFacts.feedbackType, subject: mailFacts.subject, originalMessageId: mailFacts.originalMessageId, occurredAt: mailFacts.occurredAt, joinedAt: campaignComplaints.at,
    })
      .from(campaignComplaints)
      .innerJoin(mailFacts, eq(mailFacts.id, campaignComplaints.factId))
      .where(eq(campaignComplaints.campaignId, id))
      .orderBy(mailFacts.occurredAt, mailFacts.id)
      .limit(1000),
    db.select().from(events).where(eq(events.subject, `campaign:${id}`)).orderBy(events.at, events.id),
  ]);
  const fingerprints = prints.map((print) => ({ ...print, explanation: explanationOf(print.explanation) }));
  return { ...row, members: campaignMembers(row), fingerprints, complaints, timeline };
}
