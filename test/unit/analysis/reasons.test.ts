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
    ['550 5.4.312 Message expired, DNS query failed', 'networkerror'],
    ['550 5.1.1 <a@b.example> - 192.0.2.7 has sent to too many recipients this hour. IB607', 'speeding'],
    ['550 5.7.0 <news@acme.example>... Please use the smtp server of your ISP.', 'blocked'],
    ['554 Host network not allowed - https://community.mimecast.com/docs/DOC-1369#554', 'policyviolation'],
    ['Each of the following recipients was rejected by a remote mail server.', 'filtered'],
    ['550 domain [acme.example] mismatches client ip 192.0.2.7.', 'requireptr'],
    ['Duplicated Message-ID in <garden-club@lists.example.org>.', 'systemerror'],
    ['501 <news@acme.example>... no access from mail server [192.0.2.7] which is an open relay.', 'blocked'],
    ['550 Insecure Mail Relay', 'norelaying'],
    ['Delivery to the following recipients was aborted after 5.0 hour(s)', 'expired'],
    ['554 Message rejected: Email address is not verified. The following identities failed the check in region EU-WEST-1: news@acme.example', 'norelaying'],
    ['450 service permits 2 unverifyable sending IPs - acme.example is not 192.0.2.7', 'requireptr'],
  ])('reads "%s" as %s', (diagnostic, reason) => {
    expect(classifyReason({ diagnosticCode: diagnostic })).toBe(reason);
  });

  // Real replies from the MTA corpus's scenarios (test/corpus/scenarios.json, each with its source).
  it.each([
    [{ status: '4.4.3', action: 'failed', diagnosticCode: 'Host or domain name not found. Name service error for name=dns-broken.example type=MX: Host not found, try again' }, 'networkerror'],
    [{ status: '4.0.0', action: 'delayed', diagnosticCode: 'Delay reason: host lookup did not complete' }, 'networkerror'],
    [{ status: '5.1.8', action: 'failed', smtpCommand: 'RCPT', diagnosticCode: '550 5.1.8 <news@acme.example>: Sender address rejected: Domain not found' }, 'rejected'],
    [{ status: '5.7.606', action: 'failed', smtpCommand: 'MAIL', diagnosticCode: '550 5.7.606 Access denied, banned sending IP [192.0.2.7]. To request removal from this list please visit and follow the directions.' }, 'blocked'],
    [{ status: '5.7.708', action: 'failed', diagnosticCode: '550 5.7.708 Service unavailable. Access denied, traffic not accepted from this IP.' }, 'blocked'],
    [{ status: '5.7.1', action: 'failed', smtpCommand: 'DATA', diagnosticCode: '550 5.7.1 This message violates example.com email policy. - gcdp <sessionid> - gsmtp' }, 'policyviolation'],
    [{ status: '5.0.0', action: 'failed', smtpCommand: 'RCPT', diagnosticCode: '550 Benutzer hat das Speichervolumen ueberschritten. / User has exhausted allowed storage space.' }, 'mailboxfull'],
    [{ status: '4.7.0', action: 'delayed', smtpCommand: 'DATA', diagnosticCode: '421 4.7.0 [192.0.2.7] Our system has detected that this message is suspicious due to the nature of the content and/or the links within. To best protect our users from spam, the message has been blocked.' }, 'spamdetected'],
    [{ status: '4.3.2', action: 'delayed', diagnosticCode: 'host adatum-m365.com[192.0.2.9] refused to talk to me: 421 4.3.2 The maximum number of concurrent connections per resource forest has exceeded a limit, closing transmission channel.' }, 'toomanyconn'],
    [{ status: '5.0.0', action: 'failed', smtpCommand: 'DATA', diagnosticCode: '451 qq trouble in home directory: retry timeout exceeded' }, 'systemerror'],
    [{ status: '5.0.0', action: 'failed', smtpCommand: 'RCPT', diagnosticCode: '451 4.3.2 Internal server error: retry timeout exceeded' }, 'systemerror'],
    [{ status: '5.0.0', action: 'failed', smtpCommand: 'RCPT', diagnosticCode: '551 User not local; please try <new-address@elsewhere.example>' }, 'hasmoved'],
    [{ status: '5.1.6', action: 'failed', smtpCommand: 'RCPT', diagnosticCode: '550 5.1.6 <a@relocated.example>: Recipient address rejected: User has moved to new-address@elsewhere.example' }, 'hasmoved'],
    [{ status: '5.7.1', action: 'failed', smtpCommand: 'MAIL', diagnosticCode: '530 5.7.1 Client was not authenticated' }, 'securityerror'],
    [{ status: '5.7.0', action: 'failed', smtpCommand: 'MAIL', diagnosticCode: '530 5.7.0 Authentication required' }, 'securityerror'],
    [{ status: '4.7.1', action: 'delayed', smtpCommand: 'RCPT', diagnosticCode: '421 4.7.1 Messages to a@mac.com deferred due to excessive volume. Try again later - https://support.apple.com/en-us/HT204137' }, 'speeding'],
    [{ status: '5.7.1', action: 'failed', smtpCommand: 'DATA', diagnosticCode: '550 5.7.1 Your message was rejected due to acme.example DMARC policy.' }, 'authfailure'],
    [{ status: '5.0.0', action: 'failed', smtpCommand: 'DATA', diagnosticCode: '550 This message was detected as possible malware (Eicar-Signature).' }, 'virusdetected'],
    [{ status: '5.2.3', action: 'failed', smtpCommand: 'DATA', diagnosticCode: '552 5.2.3 Message exceeds maximum fixed size (10485760)' }, 'exceedlimit'],
    [{ status: '5.6.0', action: 'failed', smtpCommand: 'DATA', diagnosticCode: '552 5.6.0 Headers too large (32768 max)' }, 'contenterror'],
    [{ status: '4.3.1', action: 'delayed', smtpCommand: 'MAIL', diagnosticCode: '452 4.3.1 Insufficient system storage' }, 'systemfull'],
    [{ status: '5.1.10', action: 'failed', diagnosticCode: 'Domain accepts-no-mail.example does not accept mail (nullMX)' }, 'notaccept'],
  ])('reads the MTA corpus reply %j as %s', (input, reason) => {
    expect(classifyReason(input)).toBe(reason);
  });

  it('falls back to the enhanced status code when the wording says nothing', () => {
    expect(classifyReason({ status: '5.1.1', diagnosticCode: 'Requested action not taken' })).toBe('userunknown');
    expect(classifyReason({ status: '4.4.7' })).toBe('expired');
  });

  // RFC 3463 §3.1-3.8: every class.subject names a reason even for a detail we have no entry for;
  // only X.0.x ("other or undefined status") leaves wording that names nothing `onhold`.
  describe.each(['4', '5'])('a %s.x.x code with a detail of no entry of its own', (statusClass) => {
    it.each([
      ['0', 'onhold'], ['1', 'userunknown'], ['2', 'filtered'], ['3', 'systemerror'],
      ['4', 'networkerror'], ['5', 'syntaxerror'], ['6', 'contenterror'], ['7', 'securityerror'],
    ])(`reads ${statusClass}.%s.99 under wording that names nothing as %s`, (subject, reason) => {
      const status = `${statusClass}.${subject}.99`;
      expect(classifyReason({ status, action: 'failed', diagnosticCode: `${statusClass}50 ${status} Requested action not taken` })).toBe(reason);
    });
  });

  it('lets wording that names a reason win over the status subject', () => {
    expect(classifyReason({ status: '5.7.99', action: 'failed', diagnosticCode: '550 5.7.99 Mailbox full' })).toBe('mailboxfull');
    expect(classifyReason({ status: '4.3.99', action: 'failed', diagnosticCode: '451 4.3.99 Too many concurrent SMTP connections' })).toBe('toomanyconn');
  });

  it('keeps a delay report under a network status as still retrying', () => {
    expect(classifyReason({ status: '4.4.0', action: 'delayed', diagnosticCode: 'The server will continue trying for up to 21 hours.' })).toBe('expired');
    expect(classifyReason({ status: '4.7.99', action: 'delayed', diagnosticCode: '450 4.7.99 Requested action not taken' })).toBe('securityerror');
  });

  it('reads a refusal before the envelope as a block of our client, though the queue retries or gave up', () => {
    const refusal = '421 OFR004_105 Service refuse. Veuillez essayer plus tard / Service refused, please try later';
    expect(classifyReason({ status: '4.0.0', action: 'delayed', smtpCommand: 'CONN', diagnosticCode: refusal }, 'Delivery attempts will continue for some time')).toBe('blocked');
    expect(classifyReason({ status: '5.0.0', action: 'failed', smtpCommand: 'CONN', diagnosticCode: `${refusal}: retry timeout exceeded` })).toBe('blocked');
    // The same note after a reply to RCPT that names nothing is a plain expiry.
    expect(classifyReason({ status: '5.0.0', action: 'failed', smtpCommand: 'RCPT', diagnosticCode: '450 Requested action not taken: retry timeout exceeded' })).toBe('expired');
  });

  it('reads "user unknown" as the directory\'s when the notice\'s format never names the command', () => {
    expect(classifyReason({ status: '5.0.0', diagnosticCode: '550 User not found: pat@163.example' })).toBe('filtered');
    expect(classifyReason({ status: '5.0.0', commandUnrecorded: true, diagnosticCode: '550 User not found: pat@163.example' })).toBe('userunknown');
    expect(classifyReason({ status: '5.0.0', commandUnrecorded: true, smtpCommand: 'DATA', diagnosticCode: '550 User not found: pat@163.example' })).toBe('filtered');
  });

  it('calls a "user unknown" after DATA the recipient\'s filter', () => {
    expect(classifyReason({ status: '5.0.0', smtpCommand: 'DATA', diagnosticCode: '550 Unknown user a@b.example' })).toBe('filtered');
  });

  it('calls "user unknown" the directory only when it answered RCPT or carries an address status', () => {
    expect(classifyReason({ status: '5.0.0', smtpCommand: 'RCPT', diagnosticCode: '550 <a@b.example>: User unknown' })).toBe('userunknown');
    expect(classifyReason({ status: '5.1.1', diagnosticCode: '550 5.1.1 <a@b.example>... User unknown' })).toBe('userunknown');
    // Outlook.com and Hotmail answer an unknown mailbox with 5.5.0.
    expect(classifyReason({ status: '5.5.0', diagnosticCode: '550 Requested action not taken: mailbox unavailable' })).toBe('userunknown');
    expect(classifyReason({ status: '5.2.1', diagnosticCode: '550 5.2.1 <a@b.example>... User Unknown' })).toBe('filtered');
    expect(classifyReason({ status: '5.7.1', diagnosticCode: '550 5.7.1 <a@b.example>: Recipient address rejected: User unknown' })).toBe('filtered');
    expect(classifyReason({ diagnosticCode: 'a@b.example [User unknown]' })).toBe('filtered');
  });

  it('reads a reply quoting the refused address as the RCPT answer, an empty address slot as a filter', () => {
    expect(classifyReason({ status: '5.0.0', diagnosticCode: '550 <pat@b.example>: User unknown' })).toBe('userunknown');
    expect(classifyReason({ status: '5.0.0', diagnosticCode: '550 : User unknown' })).toBe('filtered');
    expect(classifyReason({ status: '5.0.0', smtpCommand: 'DATA', diagnosticCode: '550 <pat@b.example>: User unknown' })).toBe('filtered');
  });

  it('trusts a mailbox directory\'s own wording whatever command it answered', () => {
    expect(classifyReason({ diagnosticCode: 'The recipient name is not recognized MSEXCH:IMS:ACME:HQ:MAIL1 0 (000C05A6) Unknown Recipient' })).toBe('userunknown');
    expect(classifyReason({ diagnosticCode: 'Unknown user: pat@b.example' })).toBe('userunknown');
    expect(classifyReason({ status: '5.0.0', diagnosticCode: "554 delivery error: dd This user doesn't have a b.example account (pat@b.example) [0] - mta7.mail.b.example" })).toBe('userunknown');
  });

  it('reads the codes Orange, La Poste and Spectrum document in their replies', () => {
    expect(classifyReason({ status: '5.2.0', diagnosticCode: '550 5.2.0 Mail rejete. Mail rejected. OFR_506 [506]' })).toBe('spamdetected');
    expect(classifyReason({ status: '5.7.1', diagnosticCode: '554 5.7.1 <relay.acme.example[192.0.2.7]:4931>: Client host rejected: #216 lpn LPN000_630' })).toBe('policyviolation');
    expect(classifyReason({ status: '5.1.0', diagnosticCode: '550 5.1.0 <b-1@relay.acme.example> sender rejected. AUP#In-1310' })).toBe('toomanyconn');
    expect(classifyReason({ status: '4.2.0', diagnosticCode: '421 4.2.0 Service refuse. Service refused, please try later. OFR005_505 [505]' })).toBe('systemerror');
  });

  it('reads an Amazon SES receipt rule\'s "Mailbox does not exist" as the domain owner\'s filter', () => {
    const preset = { status: '5.1.1', diagnosticCode: '550 5.1.1 Mailbox does not exist' };
    expect(classifyReason({ ...preset, reportingMta: 'inbound-smtp.eu-west-1.amazonaws.com' })).toBe('filtered');
    expect(classifyReason({ ...preset, reportingMta: 'mx1.shop.example' })).toBe('userunknown');
  });

  it('reads a moved mailbox (X.1.6) as hasmoved even when worded as unknown', () => {
    expect(classifyReason({ status: '5.1.6', diagnosticCode: '551 not our customer' })).toBe('hasmoved');
  });

  it('takes the sending MTA\'s own bounce category when it has one meaning', () => {
    expect(classifyReason({ status: '5.2.1', diagnosticCode: '550 5.2.1 <a@b.example>... User Unknown', bounceCategory: 'bad-mailbox' })).toBe('userunknown');
    expect(classifyReason({ status: '5.0.0', diagnosticCode: '552 sorry', bounceCategory: 'quota-issues' })).toBe('mailboxfull');
  });

  it('reads a hop-count loop as a network error even when worded as a refusal', () => {
    expect(classifyReason({ status: '5.4.6', diagnosticCode: 'SMTP Server <192.0.2.9> refused to accept your message (DATA), with the following error message: [554 5.4.6 Hop count exceeded - possible mail loop]' })).toBe('networkerror');
  });

  it('reads the remote reason behind qmail\'s "sender was rejected" frame', () => {
    const diagnostic = 'Connected to 192.0.2.9 but sender was rejected. Remote host said: 421 4.7.0 [TSS04] Messages from 192.0.2.7 temporarily deferred due to unexpected volume or user complaints';
    expect(classifyReason({ status: '4.7.0', smtpCommand: 'MAIL', diagnosticCode: diagnostic })).toBe('badreputation');
    expect(classifyReason({ smtpCommand: 'MAIL', diagnosticCode: 'Connected to 192.0.2.9 but sender was rejected. Remote host said: 553 sorry' })).toBe('rejected');
  });

  it('calls a refusal at MAIL FROM a rejected sender', () => {
    expect(classifyReason({ smtpCommand: 'MAIL', diagnosticCode: '553 sorry, that domain isn\'t in my list of allowed rcpthosts' })).toBe('rejected');
  });

  it.each([
    ['550 5.4.1 All recipient addresses rejected : Access denied [AB1CD2.prod.protection.outlook.example]', 'rejected'],
    ["550 'pat@corp.example' is not a registered gateway user", 'rejected'],
    ['550 Protocol violation', 'policyviolation'],
    ['500 Line limit exceeded', 'mesgtoobig'],
    ['451 Could not load DRD for domain (corp.example) rcpt (pat@corp.example)', 'systemerror'],
    ['550 5.7.606 Access denied, banned sending IP [192.0.2.7]. To request removal from this list please visit https://sender.office.example', 'blocked'],
  ])('reads the documented wording "%s" as %s', (diagnostic, reason) => {
    expect(classifyReason({ diagnosticCode: diagnostic })).toBe(reason);
  });

  it('reads a bare "Access denied" by its status and command, not as a block of our IP', () => {
    expect(classifyReason({ status: '5.7.1', diagnosticCode: '550 5.7.1 <a@b.example>... Access denied' })).toBe('securityerror');
    expect(classifyReason({ status: '5.7.1', smtpCommand: 'MAIL', diagnosticCode: '550 5.7.1 Access denied' })).toBe('rejected');
    expect(classifyReason({ smtpCommand: 'CONN', diagnosticCode: '550 Access denied...0f1e2d3c' })).toBe('blocked');
  });

  it('reads Exchange\'s resolver and transport code names before the status beside them', () => {
    expect(classifyReason({ status: '5.2.3', diagnosticCode: '550 5.2.3 RESOLVER.RST.RecipSizeLimit; message too large for this recipient' })).toBe('mesgtoobig');
    expect(classifyReason({ status: '5.1.1', diagnosticCode: '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found' })).toBe('userunknown');
    expect(classifyReason({ status: '5.5.3', diagnosticCode: '550 5.5.3 RESOLVER.ADR.RecipLimit; too many recipients' })).toBe('toomanyconn');
    expect(classifyReason({ status: '5.7.1', diagnosticCode: '550 5.7.1 RESOLVER.RST.NotAuthorized; not authorized' })).toBe('rejected');
  });

  it('reads NTT docomo\'s "Unknown user" after DATA as a refused sender, at RCPT as a directory miss', () => {
    const docomo = { status: '5.0.0', remoteMta: 'mfsmax.docomo.ne.jp', diagnosticCode: '550 Unknown user pat@docomo.example.ne.jp' };
    expect(classifyReason({ ...docomo, smtpCommand: 'DATA' })).toBe('rejected');
    expect(classifyReason({ ...docomo, smtpCommand: 'RCPT' })).toBe('userunknown');
    expect(classifyReason({ ...docomo, smtpCommand: 'DATA', remoteMta: 'mx.corp.example' })).toBe('filtered');
  });

  it('reads Trend Micro InterScan\'s refusal of a recipient as an unknown user', () => {
    expect(classifyReason({ diagnosticCode: 'Unable to deliver message to <pat@corp.example> (and other recipients in the same domain). Please check if address is correct.' })).toBe('userunknown');
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
