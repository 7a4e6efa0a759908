import { describe, expect, it } from 'vitest';
import { formatAction, isEndOfMessage, PolicyRequestReader } from '../../../src/relay/postfix-protocol';
import { postfixActionFor } from '../../../src/relay/postfix-policy-server';
import type { EffectivePolicy } from '../../../src/reputation/effective-policy';

// The attribute set Postfix 3.x sends (SMTPD_POLICY_README, "Protocol description").
const endOfMessage = [
  'request=smtpd_access_policy',
  'protocol_state=END-OF-MESSAGE',
  'protocol_name=ESMTP',
  'client_address=192.0.2.44',
  'client_name=client.example',
  'client_port=50321',
  'reverse_client_name=client.example',
  'server_address=192.0.2.10',
  'server_port=587',
  'helo_name=client.example',
  'sender=alice@shop.example',
  'recipient=',
  'recipient_count=3',
  'queue_id=4Zx1Ab2cDzz',
  'instance=1a2b.6744d1f0.8c5e1.0',
  'size=2048',
  'etrn_domain=',
  'stress=',
  'sasl_method=PLAIN',
  'sasl_username=customer-42',
  'sasl_sender=',
  'ccert_subject=',
  'ccert_issuer=',
  'ccert_fingerprint=',
  'ccert_pubkey_fingerprint=',
  'encryption_protocol=TLSv1.3',
  'encryption_cipher=TLS_AES_256_GCM_SHA384',
  'encryption_keysize=256',
  'policy_context=',
  'compatibility_level=3.6',
  'mail_version=3.7.11',
  '',
  '',
].join('\n');

describe('PolicyRequestReader', () => {
  it('reads a request Postfix sends at the end of DATA', () => {
    const [request, ...rest] = new PolicyRequestReader().push(endOfMessage);
    expect(rest).toEqual([]);
    expect(request).toMatchObject({ ok: true, attributes: { sasl_username: 'customer-42', sender: 'alice@shop.example', recipient_count: '3', recipient: '' } });
    expect(isEndOfMessage(request!.attributes)).toBe(true);
  });

  it('reads requests split anywhere across TCP segments, and several in one segment', () => {
    const reader = new PolicyRequestReader();
    const stream = endOfMessage + endOfMessage.replace('customer-42', 'customer-43');
    const requests = [];
    for (let i = 0; i < stream.length; i += 7) requests.push(...reader.push(Buffer.from(stream.slice(i, i + 7))));
    expect(requests.map((r) => r.attributes.sasl_username)).toEqual(['customer-42', 'customer-43']);
    expect(new PolicyRequestReader().push(stream)).toHaveLength(2);
  });

  it('decodes a UTF-8 character split between two segments', () => {
    const bytes = Buffer.from('request=smtpd_access_policy\nsender=jörg@exämple.test\n\n');
    const cut = bytes.indexOf(0xc3) + 1;
    const reader = new PolicyRequestReader();
    expect(reader.push(bytes.subarray(0, cut))).toEqual([]);
    expect(reader.push(bytes.subarray(cut))[0]!.attributes.sender).toBe('jörg@exämple.test');
  });

  it('accepts CRLF line ends, as typed in telnet', () => {
    const [request] = new PolicyRequestReader().push('request=smtpd_access_policy\r\nsender=a@b.example\r\n\r\n');
    expect(request).toEqual({ ok: true, attributes: { request: 'smtpd_access_policy', sender: 'a@b.example' } });
  });

  it('keeps attributes it does not know, by their exact name', () => {
    const [request] = new PolicyRequestReader().push('request=smtpd_access_policy\nSender=Upper@b.example\nx_custom=1\n\n');
    expect(request).toEqual({ ok: true, attributes: { request: 'smtpd_access_policy', Sender: 'Upper@b.example', x_custom: '1' } });
  });

  it('reads a CR and its LF arriving in different segments as one line end', () => {
    const reader = new PolicyRequestReader();
    expect(reader.push('request=smtpd_access_policy\r')).toEqual([]);
    expect(reader.push('\nsender=a@b.example\r\n\r\n')).toEqual([{ ok: true, attributes: { request: 'smtpd_access_policy', sender: 'a@b.example' } }]);
  });

  it('keeps "=" inside a value', () => {
    const [request] = new PolicyRequestReader().push('ccert_subject=CN=relay,O=x\n\n');
    expect(request!.attributes.ccert_subject).toBe('CN=relay,O=x');
  });

  it('marks a request with a line that is not name=value as malformed, and reads the next one', () => {
    const requests = new PolicyRequestReader().push('request=smtpd_access_policy\nGET / HTTP/1.1\n\nrequest=smtpd_access_policy\nsender=x@y.example\n\n');
    expect(requests[0]).toMatchObject({ ok: false, error: expect.stringContaining('not a name=value line') });
    expect(requests[1]).toMatchObject({ ok: true, attributes: { sender: 'x@y.example' } });
    for (const line of ['=value', 'sender', 'send er=x', '1sender=x', 'sender-x=y']) {
      expect(new PolicyRequestReader().push(`${line}\n\n`)[0], line).toMatchObject({ ok: false });
    }
  });

  it('refuses too many attributes and overlong lines', () => {
    const many = Array.from({ length: 5 }, (_, i) => `a${i}=1`).join('\n');
    expect(new PolicyRequestReader({ maxLineBytes: 100, maxAttributes: 3 }).push(`${many}\n\n`)[0]).toMatchObject({ ok: false });
    expect(new PolicyRequestReader({ maxLineBytes: 10, maxAttributes: 3 }).push(`sender=${'x'.repeat(20)}\n\n`)[0]).toMatchObject({ ok: false });
    const reader = new PolicyRequestReader({ maxLineBytes: 10, maxAttributes: 3 });
    reader.push('x'.repeat(50));
    expect(reader.overflowed).toBe(true);
  });
});

describe('formatAction', () => {
  it('writes action= and the empty line that ends the answer', () => {
    expect(formatAction({ kind: 'DUNNO' })).toBe('action=DUNNO\n\n');
    expect(formatAction({ kind: 'REJECT', status: '5.7.1', text: 'no' })).toBe('action=REJECT 5.7.1 no\n\n');
  });

  it('keeps the text on one printable line', () => {
    expect(formatAction({ kind: 'DEFER_IF_PERMIT', status: '4.7.1', text: 'a\r\nb\tc ü' })).toBe('action=DEFER_IF_PERMIT 4.7.1 a b c ?\n\n');
  });
});

describe('postfixActionFor', () => {
  const policy = (action: EffectivePolicy['action'], limitPerHour: number | null = null): EffectivePolicy => ({
    action,
    source: 'automatic',
    reason: 'complaint rate 0.4% (internal figures)',
    limitPerHour,
    limitPerDay: null,
    until: null,
    tier: null,
  });

  it('lets allowed and warned senders through', () => {
    expect(postfixActionFor('alice', policy('allow'), 10_000)).toEqual({ kind: 'DUNNO' });
    expect(postfixActionFor('alice', policy('warn'), 10_000)).toEqual({ kind: 'DUNNO' });
  });

  it('defers a throttled sender at its hourly limit, not before', () => {
    expect(postfixActionFor('bob', policy('throttle', 100), 99)).toEqual({ kind: 'DUNNO' });
    expect(postfixActionFor('bob', policy('throttle', 100), 100)).toMatchObject({ kind: 'DEFER_IF_PERMIT', status: '4.7.1' });
  });

  it('rejects a suspended sender without telling it the internal reason', () => {
    const action = postfixActionFor('carol', policy('suspend'), 0);
    expect(action).toMatchObject({ kind: 'REJECT', status: '5.7.1' });
    expect(formatAction(action)).not.toContain('complaint');
  });
});
