// Pure: one sender's or domain's window counts and stored state → its decision and tier, the state
// to store, and the audit entries and events a change makes. enforcement/evaluation.ts reads the
// inputs, calls this for each subject and writes what it returns.
import { createHash } from 'node:crypto';
import type { ReputationConfig } from '../config/reputation';
import type { TierName, TiersConfig } from '../config/tiers';
import { zeroCounts } from './counts';
import { decide, rank, type Decision, type PolicyAction, type WindowStats } from './decide';
import { decideTier, type TierDecision } from './tiers';

export type SubjectKind = 'sender' | 'domain';

/** A subject's counts over the three windows the rates are judged on. */
export interface WindowCounts {
  sent24h: number;
  complaints24h: number;
  hardBounces24h: number;
  sent7d: number;
  complaints7d: number;
  hardBounces7d: number;
  sent30d: number;
  complaints30d: number;
  hardBounces30d: number;
}

/** A subject's counts over the three windows, with the state stored by earlier passes. */
export interface EvaluationInput extends WindowCounts {
  id: string;
  /** The window counts differ from the stored ones (or nothing is stored). */
  countsChanged: boolean;
  /** The first UTC day with counts in the last 30 days (null: none). */
  firstDay: Date | null;
  /** Null when the subject has no stored state yet. */
  previous: {
    autoAction: PolicyAction;
    autoSince: Date | null;
    autoReason: string | null;
    clearSince: Date | null;
    overridden: boolean;
    tier: TierName;
    tierSince: Date | null;
    tierReason: string | null;
    firstSeenAt: Date | null;
  } | null;
}

/** The state an evaluation stores for a subject: its automatic action, figures and tier. */
export interface EvaluatedState extends WindowCounts {
  kind: SubjectKind;
  id: string;
  autoAction: PolicyAction;
  autoSince: Date | null;
  autoReason: string | null;
  clearSince: Date | null;
  complaintRate7d: number;
  hardBounceRate7d: number;
  evaluatedAt: Date;
  tier: TierName;
  tierSince: Date;
  tierReason: string | null;
  firstSeenAt: Date;
}

/** An entry of the policy audit log. */
export interface AuditEntry {
  kind: SubjectKind;
  subject: string;
  at: Date;
  actor: string;
  source: 'automatic' | 'manual';
  fromAction: PolicyAction | null;
  toAction: PolicyAction | null;
  reason: string;
  figures: Record<string, unknown> | null;
}

/** An event of the shared log (alerting and the dashboard read it). */
export interface PolicyEvent {
  type: string;
  severity: 'info' | 'warning' | 'error' | 'critical';
  subject: string;
  summary: string;
  payload: Record<string, unknown>;
  at: Date;
}

export type ActionVerb = 'warned' | 'throttled' | 'suspended' | 'released';

export interface SubjectEvaluation {
  state: EvaluatedState;
  /**
   * `policy`: the policy relays read changed (action or tier), so the state goes out with a new
   * version; `figures`: only counts or clocks moved; `none`: what is stored is what was decided.
   */
  write: 'policy' | 'figures' | 'none';
  /** The action change, when there is one. */
  verb: ActionVerb | null;
  tierMove: 'promoted' | 'demoted' | null;
  audit: AuditEntry[];
  events: PolicyEvent[];
}

const severityOf: Record<PolicyAction, PolicyEvent['severity']> = { allow: 'info', warn: 'info', throttle: 'warning', suspend: 'critical' };
const verbOf: Record<PolicyAction, ActionVerb> = { allow: 'released', warn: 'warned', throttle: 'throttled', suspend: 'suspended' };

/** The input's counts as the windows `decide` reads. */
export function windowsOf(input: EvaluationInput): WindowStats {
  return {
    '24h': { ...zeroCounts(), sent: input.sent24h, complaints: input.complaints24h, hardBounces: input.hardBounces24h },
    '7d': { ...zeroCounts(), sent: input.sent7d, complaints: input.complaints7d, hardBounces: input.hardBounces7d },
    '30d': { ...zeroCounts(), sent: input.sent30d, complaints: input.complaints30d, hardBounces: input.hardBounces30d },
  };
}

function figuresOf(windows: WindowStats) {
  const rate = (events: number, sent: number) => (sent > 0 ? events / sent : 0);
  return {
    sent24h: windows['24h'].sent,
    complaints24h: windows['24h'].complaints,
    hardBounces24h: windows['24h'].hardBounces,
    sent7d: windows['7d'].sent,
    complaints7d: windows['7d'].complaints,
    hardBounces7d: windows['7d'].hardBounces,
    sent30d: windows['30d'].sent,
    complaints30d: windows['30d'].complaints,
    hardBounces30d: windows['30d'].hardBounces,
    complaintRate7d: rate(windows['7d'].complaints, windows['7d'].sent),
    hardBounceRate7d: rate(windows['7d'].hardBounces, windows['7d'].sent),
  };
}

/**
 * Under the volume floor and the promotion minimums no decision or tier can change: the fewest
 * sends in a window at which one can.
 */
export function volumeFloor(kind: SubjectKind, rules: ReputationConfig, tiers: TiersConfig): number {
  return kind === 'sender' ? Math.min(rules.minVolume, tiers.promoteToEstablished.minSends, tiers.promoteToTrusted.minSends) : rules.minVolume;
}

/** Decides one subject. */
export function evaluateSubject(kind: SubjectKind, input: EvaluationInput, rules: ReputationConfig, tiers: TiersConfig, now: Date): SubjectEvaluation {
  const windows = windowsOf(input);
  const previous = input.previous;
  const from = previous?.autoAction ?? 'allow';
  const decision = decide(windows, { action: from, since: previous?.autoSince ?? null, clearSince: previous?.clearSince ?? null }, rules, now);
  const escalated = decision.changed && rank(decision.action) > rank(from);
  // The age a promotion needs: the earliest of what was stored and the first day with traffic.
  const firstSeenAt = [previous?.firstSeenAt, input.firstDay, now].filter((d): d is Date => Boolean(d)).reduce((a, b) => (a < b ? a : b));
  const tier: TierDecision =
    kind === 'sender'
      ? decideTier({ current: previous?.tier ?? 'new', firstSeenAt, counts30d: windows['30d'], automaticAction: decision.action, escalated }, tiers, rules.confidence, now)
      : { tier: 'new', changed: false, reason: '' };
  const state: EvaluatedState = {
    kind,
    id: input.id,
    autoAction: decision.action,
    autoSince: decision.since,
    autoReason: decision.changed || !previous ? decision.reason : previous.autoReason,
    clearSince: decision.clearSince,
    ...figuresOf(windows),
    evaluatedAt: now,
    tier: tier.tier,
    tierSince: tier.changed ? now : (previous?.tierSince ?? now),
    tierReason: tier.changed || !previous?.tierReason ? tier.reason || null : previous.tierReason,
    firstSeenAt,
  };
  const evaluation: SubjectEvaluation = { state, write: 'none', verb: null, tierMove: null, audit: [], events: [] };
  if (tier.changed) recordTierMove(evaluation, input, tier, windows, escalated, now);
  if (decision.changed) recordActionChange(evaluation, input, decision, rules, now);
  // A tier change is a policy change: relays and the other instances must see it. A subject whose
  // counts and state are what is stored needs no write: after a rules change most of them are,
  // and rewriting a hundred thousand identical rows was most of the pass.
  evaluation.write =
    decision.changed || tier.changed ? 'policy' : !previous || input.countsChanged || !sameState(state, previous) ? 'figures' : 'none';
  return evaluation;
}

function recordTierMove(evaluation: SubjectEvaluation, input: EvaluationInput, tier: TierDecision, windows: WindowStats, escalated: boolean, now: Date): void {
  const { state } = evaluation;
  const fromTier = input.previous?.tier ?? 'new';
  const direction = escalated ? 'demoted' : 'promoted';
  evaluation.tierMove = direction;
  evaluation.audit.push({
    kind: state.kind, subject: input.id, at: now, actor: 'automatic', source: 'automatic', fromAction: null, toAction: null, reason: tier.reason,
    figures: { fromTier, toTier: state.tier, sent30d: windows['30d'].sent, complaints30d: windows['30d'].complaints, hardBounces30d: windows['30d'].hardBounces, firstSeenAt: state.firstSeenAt.toISOString() },
  });
  evaluation.events.push({
    type: `sender.${direction}`, severity: 'info', subject: `sender:${input.id}`, summary: `sender ${input.id} ${tier.reason}`,
    payload: { kind: state.kind, id: input.id, fromTier, toTier: state.tier }, at: now,
  });
}

function recordActionChange(evaluation: SubjectEvaluation, input: EvaluationInput, decision: Decision, rules: ReputationConfig, now: Date): void {
  const { kind } = evaluation.state;
  const verb = verbOf[decision.action];
  const from = input.previous?.autoAction ?? 'allow';
  evaluation.verb = verb;
  evaluation.audit.push({
    kind,
    subject: input.id,
    at: now,
    actor: 'automatic',
    source: 'automatic',
    fromAction: from,
    toAction: decision.action,
    reason: decision.reason,
    figures: decision.evidence ? { ...decision.evidence, rule: `${decision.evidence.metric}.${decision.evidence.level}`, minVolume: rules.minVolume, confidence: rules.confidence } : null,
  });
  evaluation.events.push({
    type: `${kind}.${verb}`,
    severity: severityOf[decision.action],
    subject: `${kind}:${input.id}`,
    summary: `${kind} ${input.id} ${verb}: ${decision.reason}`,
    payload: { kind, id: input.id, fromAction: from, toAction: decision.action, evidence: decision.evidence, overridden: Boolean(input.previous?.overridden) },
    at: now,
  });
}

const sameTime = (a: Date | null | undefined, b: Date | null | undefined) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

/** Whether a state to write is the stored one (its counts are compared in SQL). */
function sameState(state: EvaluatedState, previous: NonNullable<EvaluationInput['previous']>): boolean {
  return (
    sameTime(state.autoSince, previous.autoSince) &&
    sameTime(state.clearSince, previous.clearSince) &&
    sameTime(state.firstSeenAt, previous.firstSeenAt) &&
    sameTime(state.tierSince, previous.tierSince) &&
    (state.tierReason ?? null) === previous.tierReason &&
    state.tier === previous.tier
  );
}

/** Identifies the rules a stored state was decided by: changed rules can change any decision. */
export function rulesFingerprint(rules: ReputationConfig, tiers: TiersConfig): string {
  const { complaintRate, hardBounceRate, minVolume, confidence, windows, releaseAfterHours } = rules;
  const { promoteToEstablished, promoteToTrusted } = tiers;
  return createHash('sha256')
    .update(JSON.stringify({ complaintRate, hardBounceRate, minVolume, confidence, windows, releaseAfterHours, promoteToEstablished, promoteToTrusted }))
    .digest('hex')
    .slice(0, 16);
}
