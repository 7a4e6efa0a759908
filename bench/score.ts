// Scores analyzer output against the reference labels (rules: shared/corpus/README.md).
import type { Fact } from '../src/analysis/fact';
import type { Corpus, LabelFact } from './corpus';

export const PLACEHOLDER_RECIPIENT = 'undisclosed-recipient-in-headers@libsisimai.org.invalid';

export interface Score {
  labelledFiles: number;
  detected: number;
  positives: number;
  negativesCorrect: number;
  negatives: number;
  referenceFacts: number;
  recipientHits: number;
  reasonHits: number;
  hardSoftHits: number;
  feedbackFacts: number;
  feedbackHits: number;
  confusions: Map<string, number>;
  misses: Array<{ file: string; expected: string; got: string; reference: LabelFact; ours?: Fact }>;
  /** Per file: every reference fact matched with the right reason and hard/soft. */
  fileCorrect: Map<string, boolean>;
}

const COUNTED_KINDS = new Set(['bounce', 'delay', 'complaint']);

export function scoreCorpus(corpus: Corpus, factsByFile: Map<string, Fact[]>): Score {
  const score: Score = {
    labelledFiles: 0, detected: 0, positives: 0, negativesCorrect: 0, negatives: 0, referenceFacts: 0,
    recipientHits: 0, reasonHits: 0, hardSoftHits: 0, feedbackFacts: 0, feedbackHits: 0,
    confusions: new Map(), misses: [], fileCorrect: new Map(),
  };
  for (const [file, expected] of Object.entries(corpus.labels)) {
    if (corpus.unlabeled.has(file) || !corpus.files.has(file)) continue;
    score.labelledFiles += 1;
    const facts = factsByFile.get(file) ?? [];
    if (expected.length === 0) {
      score.negatives += 1;
      if (!facts.some((fact) => COUNTED_KINDS.has(fact.kind))) score.negativesCorrect += 1;
      continue;
    }
    score.positives += 1;
    if (facts.length > 0) score.detected += 1;
    let allRight = true;
    for (const reference of expected) {
      score.referenceFacts += 1;
      const match = matchFact(reference, facts);
      const got = match ? match.reason : '(none)';
      if (match) score.recipientHits += 1;
      const reasonOk = match?.reason === reference.reason;
      const hardOk = match !== undefined && match.hardBounce === (reference.hardbounce === 1);
      if (reasonOk) score.reasonHits += 1;
      if (hardOk) score.hardSoftHits += 1;
      if (reference.reason === 'feedback') {
        score.feedbackFacts += 1;
        if (match?.feedbackType === reference.feedbacktype) score.feedbackHits += 1;
      }
      if (!reasonOk || !hardOk) {
        allRight = false;
        const key = `${reference.reason} -> ${got}`;
        score.confusions.set(key, (score.confusions.get(key) ?? 0) + 1);
        score.misses.push({ file, expected: `${reference.reason} ${reference.recipient}`, got: match ? `${match.reason} ${match.recipient}` : `(none) [${facts.map((f) => f.recipient).join(',')}]`, reference, ours: match });
      }
    }
    score.fileCorrect.set(file, allRight);
  }
  return score;
}

function matchFact(reference: LabelFact, facts: Fact[]): Fact | undefined {
  if (reference.recipient === PLACEHOLDER_RECIPIENT) return facts[0] ?? ({ recipient: '', reason: 'undefined', hardBounce: false, kind: 'bounce', format: 'none' } satisfies Fact);
  const wanted = reference.recipient.toLowerCase();
  return facts.find((fact) => fact.recipient.toLowerCase() === wanted);
}

export function percent(hits: number, total: number): string {
  return total === 0 ? 'n/a' : `${((100 * hits) / total).toFixed(2)}%`;
}
