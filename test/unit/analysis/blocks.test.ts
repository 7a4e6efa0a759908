import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ADDRESS_GLOBAL, addressesInLine, recordFor } from '../../../src/analysis/vendors/blocks';

/** What ADDRESS_GLOBAL's exec loop over the line finds. */
function byExecLoop(line: string): string[] {
  const pattern = new RegExp(ADDRESS_GLOBAL.source, 'g');
  const found: string[] = [];
  for (let match = pattern.exec(line); match !== null; match = pattern.exec(line)) found.push(match[1] ?? '');
  return found;
}

describe('addresses in a line of a notice', () => {
  it('reads bracketed, bare and IP-literal addresses', () => {
    expect(addressesInLine('550 <Pat@B.example>... User unknown; also c.d@[192.0.2.1] and https://x.example/#e@f.example.org')).toEqual(['Pat@B.example', 'c.d@[192.0.2.1]', '//x.example/#e@f.example.org']);
  });

  it('finds what the exec loop finds, whatever the mix of tokens', () => {
    const piece = fc.constantFrom('a', 'B', '1', '@', '.', '-', '<', '>', '[', ']', '!', '/', ' ', ':', 'é', 'com', 'x.y', '192.0.2.1', '@[', '..');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        expect(addressesInLine(pieces.join(''))).toEqual(byExecLoop(pieces.join('')));
      }),
      { numRuns: 5000 },
    );
  });

  it('folds every white-space run of a diagnostic into one space', () => {
    const piece = fc.constantFrom('550', ' ', '  ', '\t', '\n', '\u00a0', '\u2028', 'user unknown', '\r\n');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), (pieces) => {
        const diagnostic = pieces.join('');
        expect(recordFor('a@b.example', diagnostic, 'text').diagnosticCode).toBe(diagnostic.replace(/\s+/g, ' ').trim() || undefined);
      }),
      { numRuns: 3000 },
    );
  });
});
