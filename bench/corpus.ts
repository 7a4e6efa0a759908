// Loads the shared reference corpus (../shared/corpus/set-of-emails) for the score and the benchmark.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface LabelFact {
  recipient: string;
  reason: string;
  hardbounce: number;
  feedbacktype: string;
  deliverystatus: string;
  diagnosticcode: string;
  smtpagent: string;
  smtpcommand?: string;
  replycode?: string;
  action?: string;
}

export interface Corpus {
  root: string;
  labels: Record<string, LabelFact[]>;
  /** Files the reference could not read: left out of accuracy scores. */
  unlabeled: Set<string>;
  /** Every file's bytes, keyed by its path relative to root. */
  files: Map<string, Buffer>;
}

export const DEFAULT_CORPUS = fileURLToPath(new URL('../../shared/corpus/set-of-emails', import.meta.url));

/** The files under `dir`, in name order, whose names `keep` takes. */
export function filesUnder(dir: string, keep: (name: string) => boolean = () => true, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) filesUnder(path, keep, out);
    else if (keep(name)) out.push(path);
  }
  return out;
}

export function loadCorpus(root = DEFAULT_CORPUS): Corpus | undefined {
  const labelsPath = join(root, 'labels.json');
  if (!existsSync(labelsPath)) return undefined;
  const labels = JSON.parse(readFileSync(labelsPath, 'utf8')) as Record<string, LabelFact[]>;
  const unlabeledPath = join(root, 'unlabeled.json');
  const unlabeled = new Set(existsSync(unlabeledPath) ? Object.keys(JSON.parse(readFileSync(unlabeledPath, 'utf8')) as object) : []);
  const paths = filesUnder(join(root, 'maildir'), (name) => name.endsWith('.eml'));
  const files = new Map<string, Buffer>();
  for (const path of paths) files.set(relative(root, path).split('\\').join('/'), readFileSync(path));
  return { root, labels, unlabeled, files };
}
