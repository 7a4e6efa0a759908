import { describe, expect, it } from 'vitest';
import { destinationsFor, matchesTypePattern, routeEvent } from '../../../src/alerts/routing';
import { networkOf } from '../../../src/alerts/network';
import { event, webhooks } from './fixtures';

describe('alert routing', () => {
  it('gives a listing of every IP of one /24 on one zone the same dedup key', () => {
    const config = webhooks();
    const keys = new Set(
      [1, 77, 254].map((host) => routeEvent(event({ type: 'dnsbl.listed', subject: `ip:192.0.2.${host}`, payload: { zone: 'zen.spamhaus.org' } }), config)[0]!.dedupKey),
    );
    expect([...keys]).toEqual(['dnsbl:listed:zen.spamhaus.org:192.0.2.0/24']);
  });

  it('groups the blocklist monitor’s events, whose subject is the bare address', () => {
    const config = webhooks();
    const dnsblEvent = (type: string, subject: string) =>
      event({ type, subject, payload: { zoneId: 'spamhaus-zen', zone: 'zen.spamhaus.org', targetKind: 'ipv4', target: subject } });
    const keys = ['192.0.2.10', '192.0.2.11'].map((ip) => routeEvent(dnsblEvent('dnsbl.listed', ip), config)[0]!.dedupKey);
    expect(keys).toEqual(['dnsbl:listed:zen.spamhaus.org:192.0.2.0/24', 'dnsbl:listed:zen.spamhaus.org:192.0.2.0/24']);
    expect(routeEvent(dnsblEvent('dnsbl.delisted', '192.0.2.10'), config)[0]).toMatchObject({ action: 'resolve', dedupKey: keys[0] });
    const zone = event({ type: 'dnsbl.zone_unhealthy', subject: 'zen.spamhaus.org', payload: { zone: 'zen.spamhaus.org', targetKind: null, target: null } });
    expect(routeEvent(zone, config)[0]!.dedupKey).toBe('dnsbl:zone_unhealthy:zen.spamhaus.org');
    const recovered = { ...zone, type: 'dnsbl.zone_recovered' };
    expect(routeEvent(recovered, config).map((s) => s.dedupKey)).toContain('dnsbl:zone_unhealthy:zen.spamhaus.org');
    const domain = event({ type: 'dnsbl.listed', subject: 'mail.example', payload: { zone: 'dbl.spamhaus.org', targetKind: 'domain' } });
    expect(routeEvent(domain, config)[0]!.dedupKey).toBe('dnsbl:listed:dbl.spamhaus.org:mail.example');
  });

  it('keeps listings on different zones and different networks apart', () => {
    const config = webhooks();
    const key = (subject: string, zone: string) => routeEvent(event({ type: 'dnsbl.listed', subject, payload: { zone } }), config)[0]!.dedupKey;
    expect(key('ip:192.0.2.1', 'a.test')).not.toBe(key('ip:192.0.2.1', 'b.test'));
    expect(key('ip:192.0.2.1', 'a.test')).not.toBe(key('ip:192.0.3.1', 'a.test'));
  });

  it('resolves a listing with the delisting of the same IP under the same key', () => {
    const config = webhooks();
    const fired = routeEvent(event({ type: 'dnsbl.listed', subject: 'ip:192.0.2.9', payload: { zoneId: 'sbl' } }), config)[0]!;
    const resolved = routeEvent(event({ type: 'dnsbl.delisted', subject: 'ip:192.0.2.9', severity: 'info', payload: { zoneId: 'sbl' } }), config);
    expect(fired).toMatchObject({ action: 'fire', kind: 'listed', member: 'ip:192.0.2.9' });
    expect(resolved).toEqual([expect.objectContaining({ action: 'resolve', dedupKey: fired.dedupKey, member: 'ip:192.0.2.9' })]);
  });

  it('resolves throttled, suspended and warned incidents of a sender on release', () => {
    const signals = routeEvent(event({ type: 'sender.released', subject: 'sender:alice', severity: 'info', payload: { kind: 'sender', id: 'alice', domain: 'shop.example' } }), webhooks());
    expect(signals.map((s) => s.dedupKey).sort()).toEqual(['reputation:suspended:domain:shop.example', 'reputation:throttled:domain:shop.example', 'reputation:warned:domain:shop.example']);
    expect(signals.every((s) => s.action === 'resolve' && s.member === 'sender:alice')).toBe(true);
  });

  it('makes a sender and its sender domain one incident', () => {
    const config = webhooks();
    const sender = routeEvent(event({ type: 'sender.suspended', subject: 'sender:alice', severity: 'critical', payload: { kind: 'sender', id: 'alice', domain: 'shop.example', fromAction: 'allow', toAction: 'suspend' } }), config);
    const domain = routeEvent(event({ type: 'domain.suspended', subject: 'domain:shop.example', severity: 'critical', payload: { kind: 'domain', id: 'shop.example', fromAction: 'allow', toAction: 'suspend' } }), config);
    expect(sender).toEqual([expect.objectContaining({ action: 'fire', dedupKey: 'reputation:suspended:domain:shop.example', member: 'sender:alice', labels: { domain: 'shop.example' } })]);
    expect(domain).toEqual([expect.objectContaining({ action: 'fire', dedupKey: 'reputation:suspended:domain:shop.example', member: 'domain:shop.example' })]);
    // Another sender of another domain is another incident; one whose domain is unknown keys by itself.
    const other = routeEvent(event({ type: 'sender.suspended', subject: 'sender:bob', payload: { kind: 'sender', id: 'bob', domain: 'bob.example' } }), config)[0]!;
    expect(other.dedupKey).toBe('reputation:suspended:domain:bob.example');
    expect(routeEvent(event({ type: 'sender.suspended', subject: 'sender:carol', payload: { kind: 'sender', id: 'carol' } }), config)[0]!.dedupKey).toBe('reputation:suspended:sender:carol');
  });

  it('resolves the throttled incident of a sender its suspension replaces', () => {
    const signals = routeEvent(
      event({ type: 'sender.suspended', subject: 'sender:alice', severity: 'critical', payload: { kind: 'sender', id: 'alice', domain: 'shop.example', fromAction: 'throttle', toAction: 'suspend' } }),
      webhooks(),
    );
    expect(signals.map((s) => [s.action, s.dedupKey, s.member])).toEqual([
      ['resolve', 'reputation:throttled:domain:shop.example', 'sender:alice'],
      ['fire', 'reputation:suspended:domain:shop.example', 'sender:alice'],
    ]);
  });

  it('routes zone health, mailbox and quarantine events by their verb, whatever their area', () => {
    const config = webhooks();
    expect(routeEvent(event({ type: 'zone_unhealthy', subject: 'zone:bl.test' }), config)[0]).toMatchObject({ action: 'fire', kind: 'zone_unhealthy' });
    expect(routeEvent(event({ type: 'zone_recovered', subject: 'zone:bl.test' }), config).map((s) => s.kind)).toContain('zone_unhealthy');
    expect(routeEvent(event({ type: 'mailbox.failing', subject: 'mailbox:fbl' }), config)[0]).toMatchObject({ action: 'fire' });
    expect(routeEvent(event({ type: 'quarantine.growing', subject: 'quarantine' }), config)[0]).toMatchObject({ action: 'fire' });
  });

  it('sends an event type it has no lifecycle for as a one-off notice', () => {
    const [signal] = routeEvent(event({ type: 'relay.something_new', subject: 'x' }), webhooks());
    expect(signal).toMatchObject({ action: 'notice', kind: 'notice' });
  });

  it('applies routing rules, then each destination’s minimum severity and event filter', () => {
    const config = webhooks({
      routes: [
        { events: ['*.listed', 'sender.suspended'], minSeverity: 'error', destinations: ['oncall'] },
        { subjects: ['sender:*'], destinations: ['chat'] },
      ],
    });
    expect(destinationsFor(event({ type: 'dnsbl.listed', subject: 'ip:192.0.2.1', severity: 'critical' }), config)).toEqual(['oncall']);
    expect(destinationsFor(event({ type: 'dnsbl.listed', subject: 'ip:192.0.2.1', severity: 'warning' }), config)).toEqual([]);
    expect(destinationsFor(event({ type: 'sender.suspended', subject: 'sender:bob', severity: 'error' }), config)).toEqual(['oncall', 'chat']);
    expect(destinationsFor(event({ type: 'sender.throttled', subject: 'sender:bob', severity: 'info' }), config)).toEqual(['chat']);
  });

  it('without rules sends to every destination whose own filter accepts the event', () => {
    const config = webhooks();
    expect(destinationsFor(event({ type: 'sender.warned', subject: 'sender:a', severity: 'info' }), config)).toEqual(['chat']);
    expect(destinationsFor(event({ type: 'sender.warned', subject: 'sender:a', severity: 'warning' }), config)).toEqual(['oncall', 'chat']);
  });

  it('matches type patterns segment by segment', () => {
    expect(matchesTypePattern('dnsbl.listed', '*.listed')).toBe(true);
    expect(matchesTypePattern('dnsbl.listed', 'dnsbl.*')).toBe(true);
    expect(matchesTypePattern('dnsbl.delisted', '*.listed')).toBe(false);
    expect(matchesTypePattern('listed', '*')).toBe(true);
  });

  it('computes IPv4 and IPv6 networks for grouping', () => {
    expect(networkOf('192.0.2.200', 24, 64)).toBe('192.0.2.0/24');
    expect(networkOf('198.51.100.77', 16, 64)).toBe('198.51.0.0/16');
    expect(networkOf('2001:db8:1:2:3:4:5:6', 24, 64)).toBe('2001:db8:1:2::/64');
    expect(networkOf('not-an-ip', 24, 64)).toBeUndefined();
  });
});
