import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FirstMatch, requiredLiterals } from '../../../src/analysis/first-match';
import { TEXT_RULES } from '../../../src/analysis/reasons';

/** The first rule that matches, running every pattern in order: what FirstMatch must answer. */
function firstInOrder<T>(rules: ReadonlyArray<readonly [T, RegExp]>, text: string): T | undefined {
  for (const [label, pattern] of rules) if (pattern.test(text)) return label;
  return undefined;
}

const CLASS_CANDIDATES = 'abcdefghijklmnopqrstuvwxyz0123456789 .-_@[]()<>:;\'"/\\#!,'.split('');

/**
 * A string the pattern source describes, read independently of first-match.ts: a random branch
 * of each alternation, zero to two extra repetitions, assertions ignored (callers keep only the
 * strings the pattern really matches).
 */
function sampleOf(source: string, random: () => number): string {
  let at = 0;
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
  const alternation = (): string => {
    // Every branch is read (to move past it); one of them is the sample.
    const branches = [sequence()];
    while (source[at] === '|') {
      at += 1;
      branches.push(sequence());
    }
    return pick(branches);
  };
  const sequence = (): string => {
    let out = '';
    while (at < source.length && source[at] !== '|' && source[at] !== ')') out += quantified();
    return out;
  };
  const quantified = (): string => {
    const start = at;
    let out = atom();
    const end = at;
    let min = 1;
    let max = 1;
    const next = source[at];
    const braces = next === '{' ? /^\{(\d+)(,?)(\d*)\}/.exec(source.slice(at)) : null;
    if (next === '*' || next === '+' || next === '?') {
      at += 1;
      min = next === '+' ? 1 : 0;
      max = next === '?' ? 1 : min + 2;
    } else if (braces) {
      at += braces[0].length;
      min = Number(braces[1]);
      max = braces[2] ? Math.min(braces[3] ? Number(braces[3]) : Infinity, min + 2) : min;
    } else return out;
    if (source[at] === '?') at += 1; // lazy
    const after = at;
    const count = min + Math.floor(random() * (max - min + 1));
    if (count === 0) return '';
    // Each repetition reads the atom again, with fresh choices.
    for (let i = 1; i < count; i += 1) {
      at = start;
      out += atom();
    }
    if (at !== end && count > 1) throw new Error('atom read differently');
    at = after;
    return out;
  };
  const atom = (): string => {
    const char = source[at]!;
    at += 1;
    if (char === '(') {
      let zeroWidth = false;
      if (source[at] === '?') {
        if (source.startsWith('?:', at)) at += 2;
        else if (source.startsWith('?=', at) || source.startsWith('?!', at)) (at += 2), (zeroWidth = true);
        else if (source.startsWith('?<=', at) || source.startsWith('?<!', at)) (at += 3), (zeroWidth = true);
      }
      const inner = alternation();
      at += 1; // ')'
      return zeroWidth ? '' : inner;
    }
    if (char === '[') {
      const start = at - 1;
      if (source[at] === '^') at += 1;
      while (source[at] !== ']') at += source[at] === '\\' ? 2 : 1;
      at += 1;
      const cls = new RegExp(source.slice(start, at));
      const fits = CLASS_CANDIDATES.filter((candidate) => cls.test(candidate));
      return fits.length > 0 ? pick(fits) : 'x';
    }
    if (char === '\\') {
      const escaped = source[at]!;
      at += 1;
      if (escaped === 'b' || escaped === 'B') return '';
      if (escaped === 'd') return String(Math.floor(random() * 10));
      if (escaped === 's') return pick([' ', '\t', '\n']);
      if (escaped === 'S' || escaped === 'w') return pick(['a', 'z', '7']);
      if (escaped === 'n') return '\n';
      if (escaped === 't') return '\t';
      return escaped;
    }
    if (char === '.') return pick(['a', ' ', '.', '1']);
    if (char === '^' || char === '$') return '';
    return char;
  };
  return alternation();
}

describe('first matching rule', () => {
  it('reads the literals a match must contain', () => {
    expect(requiredLiterals(/relay(?:ing)? denied/)).toEqual(['relay denied', 'relaying denied']);
    expect(requiredLiterals(/quota|over ?quota/)).toEqual(['quota', 'overquota', 'over quota']);
    // A repeated or optional piece is never part of a literal: "ac" is not in "abbc".
    expect(requiredLiterals(/ab*c/)).toEqual(['a']);
    expect(requiredLiterals(/ab+c/)).toEqual(['a']);
    expect(requiredLiterals(/x\d{1,3} exceeded/)).toEqual([' exceeded']);
    expect(requiredLiterals(/\bspam\b(?!haus)/)).toEqual(['spam']);
    // Nothing is known of a branch made only of classes: the pattern always runs.
    expect(requiredLiterals(/[a-z]+ unknown|\d+/)).toBeUndefined();
    expect(requiredLiterals(/unknown/i)).toBeUndefined();
  });

  it('answers as running every reason pattern in order, on strings each pattern matches', () => {
    const index = new FirstMatch(TEXT_RULES);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: TEXT_RULES.length - 1 }), fc.infiniteStream(fc.double({ min: 0, max: 0.999999, noNaN: true })), fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (rule, doubles, before, after) => {
        const iterator = doubles[Symbol.iterator]();
        const sample = sampleOf(TEXT_RULES[rule]![1].source, () => iterator.next().value as number);
        const text = `${before}${sample}${after}`.toLowerCase();
        if (!TEXT_RULES[rule]![1].test(text)) return;
        expect(index.find(text)).toBe(firstInOrder(TEXT_RULES, text));
        // On its own, the pattern that matches is never skipped.
        expect(new FirstMatch([TEXT_RULES[rule]!]).find(text)).toBe(TEXT_RULES[rule]![0]);
      }),
      { numRuns: 3000 },
    );
  });

  it('answers as running every reason pattern in order, on several samples strung together', () => {
    const index = new FirstMatch(TEXT_RULES);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: TEXT_RULES.length - 1 }), { minLength: 1, maxLength: 4 }), fc.infiniteStream(fc.double({ min: 0, max: 0.999999, noNaN: true })), (rules, doubles) => {
        const iterator = doubles[Symbol.iterator]();
        const text = rules.map((rule) => sampleOf(TEXT_RULES[rule]![1].source, () => iterator.next().value as number)).join(' ');
        expect(index.find(text)).toBe(firstInOrder(TEXT_RULES, text));
      }),
      { numRuns: 1000 },
    );
  });

  it('finds nothing in text that matches no pattern', () => {
    expect(new FirstMatch(TEXT_RULES).find('thank you for your message')).toBeUndefined();
    expect(new FirstMatch(TEXT_RULES).find('')).toBeUndefined();
  });
});
