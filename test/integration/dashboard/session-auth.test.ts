// Dashboard login, session cookie, CSRF and Content-Security-Policy, through the app factory.
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allJobs } from '../../../src/jobs';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { resolveJobs } from '../../../src/scheduler/scheduler';
import { testEngines } from '../../support/engines';
import { json } from '../../support/http';

const password = 'correct horse battery staple';
const opsToken = 'ops-token-0123456789abcdef01';
const relayToken = 'relay-token-0123456789abcdef0';
const origin = 'http://localhost';
let now = new Date('2026-11-20T12:00:00Z');
const config = (dashboard: Record<string, unknown> = { password, sessionSecret: 's'.repeat(32) }) =>
  wardenConfigSchema.parse({
    auth: { tokens: [{ name: 'ops-alice', token: opsToken, scopes: ['ops'] }, { name: 'postfix', token: relayToken, scopes: ['relay'] }] },
    dashboard,
  });

describe('dashboard sessions', () => {
  let database: Database;
  let app: ReturnType<typeof createApp>;
  const make = (cfg = config()) => createApp({ database, config: cfg, logger: pino({ level: 'silent' }), jobs: resolveJobs(allJobs, {}), clock: () => now });
  beforeAll(async () => {
    database = await testEngines()[0]!.open();
    app = make();
  });
  afterAll(() => database.close());

  const login = (secret: string, headers: Record<string, string> = { origin }, target = app) =>
    target.request('/ui/login', { method: 'POST', body: new URLSearchParams({ secret }), headers });
  const cookieOf = (response: Response) => /warden_session=([^;]+)/.exec(response.headers.get('set-cookie') ?? '')?.[1];
  const sessionOf = async (secret = password) => {
    const cookie = cookieOf(await login(secret));
    if (!cookie) throw new Error('login did not set a cookie');
    const session = await json(app.request('/ui/session', { headers: { cookie: `warden_session=${cookie}` } }));
    return { cookie: `warden_session=${cookie}`, csrf: session.csrfToken as string, session };
  };

  it('logs in with the password: HttpOnly, SameSite=Strict cookie, redirect to the dashboard', async () => {
    const response = await login(password);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/ui/');
    const setCookie = response.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^warden_session=v1\./);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).not.toContain('Secure');
  });

  it('marks the cookie Secure when served over https (directly or behind a proxy)', async () => {
    const direct = await app.request('https://warden.example/ui/login', { method: 'POST', body: new URLSearchParams({ secret: password }), headers: { origin: 'https://warden.example' } });
    expect(direct.headers.get('set-cookie')).toContain('Secure');
    const proxied = await login(password, { origin: 'https://warden.example', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'warden.example' });
    expect(proxied.headers.get('set-cookie')).toContain('Secure');
  });

  it('logs in with an ops token as that token, but not with a relay token', async () => {
    const { session } = await sessionOf(opsToken);
    expect(session).toMatchObject({ user: 'ops-alice', via: 'token' });
    const refused = await login(relayToken);
    expect(refused.headers.get('location')).toBe('/ui/login?error=invalid');
    expect(refused.headers.get('set-cookie')).toBeNull();
  });

  it('refuses a wrong password, and a login form posted from another site', async () => {
    expect((await login('not the password')).headers.get('location')).toBe('/ui/login?error=invalid');
    const forged = await login(password, { origin: 'https://evil.example' });
    expect(forged.headers.get('location')).toBe('/ui/login?error=origin');
    expect(forged.headers.get('set-cookie')).toBeNull();
  });

  it('lets the session read the API as ops without a bearer token', async () => {
    const { cookie } = await sessionOf();
    const response = await app.request('/api/v1/senders', { headers: { cookie } });
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({ items: [], total: 0 });
  });

  it('requires the CSRF token and our Origin on state-changing requests made with the session', async () => {
    const { cookie, csrf } = await sessionOf();
    const override = (headers: Record<string, string>) =>
      app.request('/api/v1/senders/bob/override', { method: 'POST', body: JSON.stringify({ action: 'suspend', reason: 'phishing kit' }), headers: { cookie, 'content-type': 'application/json', ...headers } });
    const missing = await override({ origin });
    expect(missing.status).toBe(403);
    expect((await json(missing)).error).toMatchObject({ code: 'E_CSRF', message: expect.stringContaining('x-csrf-token') });
    expect((await override({ origin, 'x-csrf-token': `${csrf}x` })).status).toBe(403);
    const foreign = await override({ origin: 'https://evil.example', 'x-csrf-token': csrf });
    expect(foreign.status).toBe(403);
    expect((await json(foreign)).error.message).toContain('https://evil.example');
    expect((await override({ 'x-csrf-token': csrf })).status).toBe(403);
    const accepted = await override({ origin, 'x-csrf-token': csrf });
    expect(accepted.status).toBe(200);
    expect((await json(accepted)).policy).toMatchObject({ action: 'suspend', source: 'manual', reason: 'manual (dashboard): phishing kit' });
  });

  it('gives each session its own CSRF token', async () => {
    const first = await sessionOf();
    const second = await sessionOf();
    expect(first.csrf).not.toBe(second.csrf);
    const crossed = await app.request('/api/v1/senders/bob/override', {
      method: 'DELETE',
      headers: { cookie: first.cookie, origin, 'x-csrf-token': second.csrf },
    });
    expect(crossed.status).toBe(403);
  });

  it('keeps bearer-token API calls free of CSRF checks', async () => {
    const response = await app.request('/api/v1/senders/carol/override', {
      method: 'POST',
      body: JSON.stringify({ action: 'throttle', reason: 'new account' }),
      headers: { authorization: `Bearer ${opsToken}`, 'content-type': 'application/json' },
    });
    expect(response.status).toBe(200);
  });

  it('ends a session at its expiry, and when the password changes', async () => {
    const { cookie } = await sessionOf();
    now = new Date(now.getTime() + 11 * 3_600_000);
    expect((await app.request('/api/v1/senders', { headers: { cookie } })).status).toBe(200);
    const changed = make(config({ password: 'a brand new password', sessionSecret: 's'.repeat(32) }));
    expect((await changed.request('/api/v1/senders', { headers: { cookie } })).status).toBe(401);
    now = new Date(now.getTime() + 2 * 3_600_000);
    const expired = await app.request('/api/v1/senders', { headers: { cookie } });
    expect(expired.status).toBe(401);
    expect((await json(expired)).error.message).toContain('log in again');
  });

  it('refuses a cookie whose claims were altered', async () => {
    const { cookie } = await sessionOf();
    const [prefix, payload, signature] = cookie.slice('warden_session='.length).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 86_400_000 })).toString('base64url');
    expect((await app.request('/api/v1/senders', { headers: { cookie: `warden_session=${prefix}.${forged}.${signature}` } })).status).toBe(401);
  });

  it('slows down password guessing from one client', async () => {
    const guarded = make();
    for (let i = 0; i < 10; i++) await login(`guess ${i}`, { origin }, guarded);
    const locked = await login(password, { origin }, guarded);
    expect(locked.headers.get('location')).toBe('/ui/login?error=throttled');
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('serves the dashboard only to a session, with a strict Content-Security-Policy', async () => {
    const anonymous = await app.request('/ui/');
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe('/ui/login');
    const { cookie } = await sessionOf();
    const page = await app.request('/ui/', { headers: { cookie } });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await page.text();
    // No inline script or style for the CSP to have to allow.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=/);
    expect((await app.request('/ui/login')).headers.get('content-security-policy')).toBe(csp);
  });

  it('serves chart.js from node_modules and refuses paths outside web/', async () => {
    const chart = await app.request('/ui/vendor/chart.umd.min.js');
    expect(chart.status).toBe(200);
    expect(chart.headers.get('content-type')).toContain('javascript');
    expect((await chart.text()).length).toBeGreaterThan(100_000);
    // A .js file that exists outside web/: only the path check keeps it out.
    expect((await app.request('/ui/..%2Fnode_modules%2Fchart.js%2Fdist%2Fchart.js')).status).toBe(404);
    expect((await app.request('/ui/js/%2e%2e%2f%2e%2e%2fnode_modules/chart.js/dist/chart.js')).status).toBe(404);
    expect((await app.request('/ui/js/dom.js')).status).toBe(200);
  });

  it('answers a reload of an unchanged file with 304 by its entity tag', async () => {
    const first = await app.request('/ui/vendor/chart.umd.min.js');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]{27}"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const again = await app.request('/ui/vendor/chart.umd.min.js', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await app.request('/ui/vendor/chart.umd.min.js', { headers: { 'if-none-match': `W/${etag}, "other"` } })).status).toBe(304);
    // Another file, or a stale tag, gets the body.
    expect((await app.request('/ui/js/dom.js', { headers: { 'if-none-match': etag } })).status).toBe(200);
    expect((await app.request('/ui/vendor/chart.umd.min.js', { headers: { 'if-none-match': '"stale"' } })).status).toBe(200);
  });

  it('logs out with a same-origin form post that clears the cookie', async () => {
    const { cookie } = await sessionOf();
    expect((await app.request('/ui/logout', { method: 'POST', headers: { cookie, origin: 'https://evil.example' } })).status).toBe(403);
    const out = await app.request('/ui/logout', { method: 'POST', headers: { cookie, origin } });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/warden_session=;.*Max-Age=0/);
  });

  it('says how to log in when neither a password nor an ops token is configured', async () => {
    const bare = make(wardenConfigSchema.parse({}));
    expect((await login('anything', { origin }, bare)).headers.get('location')).toBe('/ui/login?error=unconfigured');
  });

  it('serves no dashboard when it is disabled', async () => {
    const off = make(config({ enabled: false }));
    expect((await off.request('/ui/login')).status).toBe(404);
  });
});
