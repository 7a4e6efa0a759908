import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../../src/api/login-throttle';
import { csrfTokenOf, decodeSession, encodeSession, newSessionClaims, sessionKey } from '../../../src/api/session-cookie';

const now = new Date('2026-11-20T12:00:00Z');
const key = sessionKey(Buffer.from('x'.repeat(32)), 'digest-of-the-password');

describe('session cookie', () => {
  it('decodes what it encoded, until the expiry', () => {
    const claims = newSessionClaims('dashboard', 'password', now, 12);
    const cookie = encodeSession(claims, key);
    expect(decodeSession(cookie, () => key, now)).toEqual(claims);
    expect(decodeSession(cookie, () => key, new Date(now.getTime() + 12 * 3_600_000 - 1))).toEqual(claims);
    expect(decodeSession(cookie, () => key, new Date(now.getTime() + 12 * 3_600_000))).toBeNull();
  });

  it('refuses a cookie signed with another key, or for a credential that is gone', () => {
    const cookie = encodeSession(newSessionClaims('dashboard', 'password', now, 1), key);
    expect(decodeSession(cookie, () => sessionKey(Buffer.from('x'.repeat(32)), 'another password'), now)).toBeNull();
    expect(decodeSession(cookie, () => undefined, now)).toBeNull();
  });

  it('refuses malformed values without throwing', () => {
    for (const value of ['', 'v1', 'v1..', 'v2.e30.abc', 'v1.bm90IGpzb24.abc', `v1.${Buffer.from('{"sub":1}').toString('base64url')}.abc`, 'v1.a.b.c']) {
      expect(decodeSession(value, () => key, now)).toBeNull();
    }
  });

  it('derives a different CSRF token per session', () => {
    const first = newSessionClaims('dashboard', 'password', now, 1);
    const second = newSessionClaims('dashboard', 'password', now, 1);
    expect(csrfTokenOf(first, key)).toBe(csrfTokenOf(first, key));
    expect(csrfTokenOf(first, key)).not.toBe(csrfTokenOf(second, key));
  });
});

describe('login throttle', () => {
  it('refuses a client after 3 failures in the window, and lets it in once the oldest leaves', () => {
    const throttle = new LoginThrottle({ maxFailures: 3, windowMs: 60_000 });
    const at = (ms: number) => new Date(now.getTime() + ms);
    throttle.recordFailure('198.51.100.7', at(0));
    throttle.recordFailure('198.51.100.7', at(10_000));
    expect(throttle.retryAfterMs('198.51.100.7', at(10_000))).toBe(0);
    throttle.recordFailure('198.51.100.7', at(20_000));
    expect(throttle.retryAfterMs('198.51.100.7', at(20_000))).toBe(40_000);
    expect(throttle.retryAfterMs('203.0.113.1', at(20_000))).toBe(0);
    expect(throttle.retryAfterMs('198.51.100.7', at(60_001))).toBe(0);
  });

  it('forgets a client’s failures when it logs in', () => {
    const throttle = new LoginThrottle({ maxFailures: 1, windowMs: 60_000 });
    throttle.recordFailure('a', now);
    throttle.recordSuccess('a');
    expect(throttle.retryAfterMs('a', now)).toBe(0);
  });
});
