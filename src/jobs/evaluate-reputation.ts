// Re-evaluates every sender and sender domain with recent traffic or an action in force (rates,
// decisions, tiers), then runs the campaign rule over the complaints of its window.
import { detectCampaigns } from '../enforcement/campaign-detection';
import { evaluateReputation } from '../enforcement/evaluation';
import type { JobDefinition } from '../scheduler/job';

export const evaluateReputationJob: JobDefinition = {
  name: 'evaluate-reputation',
  description: 'Recompute complaint and bounce rates, apply throttle/suspend decisions and tiers, detect campaigns',
  defaultSchedule: '* * * * *',
  async run({ db, config }, now) {
    const evaluation = await evaluateReputation(db, config.reputation, now, undefined, config.tiers);
    const campaigns = await detectCampaigns(db, config, now);
    return { ...evaluation, campaignsRaised: campaigns.raised, campaignsJoined: campaigns.joined, campaignSendersActioned: campaigns.sendersActioned, campaignMs: campaigns.durationMs };
  },
};
