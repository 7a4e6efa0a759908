// The analyzer against the MTA corpus (test/fixtures/mta-corpus): bounces written by real Postfix,
// Exim and OpenSMTPD for scripted receiver replies, labelled by the scenario, not by an analyzer.
import { describe, expect, it } from 'vitest';
import type { Fact } from '../../src/analysis/fact';
import { analyzeMbox } from '../../src/analysis/analyze';
import { loadMtaCorpus } from '../../bench/mta-corpus';
import { scoreCorpus } from '../../bench/score';

const mta = loadMtaCorpus();

// What the analyzer achieves today less a small margin (reason 97.9%, hard/soft 100%, with an
// expiry labelled by the refusal it quotes; a regenerated corpus varies a little, as Exim's delay
// warnings cut long replies at different points): a guard against regressions. Raise these as
// accuracy improves, never lower them.
const FLOORS = { files: 400, reasons: 20, detection: 1, recipient: 0.99, reason: 0.97, hardSoft: 0.99 };

describe('MTA-generated corpus', () => {
  const factsByFile = new Map<string, Fact[]>();
  const refused: string[] = [];
  for (const [file, bytes] of mta!.corpus.files) {
    const results = analyzeMbox(bytes);
    for (const result of results) if (!result.ok) refused.push(`${file}: ${result.error.message}`);
    factsByFile.set(file, results.flatMap((result) => (result.ok ? result.facts : [])));
  }
  const score = scoreCorpus(mta!.corpus, factsByFile);

  it('holds hundreds of bounces from three MTAs, each with a label, over twenty reasons', () => {
    expect(mta!.corpus.files.size).toBeGreaterThanOrEqual(FLOORS.files);
    expect(new Set(mta!.labels.map((label) => label.reason)).size).toBeGreaterThanOrEqual(FLOORS.reasons);
    expect(new Set(mta!.labels.map((label) => label.mta))).toEqual(new Set(['postfix', 'exim', 'opensmtpd']));
  });

  it('reads every bounce and finds its recipient', () => {
    expect(refused).toEqual([]);
    expect(score.detected / score.positives).toBeGreaterThanOrEqual(FLOORS.detection);
    expect(score.recipientHits / score.referenceFacts).toBeGreaterThanOrEqual(FLOORS.recipient);
  });

  it('finds the reasons and hard/soft at or above the floors', () => {
    expect(score.reasonHits / score.referenceFacts).toBeGreaterThanOrEqual(FLOORS.reason);
    expect(score.hardSoftHits / score.referenceFacts).toBeGreaterThanOrEqual(FLOORS.hardSoft);
  });
});
