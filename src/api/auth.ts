// Authentication with scopes: bearer tokens (`relay` for what a relay needs, `ops` for everything),
// or the dashboard's session cookie (ops, with CSRF checks on state-changing requests).
import { createHash } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { ApiScope, WardenConfig } from '../config/schema';
import { changesState, csrfHeader, foreignOriginReason } from './csrf';
import { sessionCookieName, type DashboardSessions } from './dashboard-sessions';
import type { ApiEnv, ApiPrincipal } from './env';
import { errorResponse } from './errors';
import { sameText } from './session-cookie';

/** SHA-256 hex of a secret: what tokens and passwords are compared and keyed by. */
export const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Looks tokens up by their SHA-256, so comparing never leaks a configured token's bytes by timing.
 * A request without an Authorization header may use a dashboard session cookie instead.
 */
export function authenticate(tokens: WardenConfig['auth']['tokens'], sessions?: DashboardSessions, clock: () => Date = () => new Date()): MiddlewareHandler<ApiEnv> {
  const byDigest = new Map<string, ApiPrincipal>(tokens.map((t) => [digest(t.token), { name: t.name, scopes: t.scopes }]));
  return async (c, next) => {
    const header = c.req.header('authorization');
    const cookie = sessions && header === undefined ? getCookie(c, sessionCookieName) : undefined;
    if (cookie !== undefined) {
      const claims = await sessions!.read(cookie, clock());
      if (!claims) return errorResponse(c, 401, 'E_UNAUTHORIZED', 'the dashboard session has expired or is not valid: log in again');
      if (changesState(c.req.method)) {
        const foreign = foreignOriginReason(c);
        if (foreign) return errorResponse(c, 403, 'E_CSRF', `refused a cross-site request: ${foreign}`);
        const offered = c.req.header(csrfHeader) ?? '';
        if (!sameText(offered, sessions!.csrfToken(claims))) {
          return errorResponse(c, 403, 'E_CSRF', `missing or wrong ${csrfHeader} header (GET /ui/session gives the token of this session)`);
        }
      }
      c.set('principal', { name: claims.sub, scopes: ['ops'] });
      c.get('logger').debug({ session: claims.sub }, 'authenticated by dashboard session');
      return next();
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    const principal = match ? byDigest.get(digest(match[1]!)) : undefined;
    if (!principal) {
      c.header('WWW-Authenticate', 'Bearer realm="relay-warden"');
      const message = byDigest.size === 0
        ? 'no API tokens are configured: add auth.tokens to warden.yaml'
        : match
          ? 'unknown bearer token'
          : 'missing Authorization: Bearer <token> header';
      return errorResponse(c, 401, 'E_UNAUTHORIZED', message);
    }
    c.set('principal', principal);
    c.get('logger').debug({ token: principal.name }, 'authenticated');
    await next();
  };
}

/** `ops` holds every scope; `relay` only relay routes. */
export function requireScope(scope: ApiScope): MiddlewareHandler<ApiEnv> {
  return async (c, next) => {
    const refused = scopeRefusal(c, scope);
    if (refused) return refused;
    await next();
  };
}

/** The 403 answer when the principal lacks `scope`, else undefined: for a handler that checks itself. */
export function scopeRefusal(c: Context<ApiEnv>, scope: ApiScope): Response | undefined {
  const { scopes, name } = c.get('principal');
  if (scopes.includes(scope) || scopes.includes('ops')) return undefined;
  return errorResponse(c, 403, 'E_FORBIDDEN', `token ${name} lacks the ${scope} scope`);
}
