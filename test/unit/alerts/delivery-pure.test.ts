import { describe, expect, it } from 'vitest';
import { retryAfterMs, retryDelayMs } from '../../../src/alerts/backoff';
import { deliveryUrl, renderMessage } from '../../../src/alerts/formats';
import type { AlertMessage } from '../../../src/db/schema';
import { sign, signatureHeaders, verifySignature } from '../../../src/alerts/signing';

const message = (kind: AlertMessage['kind']): AlertMessage => ({
  kind,
  createdAt: '2026-11-25T10:00:30.000Z',
  alert: {
    id: 7,
    dedupKey: 'dnsbl:listed:zen:192.0.2.0/24',
    kind: 'listed',
    state: kind === 'resolve' ? 'resolved' : 'firing',
    severity: 'critical',
    title: 'dnsbl.listed for 3 subjects (zone zen, network 192.0.2.0/24)',
    labels: { zone: 'zen', network: '192.0.2.0/24' },
    subjects: ['ip:192.0.2.1', 'ip:192.0.2.2', 'ip:192.0.2.3'],
    openSubjects: ['ip:192.0.2.1', 'ip:192.0.2.2', 'ip:192.0.2.3'],
    eventCount: 3,
    firstAt: '2026-11-25T10:00:00.000Z',
    lastAt: '2026-11-25T10:00:02.000Z',
    resolvedAt: null,
    recentEvents: [],
  },
});

describe('Retry-After', () => {
  const date = Date.parse('Wed, 25 Nov 2026 10:00:00 GMT');
  it('reads delay-seconds and HTTP-dates against the response date, and nothing else', () => {
    expect(retryAfterMs('120', date)).toBe(120_000);
    expect(retryAfterMs(' 0 ', date)).toBe(0);
    expect(retryAfterMs('Wed, 25 Nov 2026 10:05:00 GMT', date)).toBe(300_000);
    // A date in the past means now, never a negative wait.
    expect(retryAfterMs('Wed, 25 Nov 2026 09:00:00 GMT', date)).toBe(0);
    for (const unreadable of [undefined, null, '', 'soon', '-5', '1.5']) expect(retryAfterMs(unreadable, date)).toBeNull();
  });
  it('asks for at most a day', () => {
    expect(retryAfterMs('999999999', date)).toBe(86_400_000);
  });
});

describe('retry backoff', () => {
  const policy = { baseSeconds: 5, capSeconds: 600 };
  it('doubles per attempt within jitter bounds, capped', () => {
    expect(retryDelayMs(1, policy, 0)).toBe(2_500);
    expect(retryDelayMs(1, policy, 0.999_999)).toBeCloseTo(5_000, -1);
    expect(retryDelayMs(3, policy, 0)).toBe(10_000);
    expect(retryDelayMs(30, policy, 1)).toBe(600_000);
    expect(retryDelayMs(1000, policy, 0.5)).toBe(450_000);
  });
});

describe('Standard Webhooks signing', () => {
  // The example of the Standard Webhooks specification's reference libraries.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  it('signs "id.timestamp.body" with the base64-decoded whsec_ secret', () => {
    const body = '{"test": 2432232314}';
    expect(sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies its own headers and refuses a changed body, a wrong secret or an old timestamp', () => {
    const headers = signatureHeaders(secret, 'msg_1', 1_700_000_000, '{"a":1}');
    const given = { id: headers['webhook-id']!, timestamp: headers['webhook-timestamp']!, signature: headers['webhook-signature']! };
    expect(headers['idempotency-key']).toBe('msg_1');
    expect(verifySignature(secret, given, '{"a":1}', 1_700_000_100)).toBe(true);
    expect(verifySignature(secret, given, '{"a":2}', 1_700_000_100)).toBe(false);
    expect(verifySignature('whsec_AAAAAAAAAAAAAAAAAAAAAAAA', given, '{"a":1}', 1_700_000_100)).toBe(false);
    expect(verifySignature(secret, given, '{"a":1}', 1_700_000_301)).toBe(false);
  });

  it('sends no signature without a secret', () => {
    expect(signatureHeaders(undefined, 'msg_1', 1, '{}')['webhook-signature']).toBeUndefined();
  });
});

describe('formats', () => {
  it('renders the generic JSON with a version and the full subject list', () => {
    const body = JSON.parse(renderMessage(message('trigger'), 'msg_1', { format: 'json' }));
    expect(body).toMatchObject({ version: 1, id: 'msg_1', kind: 'trigger', alert: { state: 'firing', dedupKey: 'dnsbl:listed:zen:192.0.2.0/24', eventCount: 3 } });
    expect(body.alert.subjects).toHaveLength(3);
    expect(JSON.parse(renderMessage(message('resolve'), 'msg_1', { format: 'json' })).alert.state).toBe('resolved');
  });

  it('renders PagerDuty trigger and resolve with the same dedup_key', () => {
    const trigger = JSON.parse(renderMessage(message('trigger'), 'msg_1', { format: 'pagerduty', routingKey: 'R0UT1NG' }));
    const resolve = JSON.parse(renderMessage(message('resolve'), 'msg_1', { format: 'pagerduty', routingKey: 'R0UT1NG' }));
    expect(trigger).toMatchObject({ routing_key: 'R0UT1NG', event_action: 'trigger', dedup_key: 'dnsbl:listed:zen:192.0.2.0/24', payload: { severity: 'critical', source: '192.0.2.0/24' } });
    expect(trigger.payload.summary.length).toBeLessThanOrEqual(1024);
    expect(resolve).toEqual({ routing_key: 'R0UT1NG', event_action: 'resolve', dedup_key: trigger.dedup_key });
  });

  it('sends notices and test alerts to PagerDuty as change events, which open no incident', () => {
    const destination = { format: 'pagerduty' as const, routingKey: 'R0UT1NG', url: 'https://events.pagerduty.com/v2/enqueue' };
    for (const kind of ['notice', 'test'] as const) {
      const body = JSON.parse(renderMessage(message(kind), 'msg_1', destination));
      expect(body).not.toHaveProperty('event_action');
      expect(body).not.toHaveProperty('dedup_key');
      expect(body).toMatchObject({ routing_key: 'R0UT1NG', payload: { source: '192.0.2.0/24', timestamp: '2026-11-25T10:00:02.000Z' } });
      expect(deliveryUrl(message(kind), destination)).toBe('https://events.pagerduty.com/v2/change/enqueue');
    }
    expect(deliveryUrl(message('trigger'), destination)).toBe(destination.url);
    expect(deliveryUrl(message('resolve'), destination)).toBe(destination.url);
    expect(deliveryUrl(message('notice'), { format: 'json', url: 'https://hooks.example.com/v2/enqueue' })).toBe('https://hooks.example.com/v2/enqueue');
  });

  it('renders a Slack message with escaped text and a Teams adaptive card', () => {
    const withMarkup = message('trigger');
    withMarkup.alert.title = 'a <b> & c';
    const slack = JSON.parse(renderMessage(withMarkup, 'msg_1', { format: 'slack' }));
    expect(slack.text).toContain('[FIRING] [critical] a &lt;b&gt; &amp; c');
    const teams = JSON.parse(renderMessage(message('resolve'), 'msg_1', { format: 'teams' }));
    expect(teams.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(teams.attachments[0].content.body[0].text).toContain('[RESOLVED]');
  });
});
