import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCharset, decodeHeaderText, decodeQuotedPrintable, lineStartingWith, parseContentType, parseHeaders, parseMime } from '../../../src/analysis/mime';
import { factsOf } from './fixture';

describe('MIME reading', () => {
  it('decodes encoded words and raw 8-bit UTF-8 headers', () => {
    expect(decodeHeaderText('=?UTF-8?Q?Spring_offers_=E2=80=94_20=25_off?=')).toBe('Spring offers — 20% off');
    expect(decodeHeaderText('=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=')).toBe('テスト');
    expect(decodeHeaderText(Buffer.from('Größe', 'utf8').toString('latin1'))).toBe('Größe');
  });

  it('reads a content type that lost its semicolon', () => {
    expect(parseContentType('text/plain\n   charset="iso-2022-jp"')).toEqual({ type: 'text/plain', params: { charset: 'iso-2022-jp' } });
  });

  it('finds the parts when the boundary parameter does not match the body', () => {
    const root = parseMime('Content-Type: multipart/report; boundary="declared"\n\n--actual-boundary\nContent-Type: text/plain\n\nhello\n--actual-boundary\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@x.example\n--actual-boundary--\n');
    expect(root.children.map((part) => part.contentType)).toEqual(['text/plain', 'message/delivery-status']);
  });

  it('reads a multipart without any part as plain text', () => {
    const facts = factsOf('From: MAILER-DAEMON@mx.example\nSubject: Returned mail\nContent-Type: multipart/report; boundary="x"\n\n<gone@x.example>... User unknown\n\nFinal-Recipient: rfc822; gone@x.example\nAction: failed\nStatus: 5.1.1\n');
    expect(facts).toEqual([expect.objectContaining({ recipient: 'gone@x.example', reason: 'userunknown' })]);
  });

  it('decodes quoted-printable as the three regular-expression passes it replaces', () => {
    const byRegex = (body: string) =>
      body.replace(/[ \t]+$/gm, '').replace(/=\n/g, '').replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    expect(decodeQuotedPrintable('caf=C3=A9 =\nau lait  \n=3D=zz=')).toBe('caf\u00c3\u00a9 au lait\n==zz=');
    const piece = fc.constantFrom('=', '=\n', '=\r\n', ' ', '\t', '\n', '\r', '\u2028', 'A', 'f', '3', 'g', '=3D', '=e2', '==', 'x');
    fc.assert(fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
      expect(decodeQuotedPrintable(pieces.join(''))).toBe(byRegex(pieces.join('')));
    }), { numRuns: 3000 });
  });

  it('finds a line start as searching for the newline and the prefix does', () => {
    const piece = fc.constantFrom('--b', '--b--', '\n', '-', 'b', 'x', '\n--b');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 20 }), fc.nat(30), (pieces, from) => {
        const text = pieces.join('');
        const found = text.indexOf('\n--b', Math.max(from, 1) - 1);
        expect(lineStartingWith(text, '--b', from)).toBe(found === -1 ? -1 : found + 1);
      }),
      { numRuns: 3000 },
    );
  });

  it('leaves ASCII text and text that is already decoded as they are', () => {
    const piece = fc.constantFrom('a', ' ', '\x7f', '\x80', '\xc3\xa9', '\xe9', '\x1b', '\u2028', '\ud83d', '\u00ff', 'テ');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 12 }), fc.constantFrom(undefined, 'utf-8', 'iso-8859-1'), (pieces, charset) => {
        const binary = pieces.join('');
        const ascii = !/[^\x00-\x7f]/.test(binary) && !binary.includes('\x1b');
        if (ascii || /[^\x00-\xff]/.test(binary)) expect(decodeCharset(binary, charset)).toBe(binary);
        else if (charset === 'iso-8859-1') expect(decodeCharset(binary, charset)).toBe(binary);
      }),
      { numRuns: 2000 },
    );
    expect(decodeCharset('caf\xc3\xa9', undefined)).toBe('café');
  });

  it('refuses a field name holding any character JavaScript counts as white space', () => {
    for (let code = 0; code < 0x10000; code += 1) {
      const char = String.fromCharCode(code);
      if (char === '\n' || char === ':') continue;
      expect(parseHeaders(`X${char}Y: v`).length, `U+${code.toString(16)}`).toBe(/\s/.test(char) ? 0 : 1);
    }
  });
});
