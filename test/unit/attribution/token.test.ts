import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { signToken, verifyToken } from '../../../src/attribution/token';

const secret = 'correct horse battery staple, long enough';
const otherSecret = 'a completely different secret of 32+ chars';

describe('opaque sender tokens', () => {
  it('verifies a token it signed and returns the sender', () => {
    const token = signToken('acme', secret);
    expect(verifyToken(token, secret)).toEqual({ ok: true, sender: 'acme' });
  });

  it('does not reveal the sender in the token', () => {
    const token = signToken('acme-corporation', secret);
    expect(token).not.toContain('acme');
    expect(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('latin1')).not.toContain('acme');
  });

  it('fits a VERP local part (64 characters) for a short sender id', () => {
    expect(signToken('cust-000123', secret).length).toBeLessThanOrEqual(64);
  });

  it('gives two messages of one sender different tokens when a nonce is passed', () => {
    const a = signToken('acme', secret, Buffer.alloc(12, 1));
    const b = signToken('acme', secret, Buffer.alloc(12, 2));
    expect(a).not.toBe(b);
    expect(verifyToken(b, secret)).toEqual({ ok: true, sender: 'acme' });
  });

  it('rejects a token signed with another secret', () => {
    expect(verifyToken(signToken('acme', otherSecret), secret)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  it('rejects any altered character of a token', () => {
    const token = signToken('acme', secret);
    fc.assert(
      fc.property(fc.integer({ min: 4, max: token.length - 1 }), fc.constantFrom(...'ABCabc019-_'), (at, replacement) => {
        fc.pre(token[at] !== replacement && token[at] !== '.');
        const altered = token.slice(0, at) + replacement + token.slice(at + 1);
        const result = verifyToken(altered, secret);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects a forged token built from a known sender name', () => {
    const forged = `wt1.${Buffer.from('acme').toString('base64url')}.${Buffer.alloc(16).toString('base64url')}`;
    expect(verifyToken(forged, secret)).toEqual({ ok: false, reason: expect.stringMatching(/bad-signature|malformed/) });
  });

  it('names why a token is refused', () => {
    expect(verifyToken('hello', secret)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyToken('wt9.abc.def', secret)).toEqual({ ok: false, reason: 'unsupported-version' });
    expect(verifyToken(signToken('acme', secret), undefined)).toEqual({ ok: false, reason: 'no-secret' });
  });

  it('round-trips any sender id', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (sender) => {
        expect(verifyToken(signToken(sender, secret), secret)).toEqual({ ok: true, sender });
      }),
      { numRuns: 200 },
    );
  });
});
