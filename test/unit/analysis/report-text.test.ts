import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addressesIn } from '../../../src/analysis/report-text';

describe('addresses in a header value', () => {
  it('reads every address, lower-cased, without a trailing dot', () => {
    expect(addressesIn('"Pat" <Pat@B.example>, c@d.example.')).toEqual(['pat@b.example', 'c@d.example']);
  });

  it('finds what the unanchored pattern finds, whatever the mix of tokens and delimiters', () => {
    const unanchored = (value: string) => [...value.matchAll(/[^\s<>()"',;:]+@[^\s<>()"',;:]+/g)].map((match) => match[0].toLowerCase().replace(/\.$/, ''));
    const piece = fc.constantFrom('a', 'B', '@', '.', ' ', '<', '>', '(', '"', ',', ';', ':', '\n', '\u00a0', '\u2028', '[', 'é');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        expect(addressesIn(pieces.join(''))).toEqual(unanchored(pieces.join('')));
      }),
      { numRuns: 5000 },
    );
  });
});
