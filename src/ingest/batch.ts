// The step every source shares: analyze a batch, store it (with the checkpoint) in one transaction,
// then re-evaluate the senders it touched.
import type { Logger } from 'pino';
import type { WardenConfig } from '../config/schema';
import type { Db } from '../db/client';
import { storeBatch, type BatchOutcome } from '../db/ingest-queries';
import { actOnStoredFacts, readSendLog } from '../enforcement/facts';
import { factRecordOf } from '../enforcement/fact-records';
import { suppressFromFacts, suppressionOf } from '../enforcement/suppression';
import { analysisPoolFor, type AnalysisPool } from './analysis-pool';
import { labelledStep } from './errors';
import type { FolderHolds, PreparedMessage, RawMessage } from './message';

export interface IngestDeps {
  db: Db;
  config: Pick<WardenConfig, 'mailboxes' | 'attribution' | 'reputation' | 'tiers' | 'campaigns' | 'relay'> & Partial<Pick<WardenConfig, 'suppression'>>;
  logger: Logger;
  now: Date;
  /** Worker threads that analyze the mail; without it, the process's pool sized by `config.mailboxes`. */
  analysis?: AnalysisPool;
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

/**
 * Milliseconds each stage of a source's pass was in flight, waits on the server, a queue or a lock
 * included. The stages overlap (the next batch is fetched while this one is analyzed and stored),
 * so they add up to more than the pass took.
 */
export interface StageMs {
  /** From sending a FETCH to holding the batch. */
  fetch: number;
  /** Content hash, compression, analysis and attribution. */
  analyze: number;
  /** The batch's transaction: messages, facts, rollups, quarantine, checkpoint. */
  store: number;
  /** Re-evaluating the senders and domains a batch touched. */
  evaluate: number;
  /** The campaign rule, after a batch that stored complaints with fingerprints. */
  campaigns: number;
  /** Moving, flagging or deleting the stored messages on the server. */
  postAction: number;
}

export const zeroStageMs = (): StageMs => ({ fetch: 0, analyze: 0, store: 0, evaluate: 0, campaigns: 0, postAction: 0 });

/** What a source accumulates over its batches. */
export interface SourceTally {
  counts: SourceCounts;
  stageMs: StageMs;
}

/** Adds the time `work` takes to `stage`. */
export async function timed<T>(stageMs: StageMs, stage: keyof StageMs, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    stageMs[stage] += performance.now() - started;
  }
}

export interface BatchOptions {
  holds: FolderHolds;
  maxMessageBytes: number;
  checkpoint: { source: string; folder: string; uidValidity: bigint; lastUid: number } | null;
}

/** Prepares a batch in worker threads: never on this thread, which answers the relay. */
export async function prepareBatch(
  deps: IngestDeps,
  messages: RawMessage[],
  options: Pick<BatchOptions, 'holds' | 'maxMessageBytes'>,
  stageMs: StageMs,
): Promise<PreparedMessage[]> {
  const prepareOptions = { maxMessageBytes: options.maxMessageBytes, holds: options.holds, attribution: deps.config.attribution, now: deps.now };
  return timed(stageMs, 'analyze', () => analysisPoolOf(deps).prepare(messages, prepareOptions));
}

export function analysisPoolOf(deps: IngestDeps): AnalysisPool {
  return deps.analysis ?? analysisPoolFor(deps.config.mailboxes, deps.logger);
}

/**
 * Stores prepared messages with the checkpoint in one transaction; their facts are attributed
 * through the send log, read before it.
 */
export async function storeMessages(db: Db, prepared: PreparedMessage[], checkpoint: BatchOptions['checkpoint'], now: Date): Promise<BatchOutcome> {
  const sends = await readSendLog(db, prepared.flatMap((item) => item.facts));
  return storeBatch(db, prepared.map((item) => ({ ...item, facts: item.facts.map((fact) => factRecordOf(fact, sends)) })), checkpoint, now);
}

/** Stores an analyzed batch with its checkpoint in one transaction, then re-evaluates who it touched. */
export async function storePrepared(deps: IngestDeps, prepared: PreparedMessage[], checkpoint: BatchOptions['checkpoint'], tally: SourceTally): Promise<void> {
  const { counts, stageMs } = tally;
  const outcome = await timed(stageMs, 'store', () => labelledStep('E_INGEST_STORE', 'storing a batch failed', () => storeMessages(deps.db, prepared, checkpoint, deps.now)));
  counts.fetched += prepared.length;
  counts.duplicates += outcome.duplicates;
  counts.quarantined += outcome.quarantined;
  counts.stored += outcome.claimed - outcome.quarantined;
  counts.facts += outcome.facts;
  for (const item of prepared) {
    if (item.quarantine) deps.logger.info({ source: item.message.source, folder: item.message.folder, uid: item.message.uid, code: item.quarantine.code }, 'message quarantined');
  }
  // Stored and committed: a crash before this line is caught up by the evaluate-reputation job.
  await labelledStep('E_INGEST_EVALUATE', 'batch stored, re-evaluating its senders failed', () => afterFactsStored(deps, outcome, counts, stageMs));
  await suppressRecipients(deps, prepared);
}

/**
 * Suppresses the recipients the stored facts call for (complaints, hard bounces, full mailboxes),
 * when suppression is on. A failure is logged, not thrown: the batch is stored and the source
 * reads on.
 */
export async function suppressRecipients(deps: IngestDeps, prepared: PreparedMessage[]): Promise<void> {
  const suppression = deps.config.suppression && suppressionOf(deps.db, deps.config.suppression);
  if (!suppression) return;
  try {
    const messages = prepared.filter((item) => !item.quarantine).map((item) => ({ contentHash: item.contentHash, facts: item.facts }));
    const summary = await suppressFromFacts(suppression, messages, deps.now);
    if (summary.suppressed + summary.redacted > 0) deps.logger.info({ ...summary }, 'recipients suppressed from stored facts');
  } catch (error) {
    deps.logger.error({ err: error, code: 'E_INGEST_SUPPRESS' }, 'batch stored, suppressing its recipients failed');
  }
}

/** Acts on the facts a batch or a quarantine retry stored (see enforcement/facts.ts), counting and timing it. */
export async function afterFactsStored(
  deps: IngestDeps,
  stored: { senders: string[]; domains: string[]; fingerprinted: number },
  counts: Pick<SourceCounts, 'changed' | 'campaigns'>,
  stageMs: StageMs = zeroStageMs(),
): Promise<void> {
  const acted = await actOnStoredFacts(deps, stored, (step, work) => timed(stageMs, step, work));
  counts.changed += acted.evaluation?.changed ?? 0;
  counts.campaigns += acted.campaigns?.raised ?? 0;
}

export async function ingestBatch(deps: IngestDeps, messages: RawMessage[], options: BatchOptions, tally: SourceTally): Promise<void> {
  await storePrepared(deps, await prepareBatch(deps, messages, options, tally.stageMs), options.checkpoint, tally);
}
