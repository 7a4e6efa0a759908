// Runs of blanks, dashes, dots or '@' that made a regular expression re-read the run from each of
// its characters (time growing with the square of the run): the analysis now finishes in time
// proportional to the message, and reads the same facts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeMessage } from '../../../src/analysis/analyze';
import { addressIn, cleanAddress } from '../../../src/analysis/addresses';
import { parseContentType } from '../../../src/analysis/mime';
import { splitReturnedMessage, toIsoDate } from '../../../src/analysis/report-text';
import { firstAddress, withoutComments, withoutEnds, withoutTrailing } from '../../../src/analysis/text-scan';
import { fixture } from './fixture';
import { bestCpuMs } from '../../support/cpu-time';

const postfix = fixture('dsn-postfix-userunknown.eml').toString('latin1');
const gmail = fixture('gmail-delayed.eml').toString('latin1');

/** CPU milliseconds `analyzeMessage` takes, the best of three after a warm-up pass. */
function analysisMs(text: string): { ms: number; result: ReturnType<typeof analyzeMessage> } {
  analyzeMessage(text);
  return bestCpuMs(() => analyzeMessage(text));
}

function factsIn(result: ReturnType<typeof analyzeMessage>) {
  expect(result.ok).toBe(true);
  return result.ok ? result.facts.map((fact) => [fact.recipient, fact.reason, fact.status]) : [];
}

const expectedPostfix = factsIn(analyzeMessage(postfix));
const blanks = (length: number, tabs = false) => (tabs ? ' \t' : ' ').repeat(tabs ? length / 2 : length);

describe('analysis time on long runs of one character', () => {
  it.each([
    ['200 KB of spaces in a Content-Type line', 200_000, false, 100],
    ['200 KB of spaces and tabs in a Content-Type line', 200_000, true, 100],
    ['1 MB of spaces in a Content-Type line', 1_000_000, false, 500],
    ['200 KB of spaces in a Content-Type line with an RFC 2231 parameter', 200_000, false, 100, "; name*0*=utf-8''%E2%9C%93"],
  ])('reads a bounce with %s at once, with the same facts', (_name, length, tabs, boundMs, extra = '') => {
    // Blanks followed by something other than a parameter name: the old pattern failed from each one.
    const text = postfix.replace('Content-Type: text/plain; charset=us-ascii', `Content-Type: text/plain;${blanks(length, tabs)}; charset=us-ascii${extra}`);
    const { ms, result } = analysisMs(text);
    expect(ms).toBeLessThan(boundMs);
    expect(factsIn(result)).toEqual(expectedPostfix);
  });

  it.each([
    ['a line of 200 KB of blanks before the bounce text', (run: string) => postfix.replace('This is the mail system', `${run}\nThis is the mail system`)],
    ['200 KB of blanks before an "original message" rule', (run: string) => gmail.replace('----- Original message -----', `${run}----- Original message -----`)],
    ['200 KB of blanks between the rule and "original message"', (run: string) => gmail.replace('----- Original message -----', `-----${run}Original message -----`)],
    ['200 KB of blanks in a header value', (run: string) => postfix.replace('Subject: Undelivered', `Subject:${run}Undelivered`)],
    ['a 200 KB line of dashes in the Gmail details', (run: string) => gmail.replace('----- Original message -----', `${run.replace(/[ \t]/g, '-')} x\n----- Original message -----`)],
  ])('reads a bounce with %s at once', (_name, insert) => {
    const run = blanks(200_000, true);
    const plain = insert('');
    const { ms, result } = analysisMs(insert(run));
    expect(ms).toBeLessThan(100);
    expect(factsIn(result)).toEqual(factsIn(analyzeMessage(plain)));
  });

  it('reads 200 KB tokens of dots, "@." pairs and parentheses at once', () => {
    const tokens = ['.'.repeat(200_000), '@.'.repeat(100_000), 'x'.repeat(200_000), '('.repeat(200_000)];
    for (const token of tokens) {
      const text = postfix.replace('Final-Recipient: rfc822; maria.lopez', `Final-Recipient: rfc822; ${token}maria.lopez`).replace('Arrival-Date: Tue', `Arrival-Date: ${token} Tue`);
      expect(analysisMs(text).ms).toBeLessThan(100);
    }
    expect(cleanAddress(`<a@b.example${'.'.repeat(200_000)}x`)).toBe(`a@b.example${'.'.repeat(200_000)}x`);
    expect(toIsoDate(`${'('.repeat(200_000)}Tue, 10 Mar 2026 08:15:02 +0000`)).toBeUndefined();
    expect(addressIn(`rfc822; ${'@.'.repeat(100_000)} a@b.example`)).toBe('a@b.example');
  });
});

describe('the scanners find what the regular expressions they replace found', () => {
  const run = { maxLength: 24 };

  // Plain parameters only: RFC 2231's starred ones (name*=, name*0*=) are libmime's to decode.
  it('reads Content-Type parameters as the global parameter pattern did', () => {
    const byRegex = (value: string) => {
      const typeMatch = /^\s*([^;\s]*)/.exec(value)!;
      const params: Record<string, string> = {};
      for (const match of value.slice(typeMatch[0].length).matchAll(/[;\s]\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g)) {
        const raw = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '');
        params[match[1]!.toLowerCase()] = raw;
      }
      return params;
    };
    const piece = fc.constantFrom('text/plain', ';', ' ', '\t', '\n', '\u00a0', '=', '"', '\\', '\\"', 'a', 'B', '0', '.', 'charset', 'x y', '\r', '\u2028');
    fc.assert(
      fc.property(fc.array(piece, run), (pieces) => {
        expect(parseContentType(pieces.join('')).params).toEqual(byRegex(pieces.join('')));
      }),
      { numRuns: 20_000 },
    );
  });

  it('finds the first address as the token-start address pattern did', () => {
    const ADDRESS = /(?<![^\s<>()"',;:[\]])(?:[^\s<>()"',;:[\]]+@[^\s<>()"',;:[\]]+\.[A-Za-z0-9-]+|[^\s<>()"',;:[\]]+@\[[0-9.]+\])/;
    const piece = fc.constantFrom('a', 'Z', '9', '-', '_', '@', '.', '[', ']', '1.2', ' ', '<', '>', '(', '"', ',', ':', '\u00a0', 'é');
    fc.assert(
      fc.property(fc.array(piece, run), (pieces) => {
        expect(firstAddress(pieces.join(''))).toBe(ADDRESS.exec(pieces.join(''))?.[0]);
      }),
      { numRuns: 20_000 },
    );
  });

  it('trims ends and drops comments as the replace calls did', () => {
    const piece = fc.constantFrom('<', '>', "'", '"', '(', ')', '.', ',', 'a', '@', ' ', 'x)');
    fc.assert(
      fc.property(fc.array(piece, run), (pieces) => {
        const text = pieces.join('');
        expect(withoutEnds(text, '<\'"(', '>\'".,)')).toBe(text.replace(/^[<'"(]+|[>'".,)]+$/g, ''));
        expect(withoutTrailing(text, '.,)>')).toBe(text.replace(/[.,)>]+$/, ''));
        expect(withoutComments(text)).toBe(text.replace(/\([^)]*\)/g, ''));
      }),
      { numRuns: 10_000 },
    );
  });

  it('cuts a bounce where the marker with two runs of blanks cut it', () => {
    const OLD_MARKER =
      /^(?:[ \t]*(?:-{2,}|={2,}|\*{2,}|_{2,})?[ \t]*(?:original message|returned message)\b(?!\s+(?:was|is|has been) (?:received|sent|delivered))(?![^\n]*\bfrom\s*$).*$|Content-Type: message\/rfc822)/im;
    const piece = fc.constantFrom(' ', '\t', '-', '--', '=', '==', '**', '_', '\n', 'original message', 'returned message', ' was received', ' from', 'x', 'Content-Type: message/rfc822');
    fc.assert(
      fc.property(fc.array(piece, run), (pieces) => {
        const text = pieces.join('');
        const marker = OLD_MARKER.exec(text);
        expect(splitReturnedMessage(text).error).toBe(marker ? text.slice(0, marker.index) : text);
      }),
      { numRuns: 20_000 },
    );
  });
});
