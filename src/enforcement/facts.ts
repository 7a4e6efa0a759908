// Storing complaint and bounce facts, and acting on them at once: the senders and domains they
// touch are re-evaluated, and complaints with fingerprints run the campaign rule. Mailbox ingestion
// stores its facts inside its batch transaction and then takes the same second step.
import type { WardenConfig } from '../config/schema';
import type { Db } from '../db/client';
import { storeFacts, type FactsOutcome } from '../db/facts';
import { findSendsByMessageId, type SendsByMessageId } from '../db/send-events';
import { detectCampaigns, type CampaignSummary } from './campaign-detection';
import { evaluateReputation, type EvaluationSummary } from './evaluation';
import { factRecordOf, messageIdsToLookUp, type FactInput } from './fact-records';

export interface EnforcementDeps {
  db: Db;
  config: Pick<WardenConfig, 'reputation' | 'tiers' | 'campaigns' | 'relay'>;
  now: Date;
}

/** The send-log entries the facts need (read before the transaction that stores them). */
export function readSendLog(db: Db, facts: FactInput[]): Promise<SendsByMessageId> {
  return findSendsByMessageId(db, messageIdsToLookUp(facts));
}

/** Stores facts once each, attributed and counted; returns the senders and domains whose counts changed. */
export async function recordFacts(db: Db, facts: FactInput[]): Promise<FactsOutcome> {
  if (facts.length === 0) return { stored: 0, duplicates: 0, senders: [], domains: [], fingerprinted: 0 };
  const sends = await readSendLog(db, facts);
  return storeFacts(db, facts.map((fact) => factRecordOf(fact, sends)));
}

export interface FactsActedOn {
  /** The re-evaluation of the senders and domains touched; null when none were. */
  evaluation: EvaluationSummary | null;
  /** The campaign pass; null when no complaint with fingerprints was stored. */
  campaigns: CampaignSummary | null;
}

/** Runs a step of acting on facts; a caller that times its stages passes its own. */
export type StepRunner = <T>(step: 'evaluate' | 'campaigns', work: () => Promise<T>) => Promise<T>;
const untimed: StepRunner = (_step, work) => work();

/**
 * What follows storing facts, wherever they were stored: the senders and domains they touch are
 * re-evaluated at once — a sender crossing a line is stopped on the complaint that crossed it, not
 * a minute later — and a complaint from a campaign's account or network acts at once, not at the
 * next job run.
 */
export async function actOnStoredFacts(
  deps: EnforcementDeps,
  stored: Pick<FactsOutcome, 'senders' | 'domains' | 'fingerprinted'>,
  step: StepRunner = untimed,
): Promise<FactsActedOn> {
  const acted: FactsActedOn = { evaluation: null, campaigns: null };
  if (stored.senders.length + stored.domains.length > 0) {
    acted.evaluation = await step('evaluate', () =>
      evaluateReputation(deps.db, deps.config.reputation, deps.now, { senders: stored.senders, domains: stored.domains }, deps.config.tiers),
    );
  }
  if (stored.fingerprinted > 0) acted.campaigns = await step('campaigns', () => detectCampaigns(deps.db, deps.config, deps.now));
  return acted;
}
