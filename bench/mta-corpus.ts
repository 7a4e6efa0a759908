// Loads the generated MTA corpus (test/fixtures/mta-corpus, made by test/corpus/generate) in the
// shape of the shared corpus, so one scorer serves both. Its labels are the scenarios', by construction.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Corpus, LabelFact } from './corpus';

export const MTA_CORPUS = fileURLToPath(new URL('../test/fixtures/mta-corpus', import.meta.url));

export interface MtaLabel {
  file: string;
  mta: string;
  /** bounce (permanent refusal), delay (warning while queued) or expiry (the MTA gave up). */
  notice: string;
  reason: string;
  hardBounce: boolean;
  recipient: string;
  scenario: string;
  /** The reason of the receiver's refusal behind it (differs from `reason` for an expiry). */
  cause: string;
}

export function readMtaLabels(root = MTA_CORPUS): MtaLabel[] {
  const path = join(root, 'labels.tsv');
  if (!existsSync(path)) return [];
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const columns = header!.split('\t');
  return lines.map((line) => {
    const row = Object.fromEntries(line.split('\t').map((value, i) => [columns[i], value]));
    return { ...row, hardBounce: row.hardBounce === 'true' } as unknown as MtaLabel;
  });
}

export function loadMtaCorpus(root = MTA_CORPUS): { corpus: Corpus; labels: MtaLabel[] } | undefined {
  const labels = readMtaLabels(root);
  if (labels.length === 0) return undefined;
  const byFile: Record<string, LabelFact[]> = {};
  const files = new Map<string, Buffer>();
  for (const label of labels) {
    files.set(label.file, readFileSync(join(root, label.file)));
    (byFile[label.file] ??= []).push({
      recipient: label.recipient, reason: label.reason, hardbounce: label.hardBounce ? 1 : 0, feedbacktype: '',
      deliverystatus: '', diagnosticcode: '', smtpagent: label.mta, action: label.notice === 'delay' ? 'delayed' : 'failed',
    });
  }
  return { corpus: { root, labels: byFile, unlabeled: new Set(), files }, labels };
}
