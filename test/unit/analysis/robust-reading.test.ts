// Mail as people and programs actually hand it over: saved from a client with blank lines or spaces
// before the first header, with an mbox "From " line, CR-only line ends, headers without the blank
// line that ends them, RFC 2231 parameters and RFC 2047 words split mid-character.
import { describe, expect, it } from 'vitest';
import { analyzeMbox, analyzeMessage } from '../../../src/analysis/analyze';
import { parseContentType } from '../../../src/analysis/mime';

const report = (contentType = 'multipart/report; report-type=delivery-status; boundary="b1"', subject = 'Our spring news') =>
  [
    'From: Mail Delivery System <MAILER-DAEMON@mx.acme.example>',
    'To: news@acme.example',
    'Subject: Undelivered Mail Returned to Sender',
    'MIME-Version: 1.0',
    `Content-Type: ${contentType}`,
    '',
    '--b1',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    '<pat@corp.example>: host mx.corp.example said: 550 5.1.1 User unknown (in reply to RCPT TO command)',
    '',
    '--b1',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.acme.example',
    '',
    'Final-Recipient: rfc822; pat@corp.example',
    'Action: failed',
    'Status: 5.1.1',
    'Diagnostic-Code: smtp; 550 5.1.1 User unknown',
    '',
    '--b1',
    'Content-Type: text/rfc822-headers',
    '',
    'From: news@acme.example',
    'To: pat@corp.example',
    `Subject: ${subject}`,
    'Message-ID: <spring-1@acme.example>',
    '',
    '--b1--',
    '',
  ].join('\n');

function factsOf(raw: string) {
  const result = analyzeMessage(raw);
  if (!result.ok) throw new Error(`refused: ${result.error.code} ${result.error.message}`);
  return result.facts.map((fact) => ({ recipient: fact.recipient, reason: fact.reason, subject: fact.subject }));
}

const expected = [{ recipient: 'pat@corp.example', reason: 'userunknown', subject: 'Our spring news' }];

describe('reading mail as it is handed over', () => {
  it.each([
    ['blank lines', '\n\n'],
    ['CRLF blank lines', '\r\n\r\n'],
    ['spaces and tabs on lines of their own', '   \n\t \n'],
    ['spaces before the first header', '   '],
    ['an mbox From line', 'From MAILER-DAEMON Thu Dec  3 09:49:51 2026\n'],
    ['a blank line, then an mbox From line', '\nFrom MAILER-DAEMON Thu Dec  3 09:49:51 2026\n'],
  ])('reads a report preceded by %s', (_name, before) => {
    expect(factsOf(before + report())).toEqual(expected);
    expect(analyzeMbox(before + report()).map((result) => result.ok && result.facts.length)).toEqual([1]);
  });

  it('reads CR-only and CRLF line ends as LF', () => {
    expect(factsOf(report().replace(/\n/g, '\r'))).toEqual(expected);
    expect(factsOf(report().replace(/\n/g, '\r\n'))).toEqual(expected);
  });

  it('reads a header block with no blank line after it', () => {
    const headersOnly = ['From: MAILER-DAEMON@mx.acme.example', 'To: news@acme.example', 'Subject: Mail delivery failed', 'X-Failed-Recipients: pat@corp.example'].join('\r\n');
    expect(analyzeMessage(headersOnly)).toMatchObject({ ok: true, facts: [{ recipient: 'pat@corp.example' }] });
  });

  it('still refuses what has no header at all', () => {
    expect(analyzeMessage('\n\nhello, this is not a message\n')).toMatchObject({ ok: false, error: { code: 'E_ANALYSIS_NOT_MAIL' } });
  });

  it('joins and decodes RFC 2231 parameters: continuations, charset and language', () => {
    expect(factsOf(report('multipart/report; report-type=delivery-status;\n boundary*0="b"; boundary*1="1"'))).toEqual(expected);
    expect(parseContentType("message/rfc822; name*0*=utf-8''%E3%83%86%E3%82%B9; name*1*=%E3%83%88.eml").params).toEqual({ name: 'テスト.eml' });
    expect(parseContentType("text/plain; charset*=us-ascii'en'iso-8859-1; format=flowed").params).toEqual({ charset: 'iso-8859-1', format: 'flowed' });
  });

  it('decodes RFC 2047 words, also a character split across two of them', () => {
    const bytes = Buffer.from('Café ✓ news', 'utf8');
    const cut = bytes.indexOf(Buffer.from('✓', 'utf8')) + 1;
    const split = `=?UTF-8?B?${bytes.subarray(0, cut).toString('base64')}?= =?UTF-8?B?${bytes.subarray(cut).toString('base64')}?=`;
    expect(factsOf(report(undefined, split))).toEqual([{ ...expected[0], subject: 'Café ✓ news' }]);
    expect(factsOf(report(undefined, '=?ISO-8859-1?Q?Caf=E9_news?='))).toEqual([{ ...expected[0], subject: 'Café news' }]);
  });
});
