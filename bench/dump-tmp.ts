import { analyzeMbox } from '../src/analysis/analyze';
import { loadCorpus } from '../bench/corpus';
const corpus = loadCorpus()!;
const want = process.argv[2]!.split(',');
for (const [file, expected] of Object.entries(corpus.labels)) {
  const bytes = corpus.files.get(file); if (!bytes || !file.includes('/bsd/')) continue;
  const facts = analyzeMbox(bytes).flatMap((r) => (r.ok ? r.facts : []));
  for (const ref of expected) {
    if (!want.includes(ref.reason)) continue;
    const ours = facts.find((f) => f.recipient.toLowerCase() === ref.recipient.toLowerCase());
    const ok = ours?.reason === ref.reason ? 'OK ' : 'BAD';
    console.log(`${ok} ${ref.reason.padEnd(11)} ${ref.deliverystatus.padEnd(8)} ${String(ref.smtpcommand).padEnd(4)} | ${(ours?.reason ?? '-').padEnd(11)} ${(ours?.status ?? '').padEnd(6)} ${(ours?.smtpCommand ?? '').padEnd(4)} ${ours?.format ?? ''} ${file.replace('maildir/bsd/','')} :: ${(ours?.diagnosticCode ?? ref.diagnosticcode).slice(0, 140)}`);
  }
}
