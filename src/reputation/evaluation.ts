// One evaluation pass: window counts from the rollups → decisions → state, audit and events, in one
// transaction. The only file in reputation/ that touches storage, through db/ queries.
import { createHash } from 'node:crypto';
import type { ReputationConfig } from '../config/reputation';
import type { Db } from '../db/client';
import { latestSenderDomains, recordFacts, type FactInput } from '../db/facts';
import { clearChangeMarks, loadEvaluationInputs, type ChangeMarks, type EvaluationInput, type EvaluationScope } from '../db/evaluation-inputs';
import type { SubjectKind } from '../db/schema';
import { appendAuditAndEvents, readMeta, saveSubjects, writeMeta, type AuditWrite, type SubjectWrite } from '../db/subjects';
import type { EventWrite } from '../db/events';
import { zeroCounts } from './counts';
import { decide, rank, type PolicyAction, type WindowStats } from './decide';
import { tiersConfig, type TiersConfig } from '../config/tiers';
import { decideTier } from './tiers';

const defaultTiers = tiersConfig.parse({});

export interface EvaluationSummary extends Record<string, number> {
  senders: number;
  domains: number;
  changed: number;
  warned: number;
  throttled: number;
  suspended: number;
  released: number;
  promoted: number;
  demoted: number;
  /** Milliseconds spent reading window counts, reading state, deciding, and writing. */
  readStatsMs: number;
  readStateMs: number;
  decideMs: number;
  writeMs: number;
}

const severityOf: Record<PolicyAction, EventWrite['severity']> = { allow: 'info', warn: 'info', throttle: 'warning', suspend: 'critical' };
const eventVerb: Record<PolicyAction, string> = { allow: 'released', warn: 'warned', throttle: 'throttled', suspend: 'suspended' };

function statsColumns(stats: WindowStats) {
  const rate = (events: number, sent: number) => (sent > 0 ? events / sent : 0);
  return {
    sent24h: stats['24h'].sent,
    complaints24h: stats['24h'].complaints,
    hardBounces24h: stats['24h'].hardBounces,
    sent7d: stats['7d'].sent,
    complaints7d: stats['7d'].complaints,
    hardBounces7d: stats['7d'].hardBounces,
    sent30d: stats['30d'].sent,
    complaints30d: stats['30d'].complaints,
    hardBounces30d: stats['30d'].hardBounces,
    complaintRate7d: rate(stats['7d'].complaints, stats['7d'].sent),
    hardBounceRate7d: rate(stats['7d'].hardBounces, stats['7d'].sent),
  };
}


/**
 * Evaluates senders and sending domains. Without `only`, every subject whose counts changed, that has
 * an action in force, or is new; everything when the rules changed since the last pass. With `only`,
 * just those (a complaint was stored for them).
 */
export async function evaluateReputation(
  db: Db,
  rules: ReputationConfig,
  now: Date,
  only?: { senders?: string[]; domains?: string[] },
  tiers: TiersConfig = defaultTiers,
): Promise<EvaluationSummary> {
  const summary: EvaluationSummary = {
    senders: 0, domains: 0, changed: 0, warned: 0, throttled: 0, suspended: 0, released: 0, promoted: 0, demoted: 0,
    readStatsMs: 0, readStateMs: 0, decideMs: 0, writeMs: 0,
  };
  let mark = performance.now();
  const lap = (phase: 'readStatsMs' | 'readStateMs' | 'decideMs' | 'writeMs') => {
    const at = performance.now();
    summary[phase] += Math.round(at - mark);
    mark = at;
  };
  const readMarks: ChangeMarks[] = [];
  const writes: { rows: SubjectWrite[]; changed: SubjectWrite[]; audit: AuditWrite[]; events: EventWrite[] } = { rows: [], changed: [], audit: [], events: [] };
  // Changed thresholds can change any decision: the first pass under new rules looks at everyone.
  const fingerprint = rulesFingerprint(rules, tiers);
  const previousPassText = only ? undefined : await readMeta(db, 'previous-pass');
  const previousPass = previousPassText ? new Date(previousPassText) : undefined;
  const rulesChanged = !only && (await readMeta(db, 'rules')) !== fingerprint;
  // Without a usable previous pass the stored counts cannot be trusted: everything is aggregated anew.
  const fromScratch = !only && (!previousPass || previousPass > now);
  const everything = rulesChanged || fromScratch;
  const scopeOf = (ids: string[] | undefined): EvaluationScope =>
    ids ? { ids } : fromScratch ? { everything: true } : { previousPass: previousPass!, restFromState: rulesChanged };
  lap('readStateMs');

  for (const kind of ['sender', 'domain'] as const satisfies SubjectKind[]) {
    const ids = only ? ((kind === 'sender' ? only.senders : only.domains) ?? []) : undefined;
    if (ids && ids.length === 0) continue;
    // Under the volume floor and the promotion minimums no decision or tier can change.
    const volumeFloor = kind === 'sender'
      ? Math.min(rules.minVolume, tiers.promoteToEstablished.minSends, tiers.promoteToTrusted.minSends)
      : rules.minVolume;
    const { inputs, marks } = await loadEvaluationInputs(db, kind, now, scopeOf(ids), volumeFloor);
    if (marks) readMarks.push(marks);
    lap('readStatsMs');
    for (const input of inputs) {
      const windows: WindowStats = {
        '24h': { ...zeroCounts(), sent: input.sent24h, complaints: input.complaints24h, hardBounces: input.hardBounces24h },
        '7d': { ...zeroCounts(), sent: input.sent7d, complaints: input.complaints7d, hardBounces: input.hardBounces7d },
        '30d': { ...zeroCounts(), sent: input.sent30d, complaints: input.complaints30d, hardBounces: input.hardBounces30d },
      };
      const previous = input.previous;
      const decision = decide(
        windows,
        { action: previous?.autoAction ?? 'allow', since: previous?.autoSince ?? null, clearSince: previous?.clearSince ?? null },
        rules,
        now,
      );
      summary[kind === 'sender' ? 'senders' : 'domains']++;
      const escalated = decision.changed && rank(decision.action) > rank(previous?.autoAction ?? 'allow');
      // The age a promotion needs: the earliest of what was stored and the first day with traffic.
      const firstSeenAt = [previous?.firstSeenAt, input.firstDay, now].filter((d): d is Date => Boolean(d)).reduce((a, b) => (a < b ? a : b));
      const tier = kind === 'sender'
        ? decideTier({ current: previous?.tier ?? 'new', firstSeenAt, counts30d: windows['30d'], automaticAction: decision.action, escalated }, tiers, rules.confidence, now)
        : { tier: 'new' as const, changed: false, reason: '' };
      const row: SubjectWrite = {
        kind,
        id: input.id,
        autoAction: decision.action,
        autoSince: decision.since,
        autoReason: decision.changed || !previous ? decision.reason : previous.autoReason,
        clearSince: decision.clearSince,
        ...statsColumns(windows),
        evaluatedAt: now,
        tier: tier.tier,
        tierSince: tier.changed ? now : (previous?.tierSince ?? now),
        tierReason: tier.changed || !previous?.tierReason ? tier.reason || null : previous.tierReason,
        firstSeenAt,
      };
      if (tier.changed) {
        const direction = escalated ? 'demoted' : 'promoted';
        summary[direction]++;
        writes.audit.push({
          kind, subject: input.id, at: now, actor: 'automatic', source: 'automatic', fromAction: null, toAction: null, reason: tier.reason,
          figures: { fromTier: previous?.tier ?? 'new', toTier: tier.tier, sent30d: windows['30d'].sent, complaints30d: windows['30d'].complaints, hardBounces30d: windows['30d'].hardBounces, firstSeenAt: firstSeenAt.toISOString() },
        });
        writes.events.push({
          type: `sender.${direction}`, severity: 'info', subject: `sender:${input.id}`, summary: `sender ${input.id} ${tier.reason}`,
          payload: { kind, id: input.id, fromTier: previous?.tier ?? 'new', toTier: tier.tier }, at: now,
        });
      }
      if (!decision.changed) {
        // A tier change is a policy change: relays and the other instances must see it.
        if (tier.changed) writes.changed.push(row);
        // A subject whose counts and state are what is stored needs no write: after a rules change
        // most of them are, and rewriting a hundred thousand identical rows was most of the pass.
        else if (!previous || input.countsChanged || !sameState(row, previous)) writes.rows.push(row);
        continue;
      }
      writes.changed.push(row);
      summary.changed++;
      const verb = eventVerb[decision.action];
      summary[verb as 'warned' | 'throttled' | 'suspended' | 'released']++;
      const from = previous?.autoAction ?? 'allow';
      writes.audit.push({
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
      writes.events.push({
        type: `${kind}.${verb}`,
        severity: severityOf[decision.action],
        subject: `${kind}:${input.id}`,
        summary: `${kind} ${input.id} ${verb}: ${decision.reason}`,
        payload: { kind, id: input.id, fromAction: from, toAction: decision.action, evidence: decision.evidence, overridden: Boolean(previous?.overridden) },
        at: now,
      });
    }
    lap('decideMs');
  }
  await nameSenderDomains(db, writes.events);
  // Rows whose policy did not change (counts, cool-down clocks, first-seen days) need not commit
  // with the rest: a crash after them leaves the marks and the previous pass's time, so the next
  // pass reads those subjects again. A first pass writes a hundred thousand of them; in two
  // transactions at once PostgreSQL inserts them on two cores.
  const early = writes.rows.length >= 20_000 ? [writes.rows.slice(0, writes.rows.length >> 1), writes.rows.slice(writes.rows.length >> 1)] : null;
  if (early) await Promise.all(early.map((part) => db.transaction((tx) => saveSubjects(tx, part, false))));
  await db.transaction(async (tx) => {
    if (!early) await saveSubjects(tx, writes.rows, false);
    await saveSubjects(tx, writes.changed, true);
    await appendAuditAndEvents(tx, writes.audit, writes.events);
    for (const marks of readMarks) await clearChangeMarks(tx as unknown as Db, marks);
    if (everything) await writeMeta(tx, 'rules', fingerprint);
    if (!only) await writeMeta(tx, 'previous-pass', now.toISOString());
  });
  lap('writeMs');
  return summary;
}


const sameTime = (a: Date | null | undefined, b: Date | null | undefined) => (a?.getTime() ?? null) === (b?.getTime() ?? null);

/** Whether a row to write holds the stored state already (its counts are compared in SQL). */
function sameState(row: SubjectWrite, previous: NonNullable<EvaluationInput['previous']>): boolean {
  return (
    sameTime(row.autoSince, previous.autoSince) &&
    sameTime(row.clearSince, previous.clearSince) &&
    sameTime(row.firstSeenAt, previous.firstSeenAt) &&
    sameTime(row.tierSince, previous.tierSince) &&
    (row.tierReason ?? null) === previous.tierReason &&
    row.tier === previous.tier
  );
}

function rulesFingerprint(rules: ReputationConfig, tiers: TiersConfig): string {
  const { complaintRate, hardBounceRate, minVolume, confidence, windows, releaseAfterHours } = rules;
  const { promoteToEstablished, promoteToTrusted } = tiers;
  return createHash('sha256')
    .update(JSON.stringify({ complaintRate, hardBounceRate, minVolume, confidence, windows, releaseAfterHours, promoteToEstablished, promoteToTrusted }))
    .digest('hex')
    .slice(0, 16);
}

/** Adds the sending domain to each sender action event, so alerting groups it with its domain's. */
async function nameSenderDomains(db: Db, events: EventWrite[]): Promise<void> {
  const senderActions = events.filter((event) => event.payload?.kind === 'sender' && 'toAction' in (event.payload ?? {}));
  const domains = await latestSenderDomains(db, [...new Set(senderActions.map((event) => String(event.payload!.id)))]);
  for (const event of senderActions) {
    const domain = domains.get(String(event.payload!.id));
    if (domain) event.payload = { ...event.payload, domain };
  }
}

/**
 * Stores complaint and bounce facts and re-evaluates, at once, the senders and domains they touch:
 * a sender crossing a line is stopped on the complaint that crossed it, not a minute later.
 */
export async function recordFactsAndEvaluate(db: Db, rules: ReputationConfig, facts: FactInput[], now: Date, tiers: TiersConfig = defaultTiers) {
  const stored = await recordFacts(db, facts);
  const evaluation = await evaluateReputation(db, rules, now, { senders: stored.senders, domains: stored.domains }, tiers);
  return { ...stored, evaluation };
}
