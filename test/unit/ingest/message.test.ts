import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { attributionConfig } from '../../../src/config/attribution';
import { uidSet } from '../../../src/ingest/imap-source';
import { contentHashOf, factDedupKey, headerBlockOf, messageKeyOf, prepareMessage, type RawMessage } from '../../../src/ingest/message';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../fixtures/mail/${name}`, import.meta.url)));
const attribution = attributionConfig.parse({});
const now = new Date('2026-11-25T12:00:00Z');
const message = (raw: Buffer, size = raw.length): RawMessage => ({
  source: 'imap:fbl',
  folder: 'INBOX',
  uidValidity: 7n,
  uid: 42,
  messageKey: messageKeyOf('imap:fbl', 'INBOX', 7n, 42),
  raw,
  size,
});
const prepare = (raw: Buffer, size?: number) => prepareMessage(message(raw, size), { maxMessageBytes: 64 * 1024, holds: 'auto', attribution, now });

describe('prepareMessage', () => {
  it('turns a complaint into attributed facts keyed by its content: a redacted complainant is not one person', () => {
    const prepared = prepare(fixture('arf-abuse.eml'));
    expect(prepared.quarantine).toBeNull();
    expect(prepared.facts.length).toBeGreaterThan(0);
    const [fact] = prepared.facts;
    expect(fact).toMatchObject({ kind: 'complaint', source: 'imap:fbl/INBOX', dedupKey: `msg:${prepared.contentHash}:0` });
  });

  it('keys a bounce by the report: original message, recipient, kind and status, whatever its bytes', () => {
    const prepared = prepare(fixture('dsn-postfix-userunknown.eml'));
    const [fact] = prepared.facts;
    expect(fact).toMatchObject({ kind: 'bounce', dedupKey: expect.stringMatching(/^report:[0-9a-f]{64}$/) });
    // The same report with other bytes (a header added on a second delivery) has the same key.
    const again = prepare(Buffer.concat([Buffer.from('Delivered-To: bounces@relay.example\n'), fixture('dsn-postfix-userunknown.eml')]));
    expect(again.contentHash).not.toBe(prepared.contentHash);
    expect(again.facts[0]!.dedupKey).toBe(fact!.dedupKey);
  });

  it('keys a report naming no original message or no recipient by its content, so that it merges with no other', () => {
    const bounce = { kind: 'bounce' as const, reason: 'userunknown' as const, status: '5.1.1', recipient: 'a@example.net', originalMessageId: 'm1@example.com' as string | undefined };
    expect(factDedupKey({ ...bounce, originalMessageId: undefined }, 0, 'hash1')).toBe('msg:hash1:0');
    expect(factDedupKey({ ...bounce, recipient: '' }, 1, 'hash1')).toBe('msg:hash1:1');
    expect(factDedupKey(bounce, 0, 'hash1')).toBe(factDedupKey({ ...bounce, recipient: ' A@Example.NET' }, 3, 'hash2'));
    expect(factDedupKey(bounce, 0, 'hash1')).not.toBe(factDedupKey({ ...bounce, status: '5.2.2' }, 0, 'hash1'));
    expect(factDedupKey(bounce, 0, 'hash1')).not.toBe(factDedupKey({ ...bounce, kind: 'delay' }, 0, 'hash1'));
    expect(factDedupKey({ ...bounce, kind: 'complaint' }, 0, 'hash1')).toBe('msg:hash1:0');
  });

  it('gives the same content hash to a message read with CRLF, LF or a trailing blank line', () => {
    const lf = Buffer.from(fixture('dsn-postfix-userunknown.eml').toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    const crlf = Buffer.from(lf.toString('latin1').replace(/\n/g, '\r\n'), 'latin1');
    const padded = Buffer.concat([lf, Buffer.from('\n\n')]);
    const hash = contentHashOf({ raw: lf, size: lf.length });
    expect(contentHashOf({ raw: crlf, size: crlf.length })).toBe(hash);
    expect(contentHashOf({ raw: padded, size: padded.length })).toBe(hash);
  });

  it('keeps the content hashes stored before: the same digest as hashing the normalised latin1 text', () => {
    // The form the hash was first defined in; stored hashes must keep matching after any rewrite.
    const reference = (raw: Buffer, size: number) => {
      const text = raw.toString('latin1');
      const normalised = (text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text).replace(/\s+$/, '');
      const hash = createHash('sha256').update(normalised, 'latin1');
      if (raw.length < size) hash.update(`\u0000${size}`);
      return hash.digest('hex');
    };
    const lineBytes = fc.constantFrom(...'\r\n \t\u000b\f\u00a0\u0085ax:'.split('').map((char) => char.charCodeAt(0)));
    fc.assert(
      fc.property(fc.array(fc.oneof(lineBytes, fc.integer({ min: 0, max: 255 })), { maxLength: 300 }), fc.nat(3), (bytes, extra) => {
        const raw = Buffer.from(bytes);
        expect(contentHashOf({ raw, size: raw.length + (extra === 0 ? 5 : 0) })).toBe(reference(raw, raw.length + (extra === 0 ? 5 : 0)));
      }),
      { numRuns: 2000 },
    );
    for (const name of ['dsn-postfix-userunknown.eml', 'arf-abuse.eml']) {
      const raw = fixture(name);
      expect(contentHashOf({ raw, size: raw.length })).toBe(reference(raw, raw.length));
    }
  });

  it('recognises random bytes as binary even when a server stripped their NUL bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 512, maxLength: 4096 }), (bytes) => {
        const withoutNul = Buffer.from(bytes.filter((byte) => byte !== 0));
        fc.pre(withoutNul.length >= 512);
        expect(prepare(withoutNul).quarantine?.code).toBe('E_INGEST_NOT_TEXT');
      }),
      { numRuns: 200 },
    );
    // ISO-2022-JP text switches character sets with ESC sequences: text, not binary.
    const japanese = Buffer.from(
      `Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n${'\x1b$B%F%9%H\x1b(B ok\r\n'.repeat(60)}`,
      'latin1',
    );
    expect(prepare(japanese).quarantine?.code).toBe('E_INGEST_NO_FACTS');
  });

  it('quarantines binary content, a message without facts and an oversized one (keeping its headers)', () => {
    expect(prepare(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13, 1, 2, 3])).quarantine?.code).toBe('E_INGEST_NOT_TEXT');
    expect(prepare(Buffer.from('Subject: lunch?\r\n\r\nnoon?\r\n')).quarantine?.code).toBe('E_INGEST_NO_FACTS');
    expect(prepare(Buffer.from('')).quarantine?.code).toBe('E_ANALYSIS_EMPTY');
    const big = Buffer.concat([fixture('arf-abuse.eml'), Buffer.alloc(70 * 1024, 'x')]);
    const oversized = prepare(big.subarray(0, 64 * 1024), big.length);
    expect(oversized.quarantine?.code).toBe('E_INGEST_OVERSIZED');
    expect(oversized.headersOnly).toBe(true);
    expect(oversized.facts).toEqual([]);
  });

  it('quarantines a multipart report cut before its closing boundary', () => {
    const text = fixture('arf-abuse.eml').toString('latin1');
    const boundary = /boundary="?([^";\r\n]+)"?/i.exec(text)![1]!;
    const cut = text.slice(0, text.indexOf(`--${boundary}`) + boundary.length + 40);
    expect(prepare(Buffer.from(cut, 'latin1')).quarantine?.code).toBe('E_INGEST_TRUNCATED');
  });
});

describe('headerBlockOf', () => {
  it('keeps the header block with either line-end style', () => {
    expect(headerBlockOf(Buffer.from('A: 1\r\nB: 2\r\n\r\nbody')).toString()).toBe('A: 1\r\nB: 2\r\n\r\n');
    expect(headerBlockOf(Buffer.from('A: 1\nB: 2\n\nbody')).toString()).toBe('A: 1\nB: 2\n\n');
  });
});

describe('uidSet', () => {
  it('compresses runs of UIDs into ranges', () => {
    expect(uidSet([1, 2, 3, 5, 7, 8])).toBe('1:3,5,7:8');
    expect(uidSet([4])).toBe('4');
  });
});
