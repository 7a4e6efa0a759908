import { describe, expect, it } from 'vitest';
import { domainOf } from '../../../src/analysis/addresses';

describe('domainOf', () => {
  it('takes what follows the last @, lower-cased', () => {
    expect(domainOf('alice@shop.example')).toBe('shop.example');
    expect(domainOf('Alice@Shop.EXAMPLE')).toBe('shop.example');
    // A quoted local part may hold an @ of its own (RFC 5321 §4.1.2).
    expect(domainOf('"a@b"@example.org')).toBe('example.org');
    // The relay's recipient key for a hashed address keeps only the domain.
    expect(domainOf('@gmail.example')).toBe('gmail.example');
  });

  it('finds no domain where there is none: no @, or nothing after it', () => {
    expect(domainOf('a@')).toBeUndefined();
    expect(domainOf('postmaster')).toBeUndefined();
    expect(domainOf('')).toBeUndefined();
    expect(domainOf(null)).toBeUndefined();
    expect(domainOf(undefined)).toBeUndefined();
  });
});
