// Mutated real mail (runs of blanks at random points, long lines, deep multipart nesting, cuts at
// random offsets) must each be analyzed within 100 ms: the budget a relay's policy answer cannot
// wait behind, whatever a sender of bounces puts in them.
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadCorpus } from '../../../bench/corpus';
import { analyzeMessage } from '../../../src/analysis/analyze';
import { splitMbox } from '../../../src/analysis/mbox';
import { bestCpuMs } from '../../support/cpu-time';

const fixtureDir = new URL('../../fixtures/mail/', import.meta.url);
const fixtures = readdirSync(fixtureDir)
  .filter((name) => name.endsWith('.eml'))
  .sort()
  .map((name) => readFileSync(new URL(name, fixtureDir), 'latin1'));
const corpus = loadCorpus();
const corpusMessages = corpus ? [...corpus.files.values()].flatMap((bytes) => splitMbox(bytes)) : [];

type Mutation = (text: string) => string;

const at = (text: string, where: number) => Math.floor(where * text.length);
const insertAt = (where: number, what: string): Mutation => (text) => text.slice(0, at(text, where)) + what + text.slice(at(text, where));

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  // A run of blanks anywhere: in a header name or value, at a line start, before a marker.
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(' ', '\t', ' \t', '\t '), fc.integer({ min: 1_000, max: 200_000 })).map(([where, blank, length]) => insertAt(where, blank.repeat(length))),
  // The same after a line break: a line of blanks, or an indented continuation.
  fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1_000, max: 200_000 })).map(([where, length]) => insertAt(where, `\n${' '.repeat(length)}`)),
  // A long line of one character, or of a short word repeated.
  fc
    .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom('-', '=', '.', '@', 'a', '(', '<', ';', '"', '@.', 'a@', 'from ', 'original message '), fc.integer({ min: 1_000, max: 100_000 }))
    .map(([where, piece, length]) => insertAt(where, piece.repeat(Math.ceil(length / piece.length)))),
  // Deep multipart nesting around the message.
  fc.integer({ min: 1, max: 200 }).map((depth) => (text: string) => {
    let nested = text;
    for (let level = 0; level < depth; level += 1) nested = `Content-Type: multipart/mixed; boundary="b${level}"\n\n--b${level}\n${nested}\n--b${level}--\n`;
    return `From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail\n${nested}`;
  }),
  // Cut short anywhere.
  fc.double({ min: 0, max: 1, noNaN: true }).map((where) => (text: string) => text.slice(0, at(text, where))),
);

/** CPU milliseconds to analyze, the best of two (a spike of the machine is not a failure). */
function analysisMs(text: string): number {
  const { ms, result } = bestCpuMs(() => analyzeMessage(text), 2);
  if (!result.ok) expect(result.error.code).toMatch(/^E_ANALYSIS_/);
  return ms;
}

function assertFast(seeds: string[], numRuns: number) {
  fc.assert(
    fc.property(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 3 }), (seed, mutations) => {
      const text = mutations.reduce((mutated, mutate) => mutate(mutated), seed.replaceAll('\r\n', '\n'));
      expect(analysisMs(text)).toBeLessThan(100);
    }),
    { numRuns, seed: 20_261_120, endOnFailure: true },
  );
}

describe('analysis time of mutated mail', () => {
  it('stays under 100 ms a message for the project fixtures', () => assertFast(fixtures, 250), 30_000);

  it.skipIf(corpusMessages.length === 0)('stays under 100 ms a message for the reference corpus', () => assertFast(corpusMessages, 250), 30_000);
});
