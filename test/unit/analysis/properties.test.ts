import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeMbox, analyzeMessage } from '../../../src/analysis/analyze';
import { REASONS } from '../../../src/analysis/reasons';
import { fixture } from './fixture';

const KINDS = new Set(['complaint', 'bounce', 'delay', 'autoreply', 'delivered']);

/** Holds for every result: a well-formed fact list or a typed error, never an exception. */
function assertWellFormed(raw: Buffer | string): void {
  for (const result of analyzeMbox(raw)) {
    if (!result.ok) {
      expect(result.error.code).toMatch(/^E_ANALYSIS_/);
      continue;
    }
    for (const fact of result.facts) {
      expect(KINDS.has(fact.kind)).toBe(true);
      expect(REASONS).toContain(fact.reason);
      expect(typeof fact.hardBounce).toBe('boolean');
      expect(typeof fact.recipient).toBe('string');
    }
  }
}

const samples = ['dsn-postfix-userunknown.eml', 'arf-abuse.eml', 'qmail-mailboxfull.eml', 'exim-hostunknown.eml', 'arf-headers-only-redacted.eml'].map((name) => fixture(name));

describe('the analyzer never throws', () => {
  it('on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => assertWellFormed(Buffer.from(bytes))), { numRuns: 300 });
  });

  it('on reports truncated at any byte', () => {
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.double({ min: 0, max: 1, noNaN: true }), (sample, at) => {
        assertWellFormed(sample.subarray(0, Math.floor(sample.length * at)));
      }),
      { numRuns: 200 },
    );
  });

  it('on reports with random bytes spliced in', () => {
    fc.assert(
      fc.property(fc.constantFrom(...samples), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 64 }), (sample, offset, noise) => {
        const at = offset % sample.length;
        assertWellFormed(Buffer.concat([sample.subarray(0, at), Buffer.from(noise), sample.subarray(at)]));
      }),
      { numRuns: 200 },
    );
  });

  it('on header-like text of any shape', () => {
    const line = fc.tuple(fc.constantFrom('Content-Type', 'Final-Recipient', 'Status', 'Feedback-Type', 'From', 'Subject', 'X'), fc.string({ maxLength: 80 }));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.string({ maxLength: 400 }), (headers, body) => {
        assertWellFormed(headers.map(([name, value]) => `${name}: ${value}`).join('\n') + '\n\n' + body);
      }),
      { numRuns: 200 },
    );
  });

  it('on a 10 MB header', () => {
    const huge = 'X-Long: ' + 'a'.repeat(10 * 1024 * 1024) + '\nSubject: Undelivered Mail\n\nhello\n';
    const started = performance.now();
    const result = analyzeMessage(huge);
    expect(result.ok).toBe(true);
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('on reports nested inside reports, deeper than it reads', () => {
    let message = fixture('dsn-postfix-userunknown.eml').toString('latin1');
    for (let depth = 0; depth < 40; depth += 1) {
      message = `From: MAILER-DAEMON@x.example\nSubject: Undelivered\nContent-Type: multipart/mixed; boundary="n${depth}"\n\n--n${depth}\nContent-Type: message/rfc822\n\n${message}\n--n${depth}--\n`;
    }
    assertWellFormed(message);
  });

  it('returns a typed error for text that has no mail header', () => {
    const result = analyzeMessage('just some words\nacross two lines\n');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('E_ANALYSIS_NOT_MAIL');
  });

  it('returns a typed error for an empty input', () => {
    const result = analyzeMessage('');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('E_ANALYSIS_EMPTY');
  });
});
