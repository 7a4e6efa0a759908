// The automatic decision for one sender or domain: rates per window → allow / warn / throttle /
// suspend, with a volume floor, a confidence bound and a cool-down before anything is lifted.
import type { DecisionWindow, ReputationConfig } from '../config/reputation';
import type { RollupCounts } from './counts';
import { wilsonInterval } from './wilson';

export const actions = ['allow', 'warn', 'throttle', 'suspend'] as const;
export type PolicyAction = (typeof actions)[number];
/** How strict an action is: allow < warn < throttle < suspend. */
export const rank = (action: PolicyAction) => actions.indexOf(action);

export type WindowStats = Record<DecisionWindow, RollupCounts>;

export type RateMetric = 'complaintRate' | 'hardBounceRate';

/** The figures behind a decision, kept in the audit log. */
export interface Evidence {
  metric: RateMetric;
  window: DecisionWindow;
  events: number;
  sent: number;
  rate: number;
  lower: number;
  upper: number;
  /** The line the bound crossed, or the warn line when it crossed none. */
  threshold: number;
  level: PolicyAction;
}

export interface AutomaticState {
  action: PolicyAction;
  since: Date | null;
  /** Since when the bound has stayed under the warn line while an action is in force. */
  clearSince: Date | null;
}

export interface Decision extends AutomaticState {
  changed: boolean;
  reason: string;
  evidence: Evidence | null;
}

const metricEvents = (counts: RollupCounts, metric: RateMetric) => (metric === 'complaintRate' ? counts.complaints : counts.hardBounces);
const metricLabel: Record<RateMetric, string> = { complaintRate: 'complaint rate', hardBounceRate: 'hard-bounce rate' };
const percent = (value: number) => `${(value * 100).toFixed(value < 0.01 ? 3 : 2)}%`;

/** Every window and metric with enough volume, with the level its bound reaches. */
export function assessRates(stats: WindowStats, rules: ReputationConfig): Evidence[] {
  const evidence: Evidence[] = [];
  for (const window of rules.windows) {
    const counts = stats[window];
    if (counts.sent < rules.minVolume) continue;
    for (const metric of ['complaintRate', 'hardBounceRate'] as const) {
      const lines = rules[metric];
      const events = metricEvents(counts, metric);
      const interval = wilsonInterval(events, counts.sent, rules.confidence);
      const level: PolicyAction =
        interval.lower >= lines.suspend && lines.suspend > 0
          ? 'suspend'
          : interval.lower >= lines.throttle && lines.throttle > 0
            ? 'throttle'
            : interval.lower >= lines.warn && lines.warn > 0
              ? 'warn'
              : 'allow';
      const threshold = level === 'allow' ? lines.warn : lines[level];
      evidence.push({ metric, window, events, sent: counts.sent, ...interval, threshold, level });
    }
  }
  return evidence;
}

export function describeEvidence(e: Evidence, confidence: number): string {
  const bound = `${Math.round(confidence * 100)}% lower bound ${percent(e.lower)}`;
  const comparison = e.level === 'allow' ? `under the warn line ${percent(e.threshold)}` : `at or over the ${e.level} line ${percent(e.threshold)}`;
  return `${metricLabel[e.metric]} ${percent(e.rate)} over ${e.window} (${e.events} of ${e.sent} sends; ${bound}, ${comparison})`;
}

export function decide(stats: WindowStats, previous: AutomaticState, rules: ReputationConfig, now: Date): Decision {
  const evidence = assessRates(stats, rules);
  const worst = evidence.reduce<Evidence | null>((top, e) => (!top || rank(e.level) > rank(top.level) ? e : top), null);
  const level: PolicyAction = worst?.level ?? 'allow';

  if (rank(level) > rank(previous.action)) {
    return {
      action: level,
      since: now,
      clearSince: null,
      changed: true,
      reason: describeEvidence(worst!, rules.confidence),
      evidence: worst,
    };
  }
  if (previous.action === 'allow') {
    const reason = worst ? describeEvidence(worst, rules.confidence) : `under ${rules.minVolume} sends in every window: nothing to decide`;
    return { action: 'allow', since: previous.since, clearSince: null, changed: false, reason, evidence: worst };
  }
  // An action is in force. It is lifted only after the bound has stayed under the warn line
  // (or the volume has fallen under the floor everywhere) for releaseAfterHours.
  if (level !== 'allow') {
    const reason = `${previous.action} kept: ${describeEvidence(worst!, rules.confidence)}`;
    return { ...previous, clearSince: null, changed: false, reason, evidence: worst };
  }
  const clearSince = previous.clearSince ?? now;
  const clearForMs = now.getTime() - clearSince.getTime();
  const releaseAfterMs = rules.releaseAfterHours * 3_600_000;
  const why = worst ? describeEvidence(worst, rules.confidence) : `under ${rules.minVolume} sends in every window`;
  if (clearForMs >= releaseAfterMs) {
    return {
      action: 'allow',
      since: now,
      clearSince: null,
      changed: true,
      reason: `released after ${rules.releaseAfterHours} h under the warn line: ${why}`,
      evidence: worst,
    };
  }
  const hoursLeft = ((releaseAfterMs - clearForMs) / 3_600_000).toFixed(1);
  return {
    ...previous,
    clearSince,
    changed: false,
    reason: `${previous.action} kept for ${hoursLeft} h more of cool-down: ${why}`,
    evidence: worst,
  };
}
