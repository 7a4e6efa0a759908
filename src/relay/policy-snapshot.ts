// The in-memory copy of every sender's and domain's policy that relay lookups read, with the
// submitting networks of active campaigns: loaded once, then refreshed by version on each NOTIFY of
// a policy change and on a fallback timer.
import type { Logger } from 'pino';
import type { Database } from '../db/client';
import type { CampaignsConfig } from '../config/campaigns';
import type { TiersConfig } from '../config/tiers';
import type { SubjectKind } from '../db/schema';
import { clientNetwork } from '../reputation/client-network';
import { policyChangesSince, policyChannel } from '../db/subjects';
import { watchPolicySnapshot } from '../metrics';
import { effectivePolicy, type CampaignPolicy, type EffectivePolicy, type PolicyContext, type SubjectPolicy } from '../reputation/effective-policy';
import { subjectPolicy } from '../reputation/sender-policy';
import { VersionedSnapshot } from './versioned-snapshot';

export interface SnapshotEntry {
  kind: SubjectKind;
  id: string;
  policy: SubjectPolicy;
  version: number;
}

export interface SnapshotLookup extends EffectivePolicy {
  /** The highest version among the rows the answer was computed from (0: never had a policy). */
  version: number;
}

export interface PolicySnapshotOptions {
  throttleLimitPerHour: number;
  /** Tier limits; absent: none (tests of other concerns). */
  tiers?: TiersConfig;
  /** How a client address maps to a campaign's network. */
  campaigns?: Pick<CampaignsConfig, 'networkPrefixV4' | 'networkPrefixV6'>;
  /** Seconds between fallback refreshes, in case a NOTIFY was lost with a dropped connection. */
  refreshSeconds: number;
  logger: Logger;
}

const noPolicy: SubjectPolicy = { automatic: { action: 'allow', reason: null, since: null }, override: null, tier: 'new', campaign: null };
const defaultNetworkPrefixes = { networkPrefixV4: 32, networkPrefixV6: 64 };


/**
 * Holds every subject whose policy was ever set (version > 0); a subject absent from it is
 * `allow`.
 */
export class PolicySnapshot {
  private readonly senders = new Map<string, SnapshotEntry>();
  private readonly domains = new Map<string, SnapshotEntry>();
  /** Submitting network (CIDR) → the active campaign it belongs to. */
  private readonly campaignNetworks = new Map<string, CampaignPolicy>();
  private readonly networksOfCampaign = new Map<number, string[]>();
  private readonly changes: VersionedSnapshot;
  /** The policy context of a request from no campaign's network: the same object for every lookup. */
  private readonly withoutCampaign: PolicyContext;

  constructor(
    private readonly database: Database,
    private readonly options: PolicySnapshotOptions,
  ) {
    this.withoutCampaign = Object.freeze({ tiers: options.tiers, fromCampaignNetwork: null });
    this.changes = new VersionedSnapshot(database, {
      name: 'policy',
      channel: policyChannel,
      readChanges: (sinceVersion, applied) => this.readChanges(sinceVersion, applied),
      refreshSeconds: options.refreshSeconds,
      logger: options.logger,
    });
  }

  /** Listens first, then loads: a change committed in between is refreshed again, never missed. */
  async start(): Promise<void> {
    await this.changes.start();
    watchPolicySnapshot(this);
    this.options.logger.info({ version: this.version, senders: this.senders.size, domains: this.domains.size }, 'policy snapshot loaded');
  }

  stop(): Promise<void> {
    return this.changes.stop();
  }

  /** The highest policy version loaded: what `?since=` is answered up to. */
  get version(): number {
    return this.changes.version;
  }

  get size(): { senders: number; domains: number; refreshedAt: Date | undefined } {
    return { senders: this.senders.size, domains: this.domains.size, refreshedAt: this.changes.refreshedAt };
  }

  /** Reads the rows changed since the last refresh; concurrent calls share one read and one more after it. */
  refresh(): Promise<void> {
    return this.changes.refresh();
  }

  private async readChanges(sinceVersion: number, applied: (version: number) => void): Promise<void> {
    const { subjects: rows, campaigns: campaignRows } = await policyChangesSince(this.database.db, sinceVersion);
    for (const row of rows) {
      const entry: SnapshotEntry = { kind: row.kind, id: row.id, policy: subjectPolicy(row), version: row.version };
      (row.kind === 'sender' ? this.senders : this.domains).set(row.id, entry);
      applied(row.version);
    }
    for (const campaign of campaignRows) {
      for (const network of this.networksOfCampaign.get(campaign.id) ?? []) this.campaignNetworks.delete(network);
      this.networksOfCampaign.delete(campaign.id);
      if (campaign.status === 'active') {
        const policy: CampaignPolicy = { id: campaign.id, action: campaign.action, reason: `submitting network of campaign #${campaign.id}: ${campaign.rule}` };
        for (const network of campaign.networks) this.campaignNetworks.set(network, policy);
        this.networksOfCampaign.set(campaign.id, campaign.networks);
      }
      applied(campaign.version);
    }
    if (rows.length > 0) this.options.logger.debug({ changed: rows.length, version: this.version }, 'policy snapshot refreshed');
  }

  /** The active campaign whose submitting network an address is in, if any. */
  campaignOfClient(clientAddress: string | undefined): CampaignPolicy | null {
    if (!clientAddress || this.campaignNetworks.size === 0) return null;
    const network = clientNetwork(clientAddress, this.options.campaigns ?? defaultNetworkPrefixes);
    return network ? (this.campaignNetworks.get(network) ?? null) : null;
  }

  /**
   * What applies to a sender now; override expiry is evaluated here, at lookup time. With the
   * submitting client's address, a request from an active campaign's network gets its action.
   */
  lookup(sender: string, senderDomain: string | undefined, now: Date, clientAddress?: string): SnapshotLookup {
    const own = this.senders.get(sender);
    const domain = senderDomain ? this.domains.get(senderDomain) : undefined;
    const campaign = this.campaignOfClient(clientAddress);
    const policy = effectivePolicy(
      own?.policy ?? noPolicy,
      domain ? { name: domain.id, policy: domain.policy } : null,
      now,
      this.options.throttleLimitPerHour,
      campaign ? { tiers: this.options.tiers, fromCampaignNetwork: campaign } : this.withoutCampaign,
    );
    // A literal of one shape rather than a spread: this runs for every message a relay asks about.
    return {
      action: policy.action,
      source: policy.source,
      reason: policy.reason,
      limitPerHour: policy.limitPerHour,
      limitPerDay: policy.limitPerDay,
      until: policy.until,
      tier: policy.tier,
      version: Math.max(own?.version ?? 0, domain?.version ?? 0),
    };
  }

  /** Subjects whose policy changed after `since`, oldest change first. */
  changesSince(since: number): SnapshotEntry[] {
    if (since >= this.version) return [];
    const changed: SnapshotEntry[] = [];
    for (const entries of [this.senders, this.domains]) {
      for (const entry of entries.values()) if (entry.version > since) changed.push(entry);
    }
    return changed.sort((a, b) => a.version - b.version);
  }
}
