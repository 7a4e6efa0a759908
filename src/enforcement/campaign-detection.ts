// One pass of the campaign rule: complaint fingerprints in the window and the campaigns known →
// campaigns raised or joined, their senders' policy, events, in one transaction under the campaign
// lock. The rule itself is reputation/campaign-rule.ts.
import type { Db } from '../db/client';
import { campaignState, complaintsInWindow, fingerprintVolumes, lockCampaigns, senderStandings, writeCampaignOutcome } from '../db/campaign-queries';
import { fingerprintKey, findCampaigns } from '../reputation/campaign-rule';
import { campaignRuleOptions, type CampaignDetectionConfig } from '../reputation/campaign-options';

export interface CampaignSummary extends Record<string, number> {
  complaints: number;
  raised: number;
  joined: number;
  sendersActioned: number;
  durationMs: number;
}

/**
 * Complaints arrive hours to a day after the mail: the sends a window's complaints are about began
 * up to a day before it. Counting that day too errs toward a lower rate, the side that spares good senders.
 */
const complaintLagMs = 86_400_000;

export async function detectCampaigns(db: Db, detection: CampaignDetectionConfig, now: Date): Promise<CampaignSummary> {
  const started = performance.now();
  const summary: CampaignSummary = { complaints: 0, raised: 0, joined: 0, sendersActioned: 0, durationMs: 0 };
  const config = detection.campaigns;
  if (!config.enabled) return summary;
  const options = campaignRuleOptions(detection);
  const since = new Date(now.getTime() - config.windowHours * 3_600_000);
  await db.transaction(async (tx) => {
    // Read under the lock: a pass running elsewhere has committed what it raised before this reads.
    await lockCampaigns(tx);
    const complaints = await complaintsInWindow(tx, since);
    summary.complaints = complaints.length;
    if (complaints.length === 0) return;
    const senders = [...new Set(complaints.map((complaint) => complaint.sender))];
    const contentValues = [...new Set(complaints.flatMap((complaint) => complaint.prints.filter((print) => print.kind === 'content').map((print) => print.value)))];
    const [{ active, dismissed }, standings, volumes] = await Promise.all([campaignState(tx), senderStandings(tx, senders), fingerprintVolumes(tx, contentValues, new Date(since.getTime() - complaintLagMs))]);
    const outcome = findCampaigns(complaints, active, new Set(dismissed.map(fingerprintKey)), options, { windowStart: since, standings, volumes });
    await writeCampaignOutcome(tx, outcome.raised, outcome.joined, { action: config.action, windowHours: config.windowHours, now });
    summary.raised = outcome.raised.length;
    summary.joined = outcome.joined.length;
    summary.sendersActioned = outcome.raised.reduce((n, c) => n + c.senders.length, 0) + outcome.joined.reduce((n, j) => n + j.senders.length, 0);
  });
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}
