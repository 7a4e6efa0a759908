// `npm run corpus:score`: the analyzer against the shared reference corpus; the last lines are the figures.
import { performance } from 'node:perf_hooks';
import type { Fact } from '../src/analysis/fact';
import { analyzeMbox } from '../src/analysis/analyze';
import { loadCorpus, type Corpus } from './corpus';
import { loadMtaCorpus } from './mta-corpus';
import { percent, scoreCorpus, type Score } from './score';

const verbose = process.argv.includes('--verbose');
// `--confusion filtered,userunknown` lists the files behind one confusion with both readings.
const confusionArg = process.argv.indexOf('--confusion');
const confusion = confusionArg === -1 ? undefined : (process.argv[confusionArg + 1] ?? '').split(',');
const corpus = loadCorpus();
if (!corpus) {
  console.log('corpus:score: ../shared/corpus/set-of-emails not found; nothing to score.');
  process.exit(0);
}

function analyzeAll(): { factsByFile: Map<string, Fact[]>; messages: number } {
  const factsByFile = new Map<string, Fact[]>();
  let messages = 0;
  for (const [file, bytes] of corpus!.files) {
    const facts: Fact[] = [];
    for (const result of analyzeMbox(bytes)) {
      messages += 1;
      if (result.ok) facts.push(...result.facts);
    }
    factsByFile.set(file, facts);
  }
  return { factsByFile, messages };
}

analyzeAll(); // warm-up: JIT and decoder caches
// Median of five timed passes: one pass is a third of a second, easily skewed by other load.
const timings: number[] = [];
let outcome = analyzeAll();
for (let pass = 0; pass < 5; pass += 1) {
  const started = performance.now();
  outcome = analyzeAll();
  timings.push((performance.now() - started) / 1000);
}
const { factsByFile, messages } = outcome;
const seconds = timings.sort((a, b) => a - b)[2]!;
const emailsPerSecond = corpus.files.size / seconds;

const score = scoreCorpus(corpus, factsByFile);
if (verbose) for (const miss of score.misses) console.log(`miss ${miss.file}: expected ${miss.expected}, got ${miss.got}`);
if (confusion) {
  const [expectedReason, gotReason] = confusion;
  for (const miss of score.misses) {
    const ref = miss.reference;
    const ours = miss.ours;
    if (expectedReason && ref.reason !== expectedReason) continue;
    if (gotReason && (ours?.reason ?? '(none)') !== gotReason) continue;
    console.log(`${miss.file}  ${ref.recipient}`);
    console.log(`  reference: ${ref.reason} hard=${ref.hardbounce} status=${ref.deliverystatus} reply=${ref.replycode ?? ''} cmd=${ref.smtpcommand ?? ''} action=${ref.action ?? ''} agent=${ref.smtpagent}`);
    console.log(`             diag: ${ref.diagnosticcode.slice(0, 300)}`);
    if (ours) {
      console.log(`  ours:      ${ours.reason} hard=${ours.hardBounce ? 1 : 0} status=${ours.status ?? ''} reply=${ours.replyCode ?? ''} cmd=${ours.smtpCommand ?? ''} action=${ours.action ?? ''} format=${ours.format}`);
      console.log(`             diag: ${(ours.diagnosticCode ?? '').slice(0, 300)}`);
    }
  }
}

let macSame = 0;
let macTotal = 0;
for (const [file, right] of score.fileCorrect) {
  if (!file.startsWith('maildir/mac/')) continue;
  const twin = score.fileCorrect.get(file.replace('maildir/mac/', 'maildir/dos/'));
  if (twin === undefined) continue;
  macTotal += 1;
  if (twin === right) macSame += 1;
}

const confusions = [...score.confusions.entries()].sort((a, b) => b[1] - a[1]).slice(0, 40);
console.log('top reason confusions (reference -> ours):');
for (const [pair, count] of confusions) console.log(`  ${String(count).padStart(4)}  ${pair}`);
console.log('');
// The generated MTA corpus (test/fixtures/mta-corpus): labels by construction, not by a reference analyzer.
const mta = loadMtaCorpus();
function analyzeFiles(files: Corpus['files']): { factsByFile: Map<string, Fact[]>; refused: number } {
  const factsByFile = new Map<string, Fact[]>();
  let refused = 0;
  for (const [file, bytes] of files) {
    const results = analyzeMbox(bytes);
    refused += results.filter((result) => !result.ok).length;
    factsByFile.set(file, results.flatMap((result) => (result.ok ? result.facts : [])));
  }
  return { factsByFile, refused };
}
const mtaRun = mta ? analyzeFiles(mta.corpus.files) : undefined;
const mtaScore = mta && mtaRun ? scoreCorpus(mta.corpus, mtaRun.factsByFile) : undefined;
const sharedRefused = [...corpus.files.values()].reduce((sum, bytes) => sum + analyzeMbox(bytes).filter((r) => !r.ok).length, 0);

if (mta && mtaScore) {
  console.log('');
  console.log('MTA corpus, by reason (labelled -> analyzer):');
  const byReason = new Map<string, { total: number; right: number }>();
  const byMta = new Map<string, { total: number; reason: number; hardSoft: number }>();
  const wrong = new Set(mtaScore.misses.map((miss) => `${miss.file} ${miss.reference.recipient}`));
  const wrongReason = new Set(mtaScore.misses.filter((miss) => miss.ours?.reason !== miss.reference.reason).map((miss) => `${miss.file} ${miss.reference.recipient}`));
  for (const label of mta.labels) {
    const key = `${label.file} ${label.recipient}`;
    const reason = byReason.get(label.reason) ?? { total: 0, right: 0 };
    reason.total += 1;
    if (!wrongReason.has(key)) reason.right += 1;
    byReason.set(label.reason, reason);
    const perMta = byMta.get(label.mta) ?? { total: 0, reason: 0, hardSoft: 0 };
    perMta.total += 1;
    if (!wrongReason.has(key)) perMta.reason += 1;
    if (!wrong.has(key) || mtaScore.misses.find((m) => `${m.file} ${m.reference.recipient}` === key)?.ours?.hardBounce === label.hardBounce) perMta.hardSoft += 1;
    byMta.set(label.mta, perMta);
  }
  for (const [reason, { total, right }] of [...byReason].sort((a, b) => b[1].total - a[1].total)) console.log(`  ${reason.padEnd(16)} ${String(right).padStart(4)}/${String(total).padEnd(4)} ${percent(right, total)}`);
  console.log('MTA corpus, by MTA (reason, hard/soft):');
  for (const [name, counts] of byMta) console.log(`  ${name.padEnd(16)} ${percent(counts.reason, counts.total)}  ${percent(counts.hardSoft, counts.total)}  (${counts.total})`);
  console.log('MTA corpus confusions (label -> ours, by MTA and scenario):');
  const detailed = new Map<string, number>();
  const scenarioOf = new Map(mta.labels.map((label) => [`${label.file} ${label.recipient}`, `${label.mta} ${label.notice} ${label.scenario}`]));
  for (const miss of mtaScore.misses) {
    const key = `${miss.reference.reason}/${miss.reference.hardbounce ? 'hard' : 'soft'} -> ${miss.ours?.reason ?? '(none)'}/${miss.ours ? (miss.ours.hardBounce ? 'hard' : 'soft') : '-'}  ${scenarioOf.get(`${miss.file} ${miss.reference.recipient}`)}`;
    detailed.set(key, (detailed.get(key) ?? 0) + 1);
  }
  for (const [pair, count] of [...detailed].sort((a, b) => b[1] - a[1])) console.log(`  ${String(count).padStart(4)}  ${pair}`);
  console.log('');
}

function column(s: Score | undefined, pick: (s: Score) => string): string {
  return s ? pick(s) : 'n/a';
}
const rows: Array<[string, string, string]> = [
  ['files (labelled, scored)', `${corpus.files.size} (${score.labelledFiles})`, column(mtaScore, (s) => `${mta!.corpus.files.size} (${s.labelledFiles})`)],
  ['messages analyzed', String(messages), mta ? String(mta.corpus.files.size) : 'n/a'],
  ['files refused (analysis error)', String(sharedRefused), mtaRun ? String(mtaRun.refused) : 'n/a'],
  ['mac files scoring as their dos twins', `${macSame}/${macTotal}`, '-'],
  ['detection recall', percent(score.detected, score.positives), column(mtaScore, (s) => percent(s.detected, s.positives))],
  ['negative accuracy', `${percent(score.negativesCorrect, score.negatives)} (${score.negativesCorrect}/${score.negatives})`, '-'],
  ['recipient recall', percent(score.recipientHits, score.referenceFacts), column(mtaScore, (s) => percent(s.recipientHits, s.referenceFacts))],
  ['reason accuracy', percent(score.reasonHits, score.referenceFacts), column(mtaScore, (s) => percent(s.reasonHits, s.referenceFacts))],
  ['hard/soft accuracy', percent(score.hardSoftHits, score.referenceFacts), column(mtaScore, (s) => percent(s.hardSoftHits, s.referenceFacts))],
  ['feedback-type accuracy', percent(score.feedbackHits, score.feedbackFacts), '-'],
  ['emails/s (one process, warm, median of 5)', emailsPerSecond.toFixed(0), '-'],
];
const width = Math.max(...rows.map(([label]) => label.length));
console.log(`${''.padEnd(width)}  ${'shared corpus'.padEnd(24)}  MTA corpus`);
for (const [label, shared, generated] of rows) console.log(`${label.padEnd(width)}  ${shared.padEnd(24)}  ${generated}`);
