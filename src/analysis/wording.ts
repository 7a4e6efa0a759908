// The wording tables (./wording/<reason>.txt): which phrases of a diagnostic name which reason.
//
// One file per reason, one phrase a line: `rank <TAB> pattern <TAB> where seen`. A pattern is a
// JavaScript regular expression (no flags) tried against the diagnostic lower-cased, with its
// addresses replaced by "address" and its reply-code prefixes removed (reasons.ts). Phrases are
// tried from the lowest rank up, across all the files, and the first that matches names the
// reason: a specific phrase ("host not found, try again", networkerror) outranks a broad one of
// another reason ("host ... not found", hostunknown). Phrases of one rank belong to one reason.
// "Where seen" names the provider, MTA or document that writes the phrase; "general" marks the
// generic wording of RFC 3463's descriptions and of the common MTAs' default messages. Lines
// starting with '#' and blank lines are comments.
import { readFileSync, readdirSync } from 'node:fs';
import type { Reason } from './reasons';

export interface WordingPhrase {
  reason: Reason;
  rank: number;
  pattern: string;
  seen: string;
  /** file:line, for error messages. */
  at: string;
}

export class WordingTableError extends Error {
  override readonly name = 'WordingTableError';
  readonly code = 'E_ANALYSIS_WORDING';
}

const TABLES = new URL('./wording/', import.meta.url);

/** Reads every table of a folder (the project's own by default). */
export function readWordingTables(reasons: readonly string[], folder: URL = TABLES): WordingPhrase[] {
  const phrases: WordingPhrase[] = [];
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.txt')).sort()) {
    const reason = file.slice(0, -'.txt'.length);
    if (!reasons.includes(reason)) throw new WordingTableError(`wording table ${file}: ${reason} is not a reason`);
    readFileSync(new URL(file, folder), 'utf8').split('\n').forEach((line, index) => {
      if (line.trim() === '' || line.startsWith('#')) return;
      const at = `${file}:${index + 1}`;
      const fields = line.split('\t');
      if (fields.length !== 3 || !/^\d+$/.test(fields[0]!) || fields[1] === '' || fields[2]!.trim() === '') {
        throw new WordingTableError(`wording table ${at}: expected rank<TAB>pattern<TAB>where seen`);
      }
      try {
        new RegExp(fields[1]!);
      } catch (cause) {
        throw new WordingTableError(`wording table ${at}: ${(cause as Error).message}`);
      }
      phrases.push({ reason: reason as Reason, rank: Number(fields[0]), pattern: fields[1]!, seen: fields[2]!.trim(), at });
    });
  }
  return phrases;
}

/** The ordered (reason, pattern) rules: the phrases of each rank joined into one alternation. */
export function wordingRules(phrases: readonly WordingPhrase[]): Array<[Reason, RegExp]> {
  const byRank = new Map<number, WordingPhrase[]>();
  for (const phrase of phrases) {
    const group = byRank.get(phrase.rank);
    if (group) group.push(phrase);
    else byRank.set(phrase.rank, [phrase]);
  }
  return [...byRank.keys()]
    .sort((a, b) => a - b)
    .map((rank) => {
      const group = byRank.get(rank)!;
      const other = group.find((phrase) => phrase.reason !== group[0]!.reason);
      if (other) throw new WordingTableError(`wording tables: rank ${rank} holds ${group[0]!.reason} (${group[0]!.at}) and ${other.reason} (${other.at})`);
      return [group[0]!.reason, new RegExp(group.map((phrase) => phrase.pattern).join('|'))];
    });
}
