import { describe, expect, it } from 'vitest';
import type { Header } from '../../../src/analysis/mime';
import { attribute, attributeDetailed } from '../../../src/attribution/attribute';
import { senderFromFeedbackId } from '../../../src/attribution/feedback-id';
import { senderFromVerp } from '../../../src/attribution/verp';
import { signToken } from '../../../src/attribution/token';
import { attributionConfig } from '../../../src/config/attribution';
import { analyzeMessage } from '../../../src/analysis/analyze';
import { fixture } from '../analysis/fixture';

const secret = 'correct horse battery staple, long enough';
const h = (name: string, value: string): Header => ({ name: name.toLowerCase(), value });

describe('attribution config', () => {
  it('has a default for every field', () => {
    expect(attributionConfig.parse({})).toEqual({ feedbackIdField: 4, senderHeader: 'X-Warden-Sender', verpPatterns: [], tokenHeader: 'X-Warden-Token' });
  });

  it('refuses a VERP pattern without {sender}, a short secret and unknown keys', () => {
    expect(attributionConfig.safeParse({ verpPatterns: ['bounces@relay.example'] }).success).toBe(false);
    expect(attributionConfig.safeParse({ tokenSecret: 'short' }).success).toBe(false);
    expect(attributionConfig.safeParse({ senderheader: 'X' }).success).toBe(false);
  });
});

describe('Feedback-ID and VERP', () => {
  it('takes the configured field of a Feedback-ID', () => {
    expect(senderFromFeedbackId('spring26:acme-shop:newsletter:acme', 4)).toBe('acme');
    expect(senderFromFeedbackId('spring26:acme-shop:newsletter:acme', 2)).toBe('acme-shop');
    expect(senderFromFeedbackId('a:b', 4)).toBeUndefined();
  });

  it('reads the sender from a VERP address, whatever the domain case', () => {
    expect(senderFromVerp('<bounces+acme@Relay.Example>', ['bounces+{sender}@relay.example'])).toBe('acme');
    expect(senderFromVerp('someone@relay.example', ['bounces+{sender}@relay.example'])).toBeUndefined();
  });
});

describe('attributing a fact to its sender', () => {
  const config = attributionConfig.parse({ verpPatterns: ['bounces+{sender}@relay.example'], tokenSecret: secret });

  it('prefers the Feedback-ID of the original message', () => {
    const result = analyzeMessage(fixture('dsn-postfix-userunknown.eml'));
    if (!result.ok) throw result.error;
    expect(attribute({ fact: result.facts[0]!, originalHeaders: result.originalHeaders, reportHeaders: result.reportHeaders }, config)).toEqual({ sender: 'acme', method: 'feedback-id' });
  });

  it('uses the sender header when there is no Feedback-ID', () => {
    const result = analyzeMessage(fixture('arf-headers-only-redacted.eml'));
    if (!result.ok) throw result.error;
    expect(attribute({ fact: result.facts[0]!, originalHeaders: result.originalHeaders }, config)).toEqual({ sender: 'globex', method: 'header' });
  });

  it('uses the VERP address a bounce was sent to', () => {
    const result = analyzeMessage(fixture('exim-hostunknown.eml'));
    if (!result.ok) throw result.error;
    expect(attribute({ fact: result.facts[0]!, originalHeaders: result.originalHeaders, reportHeaders: result.reportHeaders }, config)).toEqual({ sender: 'initech', method: 'verp' });
  });

  it('decodes a signed token in the token header', () => {
    const raw = fixture('jmrp-complaint.eml').toString('latin1').replace('PLACEHOLDER', signToken('anon-77', secret));
    const result = analyzeMessage(raw);
    if (!result.ok) throw result.error;
    expect(attribute({ fact: result.facts[0]!, originalHeaders: result.originalHeaders }, config)).toEqual({ sender: 'anon-77', method: 'token' });
  });

  it('decodes a token carried in a VERP address', () => {
    const token = signToken('anon-9', secret);
    expect(attribute({ fact: {}, originalHeaders: [h('Return-Path', `<bounces+${token}@relay.example>`)] }, config)).toEqual({ sender: 'anon-9', method: 'verp' });
  });

  it('never attributes a forged token, and says why', () => {
    const token = signToken('anon-77', 'an attacker guessing at the secret....');
    const outcome = attributeDetailed({ fact: {}, originalHeaders: [h('X-Warden-Token', token)] }, config);
    expect(outcome.attribution).toBeNull();
    expect(outcome.rejections).toEqual([{ method: 'token', reason: 'bad-signature' }]);
  });

  it('does not fall back to a plain reading of an altered token in the sender header', () => {
    const token = signToken('anon-77', secret);
    const altered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    expect(attribute({ fact: {}, originalHeaders: [h('X-Warden-Sender', altered)] }, config)).toBeNull();
  });

  it('returns null when nothing names a sender', () => {
    expect(attribute({ fact: {}, originalHeaders: [h('Subject', 'hello')] }, config)).toBeNull();
  });
});
