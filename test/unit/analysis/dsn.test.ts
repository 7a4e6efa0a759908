import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzeMessage } from '../../../src/analysis/analyze';
import { addressIn } from '../../../src/analysis/addresses';
import { failedCommandInTranscript, parseDeliveryStatus, smtpCommandIn } from '../../../src/analysis/dsn';
import { factsOf, fixture, withLineEnds } from './fixture';

describe('RFC 3464 delivery status notifications', () => {
  it('reads a Postfix DSN as userunknown, hard, with the original message fields', () => {
    const [fact, ...rest] = factsOf(fixture('dsn-postfix-userunknown.eml'));
    expect(rest).toHaveLength(0);
    expect(fact).toMatchObject({
      kind: 'bounce',
      recipient: 'maria.lopez@shop.example',
      reason: 'userunknown',
      hardBounce: true,
      status: '5.1.1',
      replyCode: '550',
      remoteMta: 'mx.shop.example',
      reportingMta: 'mx1.relay.example',
      smtpCommand: 'RCPT',
      originalMessageId: 'spring-2026-0042@acme.example',
      from: 'news@acme.example',
      to: 'maria.lopez@shop.example',
      subject: 'Spring offers — 20% off',
      arrivalDate: '2026-03-10T08:14:58.000Z',
    });
    expect(fact?.diagnosticCode).toContain('User unknown in virtual mailbox table');
  });

  it('returns the original headers for attribution', () => {
    const result = analyzeMessage(fixture('dsn-postfix-userunknown.eml'));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.originalHeaders.find((h) => h.name === 'feedback-id')?.value).toBe('spring26:acme-shop:newsletter:acme');
  });

  it('reads a delayed DSN as a delay, mailboxfull, soft', () => {
    expect(factsOf(fixture('dsn-delayed-mailboxfull.eml'))).toEqual([
      expect.objectContaining({ kind: 'delay', recipient: 'tom@mail.example', reason: 'mailboxfull', hardBounce: false, status: '4.2.2', action: 'delayed' }),
    ]);
  });

  it('reads a success DSN as delivered, never as a bounce', () => {
    expect(factsOf(fixture('dsn-success.eml'))).toEqual([
      expect.objectContaining({ kind: 'delivered', recipient: 'jane@partner.example', reason: 'delivered', hardBounce: false }),
    ]);
  });

  it('reads a blocklist rejection as blocked and soft', () => {
    expect(factsOf(fixture('blocked-spamhaus.eml'))).toEqual([
      expect.objectContaining({ kind: 'bounce', recipient: 'kim@big.example', reason: 'blocked', hardBounce: false, status: '5.7.1' }),
    ]);
  });

  it('reads an Office 365 NDR (HTML notice, 5.1.10 RecipientNotFound) as userunknown, hard', () => {
    expect(factsOf(fixture('office365-html-ndr.eml'))).toEqual([
      expect.objectContaining({ kind: 'bounce', recipient: 'lee@contoso.example', reason: 'userunknown', hardBounce: true, status: '5.1.10', originalMessageId: 'spring-2026-0201@acme.example' }),
    ]);
  });

  it('reads CRLF and CR-only copies exactly like the LF original', () => {
    const lf = factsOf(fixture('dsn-postfix-userunknown.eml'));
    expect(factsOf(withLineEnds(fixture('dsn-postfix-userunknown.eml'), '\r\n'))).toEqual(lf);
    expect(factsOf(withLineEnds(fixture('dsn-postfix-userunknown.eml'), '\r'))).toEqual(lf);
  });

  it('splits per-recipient blocks even when Original-Recipient follows Final-Recipient', () => {
    const report = parseDeliveryStatus(
      [
        'Reporting-MTA: dns; mx.example',
        '',
        'Final-Recipient: rfc822; a@x.example',
        'Original-Recipient: rfc822; a@x.example',
        'Action: failed',
        'Status: 5.1.1',
        '',
        'Final-Recipient: rfc822; b@x.example',
        'Original-Recipient: rfc822; b@x.example',
        'Action: failed',
        'Status: 5.2.2',
      ].join('\n'),
    );
    expect(report.records.map((r) => [r.recipient, r.status])).toEqual([
      ['a@x.example', '5.1.1'],
      ['b@x.example', '5.2.2'],
    ]);
  });

  it('prefers a specific code quoted in the diagnostic over a generic Status', () => {
    const report = parseDeliveryStatus('Final-Recipient: rfc822; a@x.example\nAction: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; 550 5.1.1 no such user');
    expect(report.records[0]?.status).toBe('5.1.1');
  });

  it('reads the failing command from a Sendmail transcript, and none from a pipelined refusal at DATA', () => {
    const atRcpt = '... while talking to mx.x.example.:\n>>> MAIL From:<a@relay.example>\n<<< 250 2.1.0 Ok\n>>> RCPT To:<b@x.example>\n<<< 550 5.1.1 <b@x.example>... User unknown\n';
    expect(failedCommandInTranscript(atRcpt, 'b@x.example')).toBe('RCPT');
    const afterBody = '>>> DATA\n<<< 354 Go ahead\n>>> .\n<<< 554 5.7.1 Message rejected as spam\n';
    expect(failedCommandInTranscript(afterBody, 'b@x.example')).toBe('DATA');
    const pipelined = '>>> DATA\n<<< 550 5.5.0 Invalid recipient\n<<< 554 5.5.1 Error: no valid recipients\n';
    expect(failedCommandInTranscript(pipelined, 'b@x.example')).toBeUndefined();
  });

  it('reads the command Yahoo names after the remote reply', () => {
    expect(smtpCommandIn('Remote host said: 550 5.2.1 <a@b.example>... User Unknown [RCPT_TO]')).toBe('RCPT');
    expect(smtpCommandIn('Remote host said: 554 Message not allowed [DATA]')).toBe('DATA');
  });

  it('keeps PowerMTA\'s bounce category for the recipient', () => {
    const report = parseDeliveryStatus('Reporting-MTA: dns; pmta.relay.example\n\nFinal-Recipient: rfc822;a@b.example\nAction: failed\nStatus: 5.2.1\nDiagnostic-Code: smtp;550 5.2.1 <a@b.example>... User Unknown\nX-PowerMTA-BounceCategory: bad-mailbox\n');
    expect(report.records[0]).toMatchObject({ recipient: 'a@b.example', status: '5.2.1', bounceCategory: 'bad-mailbox' });
  });

  it('accepts a dotless host in an rfc822 recipient field, and nowhere else', () => {
    expect(addressIn('rfc822; pat@mailhub')).toBe('pat@mailhub');
    expect(addressIn('pat@mailhub')).toBe('');
  });

  it('finds the address the unanchored pattern finds, whatever the tokens around it', () => {
    const unanchored = /[^\s<>()"',;:[\]]+@[^\s<>()"',;:[\]]+\.[A-Za-z0-9-]+|[^\s<>()"',;:[\]]+@\[[0-9.]+\]/;
    const clean = (address: string) => address.replace(/^[<'"(]+|[>'".,)]+$/g, '').replace(/^mailto:/i, '').toLowerCase();
    const piece = fc.constantFrom('a', 'B', '1', '@', '.', '-', '<', '>', '[', ']', '/', ' ', 'é', 'com', '192.0.2.1', '@[', '..', '"', '\u00a0');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const value = pieces.join('');
        const match = unanchored.exec(value);
        // No ';' and no quoted local part among the pieces: addressIn reads the value through ADDRESS alone.
        if (!/"[^"\s]+"@/.test(value)) expect(addressIn(value)).toBe(match ? clean(match[0]) : '');
      }),
      { numRuns: 5000 },
    );
  });
});
