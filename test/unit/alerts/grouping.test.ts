import { describe, expect, it } from 'vitest';
import { applySignal, type Alert } from '../../../src/alerts/grouping';
import { routeEvent } from '../../../src/alerts/routing';
import { event, webhooks } from './fixtures';

const config = webhooks();
const at = (seconds: number) => new Date(Date.UTC(2026, 10, 25, 10, 0, seconds));
const listing = (host: number, seconds = 0, severity: 'warning' | 'critical' = 'critical') =>
  routeEvent(event({ type: 'dnsbl.listed', subject: `ip:192.0.2.${host}`, severity, payload: { zone: 'zen' }, at: at(seconds) }), config)[0]!;
const delisting = (host: number, seconds = 50) =>
  routeEvent(event({ type: 'dnsbl.delisted', subject: `ip:192.0.2.${host}`, severity: 'info', payload: { zone: 'zen' }, at: at(seconds) }), config)[0]!;

function fold(signals: ReturnType<typeof listing>[], start?: Alert) {
  let alert = start;
  const notifications: string[] = [];
  for (const signal of signals) {
    const outcome = applySignal(alert, signal, 30_000);
    if (outcome.change === 'none') continue;
    alert = outcome.alert;
    if (outcome.notify) notifications.push(outcome.notify);
  }
  return { alert: alert!, notifications };
}

describe('alert grouping', () => {
  it('folds a whole /24 into one firing alert with 256 subjects, notified after the quiet period', () => {
    const { alert, notifications } = fold(Array.from({ length: 256 }, (_, host) => listing(host, host % 20)));
    expect(alert).toMatchObject({ state: 'firing', eventCount: 256, notifiedAt: null, labels: { zone: 'zen', network: '192.0.2.0/24' } });
    expect(alert.subjects).toHaveLength(256);
    expect(alert.notifyAfter).toEqual(at(30));
    expect(alert.title).toContain('256 subjects');
    expect(alert.recentEvents.length).toBeLessThanOrEqual(20);
    expect(notifications).toEqual([]);
  });

  it('resolves when the last member is delisted, and sends a resolve only if the trigger went out', () => {
    const { alert: firing } = fold([listing(1), listing(2)]);
    const notified = { ...firing, notifiedAt: at(30) };
    const partly = fold([delisting(1)], notified);
    expect(partly.alert.state).toBe('firing');
    expect(partly.notifications).toEqual([]);
    const done = fold([delisting(2)], partly.alert);
    expect(done.alert).toMatchObject({ state: 'resolved', resolvedAt: at(50) });
    expect(done.notifications).toEqual(['resolve']);
  });

  it('keeps a flap inside the quiet period silent', () => {
    const { alert } = fold([listing(1, 0)]);
    const outcome = applySignal(alert, delisting(1, 10), 30_000);
    expect(outcome).toMatchObject({ change: 'update', notify: null, alert: { state: 'resolved', notifiedAt: null } });
  });

  it('raises the severity to the worst member and ignores a resolve for an unknown incident', () => {
    const { alert } = fold([listing(1, 0, 'warning'), listing(2, 1, 'critical')]);
    expect(alert.severity).toBe('critical');
    expect(applySignal(undefined, delisting(1), 30_000)).toEqual({ change: 'none' });
  });

  it('sends a notice at once, as an alert that is already closed', () => {
    const signal = routeEvent(event({ type: 'relay.novel', subject: 'x', severity: 'warning' }), config)[0]!;
    expect(applySignal(undefined, signal, 30_000)).toMatchObject({ change: 'open', notify: 'notice', alert: { state: 'resolved' } });
  });

  it('drops an incident no destination wants', () => {
    const signal = routeEvent(event({ type: 'dnsbl.listed', subject: 'ip:192.0.2.1', severity: 'info' }), webhooks({ destinations: [{ name: 'x', url: 'https://h.example/x', minSeverity: 'critical' }] }))[0]!;
    expect(applySignal(undefined, signal, 30_000)).toEqual({ change: 'none' });
  });

  it('leaves one firing alert for a sender and its domain throttled, then both suspended', () => {
    const action = (kind: 'sender' | 'domain', id: string, fromAction: string, toAction: string, seconds: number) =>
      event({
        type: `${kind}.${toAction === 'suspend' ? 'suspended' : 'throttled'}`,
        subject: `${kind}:${id}`,
        severity: toAction === 'suspend' ? 'critical' : 'warning',
        payload: { kind, id, fromAction, toAction, ...(kind === 'sender' ? { domain: 'deals.example' } : {}) },
        at: at(seconds),
      });
    const alerts = new Map<string, Alert>();
    const notifications: string[] = [];
    for (const routed of [
      action('sender', 'blaster', 'allow', 'throttle', 0),
      action('domain', 'deals.example', 'allow', 'throttle', 5),
      action('sender', 'blaster', 'throttle', 'suspend', 40),
      action('domain', 'deals.example', 'throttle', 'suspend', 45),
    ]) {
      for (const signal of routeEvent(routed, config)) {
        const outcome = applySignal(alerts.get(signal.dedupKey), signal, 30_000);
        if (outcome.change === 'none') continue;
        // The router sends a due trigger between passes; here the throttle's went out at 30 s.
        alerts.set(signal.dedupKey, { ...outcome.alert, notifiedAt: outcome.alert.notifiedAt ?? (outcome.alert.notifyAfter <= routed.at ? outcome.alert.notifyAfter : null) });
        if (outcome.notify) notifications.push(`${outcome.notify} ${signal.dedupKey}`);
      }
    }
    const firing = [...alerts.values()].filter((alert) => alert.state === 'firing');
    expect(firing.map((alert) => [alert.dedupKey, alert.subjects])).toEqual([['reputation:suspended:domain:deals.example', ['sender:blaster', 'domain:deals.example']]]);
    expect(notifications).toEqual(['resolve reputation:throttled:domain:deals.example']);
  });
});
