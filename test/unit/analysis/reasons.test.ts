import { describe, expect, it } from 'vitest';
import { classifyReason, isHardReason, isReceiverJudgement, reasonFromText } from '../../../src/analysis/reasons';

describe('reason mapping', () => {
  it.each([
    ['550 5.1.1 <a@b.example>: Recipient address rejected: User unknown in local recipient table', 'userunknown'],
    ['552 5.2.2 Mailbox full', 'mailboxfull'],
    ['Host or domain name not found. Name service error for name=nx.example type=A: Host not found', 'hostunknown'],
    ['554 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org', 'blocked'],
    ['550 5.7.1 Message rejected as spam by Content Filtering', 'spamdetected'],
    ['421 4.7.0 Too many concurrent SMTP connections from this IP', 'toomanyconn'],
    ['550 5.7.26 Unauthenticated email from example.com is not accepted due to domain\'s DMARC policy', 'authfailure'],
    ['550 5.7.25 The IP address sending this message does not have a PTR record setup', 'requireptr'],
    ['554 5.7.1 <a@b.example>: Relay access denied', 'norelaying'],
    ['552 5.3.4 Message size exceeds fixed limit', 'mesgtoobig'],
    ['550 5.2.1 The email account that you tried to reach is disabled', 'suspend'],
    ['retry timeout exceeded', 'expired'],
  ])('reads "%s" as %s', (diagnostic, reason) => {
    expect(classifyReason({ diagnosticCode: diagnostic })).toBe(reason);
  });

  it('falls back to the enhanced status code when the wording says nothing', () => {
    expect(classifyReason({ status: '5.1.1', diagnosticCode: 'Requested action not taken' })).toBe('userunknown');
    expect(classifyReason({ status: '4.4.7' })).toBe('expired');
  });

  it('calls a "user unknown" after DATA the recipient\'s filter', () => {
    expect(classifyReason({ status: '5.0.0', smtpCommand: 'DATA', diagnosticCode: '550 Unknown user a@b.example' })).toBe('filtered');
  });

  it('calls a refusal at MAIL FROM a rejected sender', () => {
    expect(classifyReason({ smtpCommand: 'MAIL', diagnosticCode: '553 sorry, that domain isn\'t in my list of allowed rcpthosts' })).toBe('rejected');
  });

  it('counts only bad or gone addresses as hard', () => {
    expect(isHardReason('userunknown', '5.1.1')).toBe(true);
    expect(isHardReason('hostunknown', '5.1.2')).toBe(true);
    expect(isHardReason('blocked', '5.7.1')).toBe(false);
    expect(isHardReason('mailboxfull', '5.2.2')).toBe(false);
    expect(isHardReason('notaccept', '5.1.10')).toBe(true);
    expect(isHardReason('notaccept', '4.3.2')).toBe(false);
  });

  it('marks blocks, reputation, spam and policy as the receiver judging our IP or content', () => {
    for (const reason of ['blocked', 'badreputation', 'spamdetected', 'policyviolation', 'toomanyconn'] as const) expect(isReceiverJudgement(reason)).toBe(true);
    expect(isReceiverJudgement('userunknown')).toBe(false);
  });

  it('finds no reason in text that names none', () => {
    expect(reasonFromText('Thank you for your message.')).toBeUndefined();
  });
});
