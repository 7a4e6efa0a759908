// One evaluation pass: window counts from the rollups → a decision per subject (reputation/
// evaluation.ts) → state, audit and events stored, and the policy change announced, in one
// transaction.
import type { ReputationConfig } from '../config/reputation';
import { tiersConfig, type TiersConfig } from '../config/tiers';
import type { Db } from '../db/client';
import type { EventWrite } from '../db/events';
import { clearChangeMarks, loadEvaluationInputs, type ChangeMarks, type EvaluationScope } from '../db/evaluation-inputs';
import { latestSenderDomains } from '../db/facts';
import { appendAuditAndEvents, readMeta, saveSubjects, writeMeta, type AuditWrite, type SubjectWrite } from '../db/subjects';
import { evaluateSubject, rulesFingerprint, volumeFloor, type SubjectKind } from '../reputation/evaluation';

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

type Phase = 'readStatsMs' | 'readStateMs' | 'decideMs' | 'writeMs';

/** What a pass has decided to write, and the change marks it read (cleared with the writes). */
interface PassWrites {
  /** States whose policy did not change (figures, cool-down clocks, first-seen days). */
  figures: SubjectWrite[];
  /** States whose policy changed: they take a new policy version. */
  policy: SubjectWrite[];
  audit: AuditWrite[];
  events: EventWrite[];
  marks: ChangeMarks[];
}

/** Which subjects a pass reads, from what the previous pass stored. */
interface PassScope {
  /** Just these (a complaint was stored for them); absent: a scheduled pass. */
  only?: { senders?: string[]; domains?: string[] };
  /** Changed thresholds can change any decision: the first pass under new rules looks at everyone. */
  rulesChanged: boolean;
  /** Without a usable previous pass the stored counts cannot be trusted: everything is aggregated anew. */
  fromScratch: boolean;
  previousPass: Date | undefined;
  fingerprint: string;
}

/**
 * Evaluates senders and sender domains. Without `only`, every subject whose counts changed, that has
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
  const lap = (phase: Phase) => {
    const at = performance.now();
    summary[phase] += Math.round(at - mark);
    mark = at;
  };
  const scope = await readPassScope(db, rules, tiers, now, only);
  lap('readStateMs');
  const writes: PassWrites = { figures: [], policy: [], audit: [], events: [], marks: [] };
  for (const kind of ['sender', 'domain'] as const satisfies SubjectKind[]) {
    const ids = only ? ((kind === 'sender' ? only.senders : only.domains) ?? []) : undefined;
    if (ids && ids.length === 0) continue;
    const { inputs, marks } = await loadEvaluationInputs(db, kind, now, evaluationScope(scope, ids), volumeFloor(kind, rules, tiers));
    if (marks) writes.marks.push(marks);
    lap('readStatsMs');
    for (const input of inputs) {
      summary[kind === 'sender' ? 'senders' : 'domains']++;
      const evaluation = evaluateSubject(kind, input, rules, tiers, now);
      if (evaluation.tierMove) summary[evaluation.tierMove]++;
      if (evaluation.verb) {
        summary.changed++;
        summary[evaluation.verb]++;
      }
      if (evaluation.write === 'policy') writes.policy.push(evaluation.state);
      else if (evaluation.write === 'figures') writes.figures.push(evaluation.state);
      writes.audit.push(...evaluation.audit);
      writes.events.push(...evaluation.events);
    }
    lap('decideMs');
  }
  await nameSenderDomains(db, writes.events);
  await storePass(db, writes, scope, now);
  lap('writeMs');
  return summary;
}

async function readPassScope(db: Db, rules: ReputationConfig, tiers: TiersConfig, now: Date, only: PassScope['only']): Promise<PassScope> {
  const fingerprint = rulesFingerprint(rules, tiers);
  const previousPassText = only ? undefined : await readMeta(db, 'previous-pass');
  const previousPass = previousPassText ? new Date(previousPassText) : undefined;
  const rulesChanged = !only && (await readMeta(db, 'rules')) !== fingerprint;
  const fromScratch = !only && (!previousPass || previousPass > now);
  return { only, rulesChanged, fromScratch, previousPass, fingerprint };
}

function evaluationScope(scope: PassScope, ids: string[] | undefined): EvaluationScope {
  if (ids) return { ids };
  return scope.fromScratch ? { everything: true } : { previousPass: scope.previousPass!, restFromState: scope.rulesChanged };
}

/** Stores what a pass decided, clears the change marks it read, and records the pass. */
async function storePass(db: Db, writes: PassWrites, scope: PassScope, now: Date): Promise<void> {
  // States whose policy did not change need not commit with the rest: a crash after them leaves
  // the marks and the previous pass's time, so the next pass reads those subjects again. A first
  // pass writes a hundred thousand of them; in two transactions at once PostgreSQL inserts them on
  // two cores.
  const { figures } = writes;
  const early = figures.length >= 20_000 ? [figures.slice(0, figures.length >> 1), figures.slice(figures.length >> 1)] : null;
  if (early) await Promise.all(early.map((part) => db.transaction((tx) => saveSubjects(tx, part, false))));
  await db.transaction(async (tx) => {
    if (!early) await saveSubjects(tx, figures, false);
    await saveSubjects(tx, writes.policy, true);
    await appendAuditAndEvents(tx, writes.audit, writes.events);
    for (const marks of writes.marks) await clearChangeMarks(tx as unknown as Db, marks);
    if (scope.rulesChanged || scope.fromScratch) await writeMeta(tx, 'rules', scope.fingerprint);
    if (!scope.only) await writeMeta(tx, 'previous-pass', now.toISOString());
  });
}

/** Adds the sender domain to each sender action event, so alerting groups it with its domain's. */
async function nameSenderDomains(db: Db, events: EventWrite[]): Promise<void> {
  const senderActions = events.filter((event) => event.payload?.kind === 'sender' && 'toAction' in (event.payload ?? {}));
  const domains = await latestSenderDomains(db, [...new Set(senderActions.map((event) => String(event.payload!.id)))]);
  for (const event of senderActions) {
    const domain = domains.get(String(event.payload!.id));
    if (domain) event.payload = { ...event.payload, domain };
  }
}
