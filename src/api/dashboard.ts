// The web dashboard: its pages and assets under /ui, login and logout with a session cookie, and
// the session's CSRF token for the page scripts. The data comes from the /api routes.
import { createHash } from 'node:crypto';
import { basename, dirname } from 'node:path';
import { Hono, type Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ApiEnv } from './env';
import { matchesEtag } from './etag';
import { foreignOriginReason, servedOverHttps } from './csrf';
import { sessionCookieName, type DashboardSessions } from './dashboard-sessions';
import { errorResponse } from './errors';
import { LoginThrottle } from './login-throttle';
import { dashboardSecurityHeaders } from './security-headers';
import { chartJsPath, readStaticFile, webRoot } from './static-files';

/** Why a login failed, shown by the login page from a fixed list (never text from the request). */
export type LoginError = 'invalid' | 'throttled' | 'origin' | 'unconfigured' | 'expired';

export function dashboardRouter(sessions: DashboardSessions, clock: () => Date) {
  const throttle = new LoginThrottle();
  const router = new Hono<ApiEnv>();
  router.use('/', dashboardSecurityHeaders);
  router.use('/ui', dashboardSecurityHeaders);
  router.use('/ui/*', dashboardSecurityHeaders);

  const session = async (c: Context<ApiEnv>) => {
    const cookie = getCookie(c, sessionCookieName);
    return cookie ? sessions.read(cookie, clock()) : null;
  };
  const file = async (c: Context<ApiEnv>, root: string, path: string) => {
    const found = await readStaticFile(root, path);
    if (!found) return errorResponse(c, 404, 'E_NOT_FOUND', `no dashboard file ${path}`);
    // Revalidated on every load (the files change with every upgrade), answered 304 when unchanged:
    // chart.js alone is 200 KB a page load otherwise.
    const etag = `"${createHash('sha256').update(found.body).digest('base64url').slice(0, 27)}"`;
    const headers = { 'cache-control': 'no-cache', etag };
    if (matchesEtag(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
    return c.body(found.body as Uint8Array<ArrayBuffer>, 200, { 'content-type': found.contentType, ...headers });
  };
  const toLogin = (c: Context<ApiEnv>, error?: LoginError) => c.redirect(error ? `/ui/login?error=${error}` : '/ui/login', 303);

  router.get('/', (c) => c.redirect('/ui/', 302));
  router.get('/ui', (c) => c.redirect('/ui/', 302));
  router.get('/ui/', async (c) => ((await session(c)) ? file(c, webRoot, 'index.html') : c.redirect('/ui/login', 302)));
  router.get('/ui/login', async (c) => ((await session(c)) ? c.redirect('/ui/', 302) : file(c, webRoot, 'login.html')));

  router.post('/ui/login', async (c) => {
    const now = clock();
    // A forged login would put the victim in the attacker's session: same-origin only.
    if (foreignOriginReason(c)) return toLogin(c, 'origin');
    if (!sessions.loginPossible) return toLogin(c, 'unconfigured');
    const client = c.get('clientAddress');
    const waitMs = throttle.retryAfterMs(client, now);
    if (waitMs > 0) {
      c.header('Retry-After', String(Math.ceil(waitMs / 1000)));
      return toLogin(c, 'throttled');
    }
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const secret = typeof form.secret === 'string' ? form.secret : '';
    const opened = secret ? sessions.login(secret, now) : null;
    if (!opened) {
      throttle.recordFailure(client, now);
      c.get('logger').warn({ client }, 'dashboard login refused');
      return toLogin(c, 'invalid');
    }
    throttle.recordSuccess(client);
    setCookie(c, sessionCookieName, opened.cookie, {
      path: '/',
      httpOnly: true,
      sameSite: 'Strict',
      secure: servedOverHttps(c),
      expires: new Date(opened.claims.exp),
    });
    c.get('logger').info({ user: opened.claims.sub, via: opened.claims.via }, 'dashboard login');
    return c.redirect('/ui/', 303);
  });

  // A plain form post (no script needed); the Origin check keeps other sites from logging ops out.
  // The session is ended on the server too: a copy of the cookie (another tab, a stolen one) stops working.
  router.post('/ui/logout', async (c) => {
    if (foreignOriginReason(c)) return errorResponse(c, 403, 'E_CSRF', `refused a cross-site logout: ${foreignOriginReason(c)}`);
    const claims = await session(c);
    if (claims) await sessions.end(claims, clock());
    deleteCookie(c, sessionCookieName, { path: '/', httpOnly: true, sameSite: 'Strict', secure: servedOverHttps(c) });
    return toLogin(c);
  });

  router.get('/ui/session', async (c) => {
    const claims = await session(c);
    c.header('cache-control', 'no-store');
    if (!claims) return errorResponse(c, 401, 'E_UNAUTHORIZED', 'no dashboard session: log in at /ui/login');
    return c.json({ user: claims.sub, via: claims.via, expiresAt: new Date(claims.exp).toISOString(), csrfToken: sessions.csrfToken(claims) });
  });

  router.get('/ui/vendor/chart.umd.min.js', (c) => file(c, dirname(chartJsPath), basename(chartJsPath)));
  router.get('/ui/*', (c) => file(c, webRoot, c.req.path.slice('/ui/'.length)));
  return router;
}
