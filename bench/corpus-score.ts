// `npm run corpus:score`: the analyzer against the shared reference corpus; the last lines are the figures.
import { performance } from 'node:perf_hooks';
import type { Fact } from '../src/analysis/fact';
import { analyzeMbox } from '../src/analysis/analyze';
import { loadCorpus } from './corpus';
import { percent, scoreCorpus } from './score';

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
const rows: Array<[string, string]> = [
  ['files (labelled, scored)', `${corpus.files.size} (${score.labelledFiles})`],
  ['messages analyzed', String(messages)],
  ['mac files scoring as their dos twins', `${macSame}/${macTotal}`],
  ['detection recall', percent(score.detected, score.positives)],
  ['negative accuracy', `${percent(score.negativesCorrect, score.negatives)} (${score.negativesCorrect}/${score.negatives})`],
  ['recipient recall', percent(score.recipientHits, score.referenceFacts)],
  ['reason accuracy', percent(score.reasonHits, score.referenceFacts)],
  ['hard/soft accuracy', percent(score.hardSoftHits, score.referenceFacts)],
  ['feedback-type accuracy', percent(score.feedbackHits, score.feedbackFacts)],
  ['emails/s (one process, warm, median of 5)', emailsPerSecond.toFixed(0)],
];
const width = Math.max(...rows.map(([label]) => label.length));
for (const [label, value] of rows) console.log(`${label.padEnd(width)}  ${value}`);
