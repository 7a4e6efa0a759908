// The campaign rule's options from the config: its lines, and allow-lists that include the relay's
// own domains. The rule itself is campaign-rule.ts; enforcement/campaign-detection.ts runs it.
import type { CampaignsConfig } from '../config/campaigns';
import type { ReputationConfig } from '../config/reputation';
import { registeredDomain, commonUrlDomains } from '../analysis/url-domains';
import type { CampaignRuleOptions } from './campaign-rule';
import { allowedNetworkMatcher, clientNetwork } from './client-network';

export interface CampaignDetectionConfig {
  campaigns: CampaignsConfig;
  /** A fingerprint's own rate is judged on the rate engine's lines, floor and confidence. */
  reputation: Pick<ReputationConfig, 'minVolume' | 'confidence' | 'complaintRate'>;
  relay: { domains: string[] };
}

/** The rule's options from the config: the allow-lists include the relay's own domains. */
export function campaignRuleOptions({ campaigns: config, reputation, relay }: CampaignDetectionConfig): CampaignRuleOptions {
  const relayDomains = relay.domains;
  return {
    minSenders: config.minSenders,
    minComplaints: config.minComplaints,
    bodyMaxDistance: config.bodyMaxDistance,
    allowUrlDomains: new Set([...commonUrlDomains, ...config.allowUrlDomains.map((d) => d.toLowerCase()), ...relayDomains.map(registeredDomain)]),
    isAllowedAddress: allowedNetworkMatcher(config.allowNetworks),
    networkOf: (address) => clientNetwork(address, config),
    evidence: { minVolume: reputation.minVolume, complaintRate: reputation.complaintRate.throttle, confidence: reputation.confidence, templateShare: config.templateShare },
  };
}
