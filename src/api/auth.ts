// Bearer-token authentication with scopes: `relay` for what a relay needs, `ops` for everything.
import { createHash } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { ApiScope, WardenConfig } from '../config/schema';
import type { ApiEnv, ApiPrincipal } from './env';
import { errorResponse } from './errors';

const digest = (token: string) => createHash('sha256').update(token).digest('hex');

/** Looks tokens up by their SHA-256, so comparing never leaks a configured token's bytes by timing. */
export function authenticate(tokens: WardenConfig['auth']['tokens']): MiddlewareHandler<ApiEnv> {
  const byDigest = new Map<string, ApiPrincipal>(tokens.map((t) => [digest(t.token), { name: t.name, scopes: t.scopes }]));
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
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
    const { scopes, name } = c.get('principal');
    if (!scopes.includes(scope) && !scopes.includes('ops')) {
      return errorResponse(c, 403, 'E_FORBIDDEN', `token ${name} lacks the ${scope} scope`);
    }
    await next();
  };
}
