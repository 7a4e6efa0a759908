import { describe, expect, it } from 'vitest';
import { factsOf, fixture } from './fixture';
import { unwrapSesReply } from '../../../src/analysis/vendors/amazonses';

describe('non-standard bounce families', () => {
  it('reads a qmail bounce as mailboxfull, soft', () => {
    expect(factsOf(fixture('qmail-mailboxfull.eml'))).toEqual([
      expect.objectContaining({ kind: 'bounce', recipient: 'sam@hosting.example', reason: 'mailboxfull', hardBounce: false, status: '5.2.2', format: 'qmail', originalMessageId: 'spring-2026-0099@acme.example' }),
    ]);
  });

  it('reads an Exim bounce: an unrouteable domain is hostunknown, a refused RCPT is userunknown', () => {
    const facts = factsOf(fixture('exim-hostunknown.eml'));
    expect(facts.map((f) => [f.recipient, f.reason, f.hardBounce, f.format])).toEqual([
      ['ops@no-such-domain.example', 'hostunknown', true, 'exim'],
      ['pat@corp.example', 'userunknown', true, 'exim'],
    ]);
    expect(facts[1]).toMatchObject({ status: '5.1.1', replyCode: '550', smtpCommand: 'RCPT' });
  });

  it('reads an Amazon SES bounce notification', () => {
    expect(factsOf(fixture('ses-bounce.eml'))).toEqual([
      expect.objectContaining({ kind: 'bounce', recipient: 'gone@example.net', reason: 'userunknown', hardBounce: true, status: '5.1.1', format: 'amazonses', from: 'news@acme.example' }),
    ]);
  });

  it('reads the receiver\'s reply inside an older SES DSN\'s own summary', () => {
    const diagnostic = "5.1.0 - Unknown address error 550-'5.7.1 <0100abc@email-bounces.amazonses.example>... Access denied' (delivery attempts: 0)";
    expect(unwrapSesReply(diagnostic)).toEqual({ replyCode: '550', status: '5.7.1', reply: '550 5.7.1 <0100abc@email-bounces.amazonses.example>... Access denied' });
    expect(unwrapSesReply('550 5.1.1 <a@b.example>: User unknown')).toBeUndefined();
    const raw = [
      'From: MAILER-DAEMON@amazonses.example',
      'To: news@acme.example',
      'Subject: Delivery Status Notification (Failure)',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      `The following message to <pat@corp.example> was undeliverable. The reason for the problem: ${diagnostic.replace(' (delivery attempts: 0)', '')}`,
      '',
      '--b1',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; a1-2.smtp-out.amazonses.example',
      '',
      'Final-Recipient: rfc822; pat@corp.example',
      'Action: failed',
      'Status: 5.0.0 (permanent failure)',
      `Diagnostic-Code: smtp; ${diagnostic}`,
      '',
      '--b1--',
      '',
    ].join('\n');
    expect(factsOf(raw)).toEqual([expect.objectContaining({ recipient: 'pat@corp.example', reason: 'securityerror', status: '5.7.1', replyCode: '550', hardBounce: false })]);
  });

  it('reads an OpenSMTPD notice: its reply line per recipient, with no command to say when it came', () => {
    // The shape OpenSMTPD's bounce.c writes (as in test/fixtures/mta-corpus/opensmtpd).
    const notice = (reply: string) => [
      'Received: from mta.acme.example (mta [local]) by mta.acme.example (OpenSMTPD) with ESMTPA id 905ab635 for <news@acme.example>; Thu, 3 Dec 2026 09:49:51 +0000 (UTC)',
      'Subject: Delivery status notification: failed',
      'From: Mailer Daemon <MAILER-DAEMON@mta.acme.example>',
      'To: news@acme.example',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed;boundary="b1"',
      '',
      '--b1',
      'Content-Description: Notification',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      '    Hi!',
      '',
      '    This is the MAILER-DAEMON, please DO NOT REPLY to this email.',
      '',
      '    An error has occurred while attempting to deliver a message for',
      '    the following list of recipients:',
      '',
      `pat@gmx.example: ${reply}`,
      '',
      '    Below is a copy of the original message:',
      '',
      '--b1',
      'Content-Description: Delivery Report',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mta.acme.example',
      '',
      'Final-Recipient: rfc822; pat@gmx.example',
      'Action: failed',
      'Status: 5.0.0',
      '',
      '--b1--',
      '',
    ].join('\n');
    expect(factsOf(notice('550 pat@gmx.example: Requested action not taken: mailbox unavailable'))).toEqual([
      expect.objectContaining({ recipient: 'pat@gmx.example', reason: 'userunknown', hardBounce: true, replyCode: '550', diagnosticCode: '550 pat@gmx.example: Requested action not taken: mailbox unavailable' }),
    ]);
    expect(factsOf(notice('552 5.6.0 Headers too large (32768 max)'))).toEqual([expect.objectContaining({ reason: 'contenterror', status: '5.6.0', hardBounce: false })]);
  });

  it('takes a Dovecot rejection notice\'s reason over the DSN part\'s diagnostic', () => {
    const report = (diagnostic: string) => [
      'From: Mail Delivery Subsystem <MAILER-DAEMON@mx.corp.example>',
      'To: news@acme.example',
      'Subject: Rejected: Spring news',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=delivery-status; boundary="b2"',
      '',
      '--b2',
      '',
      'Your message to <pat@corp.example> was automatically rejected:',
      'Quota exceeded (mailbox for user is full)',
      '',
      '--b2',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.corp.example',
      '',
      'Final-Recipient: rfc822; pat@corp.example',
      'Action: failed',
      'Status: 5.2.0',
      ...(diagnostic ? [`Diagnostic-Code: smtp; ${diagnostic}`] : []),
      '',
      '--b2--',
      '',
    ].join('\n');
    for (const diagnostic of ['', '550 5.2.0 <pat@corp.example>... Rejected']) {
      expect(factsOf(report(diagnostic))).toEqual([
        expect.objectContaining({ recipient: 'pat@corp.example', reason: 'mailboxfull', hardBounce: false, diagnosticCode: 'Quota exceeded (mailbox for user is full)' }),
      ]);
    }
  });

  it('reads an Amazon SES complaint notification as a complaint', () => {
    const raw = fixture('ses-bounce.eml')
      .toString('utf8')
      .replace(/\{"notificationType".*\}/, '{"notificationType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"angry@example.net"}],"complaintFeedbackType":"abuse"},"mail":{"source":"news@acme.example","messageId":"m-1"}}');
    expect(factsOf(raw)).toEqual([expect.objectContaining({ kind: 'complaint', recipient: 'angry@example.net', feedbackType: 'abuse' })]);
  });

  it('reads a Gmail delay notice as a delay with the remote server\'s reason', () => {
    expect(factsOf(fixture('gmail-delayed.eml'))).toEqual([
      expect.objectContaining({ kind: 'delay', recipient: 'ana@full.example', reason: 'mailboxfull', hardBounce: false, status: '4.2.2', format: 'gmail' }),
    ]);
  });

  it('reads a Google Groups refusal in any language as rejected', () => {
    expect(factsOf(fixture('googlegroups-refused.eml'))).toEqual([
      expect.objectContaining({ kind: 'bounce', recipient: 'announce@groups.example.org', reason: 'rejected', hardBounce: false }),
    ]);
  });

  it('reads an out-of-office reply as an autoreply, not a bounce', () => {
    expect(factsOf(fixture('vacation.eml'))).toEqual([
      expect.objectContaining({ kind: 'autoreply', recipient: 'dana@client.example', reason: 'vacation', hardBounce: false }),
    ]);
  });

  it('does not report help mailboxes, paths or Message-IDs named in the notice as recipients', () => {
    const raw = [
      'From: MAILER-DAEMON@mx.isp.example',
      'To: bounces+acme@relay.example',
      'Subject: Undelivered Mail Returned to Sender',
      '',
      'Your message <spring-77@acme.example> could not be delivered.',
      'Message-ID: <spring-77@acme.example>',
      'For help, write to support@isp.example.',
      '',
      '<kai@isp.example>: host mx.isp.example[192.0.2.5] said: 550 5.1.1 No such user',
      '    (in reply to RCPT TO command)',
      '',
    ].join('\n');
    expect(factsOf(raw).map((f) => f.recipient)).toEqual(['kai@isp.example']);
  });

  it('finds nothing in an ordinary message', () => {
    expect(factsOf('From: a@x.example\nTo: b@y.example\nSubject: lunch?\n\nAre you free at noon?\n')).toEqual([]);
  });
});

describe('families that say which command a refusal answered', () => {
  it('reads a McAfee appliance notice as a refused recipient: userunknown, hard', () => {
    expect(factsOf(fixture('mcafee-userunknown.eml'))).toEqual([
      expect.objectContaining({ recipient: 'j.berg@partner.example', reason: 'userunknown', hardBounce: true, smtpCommand: 'RCPT' }),
    ]);
  });

  it('reads m-FILTER\'s server message and command: "unknown user" at DATA is filtered, soft', () => {
    expect(factsOf(fixture('mfilter-filtered.eml'))).toEqual([
      expect.objectContaining({ recipient: 'k.sato@partner.example', reason: 'filtered', hardBounce: false, smtpCommand: 'DATA', replyCode: '550', format: 'mfilter' }),
    ]);
  });

  it('takes OpenSMTPD\'s per-recipient reply over the generic 5.0.0 of its DSN', () => {
    expect(factsOf(fixture('opensmtpd-generic-status.eml'))).toEqual([
      expect.objectContaining({ recipient: 'lee@shop.example', reason: 'userunknown', hardBounce: true, status: '5.1.1' }),
    ]);
  });

  it('reads an Exim-style notice with the address flush left (1&1)', () => {
    const raw = [
      'From: Mail Delivery System <mailer-daemon@mx.provider.example>',
      'To: news@acme.example',
      'Subject: Mail delivery failed: returning message to sender',
      '',
      'This message was created automatically by mail delivery software.',
      '',
      'A message that you sent could not be delivered to one or more of',
      'its recipients. This is a permanent error. The following address(es)',
      'failed:',
      '',
      'ana@shop.example:',
      'SMTP error from remote server for TEXT command, host: mx.shop.example (192.0.2.9) reason: 550 5.7.1 Message rejected as spam',
      '',
      '--- The header of the original message is following. ---',
      '',
      'From: news@acme.example',
      'To: ana@shop.example',
      '',
    ].join('\n');
    expect(factsOf(raw)).toEqual([expect.objectContaining({ recipient: 'ana@shop.example', reason: 'spamdetected', format: 'exim' })]);
  });

  it('reads an fml list refusal as the list rejecting our post', () => {
    expect(factsOf(fixture('fml-not-member.eml'))).toEqual([
      expect.objectContaining({ kind: 'bounce', recipient: 'garden-club@lists.example.org', reason: 'rejected', hardBounce: false, format: 'fml' }),
    ]);
  });

  it('leaves an ordinary list message alone', () => {
    const raw = fixture('fml-not-member.eml').toString('utf8').replace(/You are not a member of this mailing list/, 'Welcome to the list');
    expect(factsOf(raw)).toEqual([]);
  });
});
