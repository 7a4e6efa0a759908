// The step every source shares: analyze a batch, store it (with the checkpoint) in one transaction,
// then re-evaluate the senders it touched.
import type { Logger } from 'pino';
import type { WardenConfig } from '../config/schema';
import type { Db } from '../db/client';
import { storeBatch } from '../db/ingest-queries';
import { campaignsConfig } from '../config/campaigns';
import { tiersConfig } from '../config/tiers';
import { detectCampaigns } from '../reputation/campaign-detection';
import { evaluateReputation } from '../reputation/evaluation';
import { prepareMessage, type FolderHolds, type PreparedMessage, type RawMessage } from './message';

export interface IngestDeps {
  db: Db;
  config: Pick<WardenConfig, 'mailboxes' | 'attribution' | 'reputation'> & Partial<Pick<WardenConfig, 'tiers' | 'campaigns' | 'relay'>>;
  logger: Logger;
  now: Date;
}

export interface SourceCounts {
  fetched: number;
  /** New messages that yielded facts. */
  stored: number;
  /** Messages already stored before (same place or same content). */
  duplicates: number;
  quarantined: number;
  /** Facts stored. */
  facts: number;
  errors: number;
  /** Senders whose state changed after re-evaluation. */
  changed: number;
  /** Campaigns raised by the complaints stored. */
  campaigns: number;
}

export const zeroSourceCounts = (): SourceCounts => ({ fetched: 0, stored: 0, duplicates: 0, quarantined: 0, facts: 0, errors: 0, changed: 0, campaigns: 0 });

export interface BatchOptions {
  holds: FolderHolds;
  maxMessageBytes: number;
  checkpoint: { source: string; folder: string; uidValidity: bigint; lastUid: number } | null;
}

/**
 * Analyzes a batch, yielding to the event loop every few messages: the previous batch's database
 * writes and the next batch's fetch make progress while this one is analyzed.
 */
export async function prepareBatch(deps: IngestDeps, messages: RawMessage[], options: Pick<BatchOptions, 'holds' | 'maxMessageBytes'>): Promise<PreparedMessage[]> {
  const prepared: PreparedMessage[] = [];
  for (const [index, message] of messages.entries()) {
    if (index > 0 && index % 16 === 0) await new Promise((resolve) => setImmediate(resolve));
    prepared.push(prepareMessage(message, { maxMessageBytes: options.maxMessageBytes, holds: options.holds, attribution: deps.config.attribution, now: deps.now }));
  }
  return prepared;
}

/** Stores an analyzed batch with its checkpoint in one transaction, then re-evaluates who it touched. */
export async function storePrepared(deps: IngestDeps, prepared: PreparedMessage[], checkpoint: BatchOptions['checkpoint'], counts: SourceCounts): Promise<void> {
  const outcome = await storeBatch(deps.db, prepared, checkpoint, deps.now);
  counts.fetched += prepared.length;
  counts.duplicates += outcome.duplicates;
  counts.quarantined += outcome.quarantined;
  counts.stored += outcome.claimed - outcome.quarantined;
  counts.facts += outcome.facts;
  for (const item of prepared) {
    if (item.quarantine) deps.logger.info({ source: item.message.source, folder: item.message.folder, uid: item.message.uid, code: item.quarantine.code }, 'message quarantined');
  }
  // Stored and committed: a crash before this line is caught up by the evaluate-reputation job.
  if (outcome.senders.length + outcome.domains.length > 0) {
    const tiers = deps.config.tiers ?? tiersConfig.parse({});
    const evaluation = await evaluateReputation(deps.db, deps.config.reputation, deps.now, { senders: outcome.senders, domains: outcome.domains }, tiers);
    counts.changed += evaluation.changed;
  }
  // A complaint from a campaign's account or network acts at once, not at the next job run.
  if (outcome.fingerprinted > 0) {
    const campaigns = await detectCampaigns(deps.db, deps.config.campaigns ?? campaignsConfig.parse({}), deps.config.relay?.domains ?? [], deps.now);
    counts.campaigns += campaigns.raised;
  }
}

export async function ingestBatch(deps: IngestDeps, messages: RawMessage[], options: BatchOptions, counts: SourceCounts): Promise<void> {
  await storePrepared(deps, await prepareBatch(deps, messages, options), options.checkpoint, counts);
}
