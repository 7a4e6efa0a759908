// One evaluation pass: window counts from the rollups → decisions → state, audit and events, in one
// transaction. The only file in reputation/ that touches storage, through db/ queries.
import type { ReputationConfig } from '../config/reputation';
import type { Db } from '../db/client';
import { recordFacts, type FactInput } from '../db/facts';
import { windowStats } from '../db/rollups';
import type { SubjectKind } from '../db/schema';
import { appendAuditAndEvents, loadSubjects, saveSubjects, subjectsWithActions, type AuditWrite, type SubjectRow, type SubjectWrite } from '../db/subjects';
import type { EventWrite } from '../db/events';
import { zeroCounts } from './counts';
import { decide, type PolicyAction, type WindowStats } from './decide';

export interface EvaluationSummary extends Record<string, number> {
  senders: number;
  domains: number;
  changed: number;
  warned: number;
  throttled: number;
  suspended: number;
  released: number;
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

const sameStats = (row: SubjectRow | undefined, columns: ReturnType<typeof statsColumns>) =>
  row !== undefined && (Object.keys(columns) as (keyof typeof columns)[]).every((key) => row[key] === columns[key]);

/**
 * Evaluates senders and sending domains. Without `only`, every subject with traffic in the last 30
 * days or an action in force; with it, just those (a complaint was stored for them).
 */
export async function evaluateReputation(
  db: Db,
  rules: ReputationConfig,
  now: Date,
  only?: { senders?: string[]; domains?: string[] },
): Promise<EvaluationSummary> {
  const summary: EvaluationSummary = {
    senders: 0, domains: 0, changed: 0, warned: 0, throttled: 0, suspended: 0, released: 0,
    readStatsMs: 0, readStateMs: 0, decideMs: 0, writeMs: 0,
  };
  let mark = performance.now();
  const lap = (phase: 'readStatsMs' | 'readStateMs' | 'decideMs' | 'writeMs') => {
    const at = performance.now();
    summary[phase] += Math.round(at - mark);
    mark = at;
  };
  const writes: { rows: SubjectWrite[]; changed: SubjectWrite[]; audit: AuditWrite[]; events: EventWrite[] } = { rows: [], changed: [], audit: [], events: [] };

  for (const kind of ['sender', 'domain'] as const satisfies SubjectKind[]) {
    const ids = only ? (kind === 'sender' ? only.senders : only.domains) ?? [] : undefined;
    if (ids && ids.length === 0) continue;
    lap('decideMs');
    const stats = await windowStats(db, kind === 'sender' ? 'sender' : 'sender_domain', now, ids);
    lap('readStatsMs');
    const existing = await loadSubjects(db, kind, ids);
    const candidates = new Set([...stats.keys(), ...(ids ?? []), ...(ids ? [] : await subjectsWithActions(db, kind))]);
    lap('readStateMs');
    for (const id of candidates) {
      const windows = stats.get(id) ?? { '24h': zeroCounts(), '7d': zeroCounts(), '30d': zeroCounts() };
      const previous = existing.get(id);
      const decision = decide(
        windows,
        { action: previous?.autoAction ?? 'allow', since: previous?.autoSince ?? null, clearSince: previous?.clearSince ?? null },
        rules,
        now,
      );
      summary[kind === 'sender' ? 'senders' : 'domains']++;
      const columns = statsColumns(windows);
      const clearChanged = (previous?.clearSince?.getTime() ?? null) !== (decision.clearSince?.getTime() ?? null);
      if (!decision.changed && !clearChanged && sameStats(previous, columns)) continue;
      const row: SubjectWrite = {
        kind,
        id,
        autoAction: decision.action,
        autoSince: decision.since,
        autoReason: decision.changed || !previous ? decision.reason : previous.autoReason,
        clearSince: decision.clearSince,
        ...columns,
        evaluatedAt: now,
      };
      if (!decision.changed) {
        writes.rows.push(row);
        continue;
      }
      writes.changed.push(row);
      summary.changed++;
      const verb = eventVerb[decision.action];
      summary[verb as 'warned' | 'throttled' | 'suspended' | 'released']++;
      const from = previous?.autoAction ?? 'allow';
      writes.audit.push({
        kind,
        subject: id,
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
        subject: `${kind}:${id}`,
        summary: `${kind} ${id} ${verb}: ${decision.reason}`,
        payload: { kind, id, fromAction: from, toAction: decision.action, evidence: decision.evidence, overridden: Boolean(previous?.overrideAction) },
        at: now,
      });
    }
  }
  lap('decideMs');
  if (writes.rows.length + writes.changed.length > 0) {
    await db.transaction(async (tx) => {
      await saveSubjects(tx, writes.rows, false);
      await saveSubjects(tx, writes.changed, true);
      await appendAuditAndEvents(tx, writes.audit, writes.events);
    });
  }
  lap('writeMs');
  return summary;
}

/**
 * Stores complaint and bounce facts and re-evaluates, at once, the senders and domains they touch:
 * a sender crossing a line is stopped on the complaint that crossed it, not a minute later.
 */
export async function recordFactsAndEvaluate(db: Db, rules: ReputationConfig, facts: FactInput[], now: Date) {
  const stored = await recordFacts(db, facts);
  const evaluation = await evaluateReputation(db, rules, now, { senders: stored.senders, domains: stored.domains });
  return { ...stored, evaluation };
}
