// One-click unsubscribe (RFC 8058), without login: a receiver (or the recipient) POSTs
// `List-Unsubscribe=One-Click` to the link a message carried, and the recipient the signed token
// names is suppressed for the token's scope. GET shows a page with one button and changes nothing:
// link scanners and prefetchers follow GETs (RFC 8058 §3.2).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { suppressRecipient, type Suppression } from '../enforcement/suppression';
import { oneClickRequestsTotal } from '../metrics';
import { oneClickPath, readToken } from '../suppression/one-click';
import type { ApiEnv } from './env';
import { errorBody, errorReply } from './errors';

const pageHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // The token is in the URL: never sent on as a Referer.
  'referrer-policy': 'no-referrer',
  'content-security-policy': "default-src 'none'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};

const page = (title: string, body: string) =>
  `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><title>${title}</title></head><body><main><h1>${title}</h1>${body}</main></body></html>\n`;

const refusedPage = page('This unsubscribe link is not valid', '<p>It may have been copied incompletely. Use the unsubscribe link of a recent message, or reply to its sender.</p>');

const tokenParam = z.object({ token: z.string().min(1).max(2048) });

const getRoute = createRoute({
  method: 'get',
  path: `${oneClickPath}/{token}`,
  operationId: 'showUnsubscribePage',
  summary: 'The unsubscribe page of a one-click link (changes nothing)',
  tags: ['one-click'],
  // No credentials: the signed token is the authority.
  security: [],
  request: { params: tokenParam },
  responses: {
    200: { description: 'A page with one button that POSTs List-Unsubscribe=One-Click', content: { 'text/html': { schema: z.string() } } },
    400: { description: 'A token not signed by this server (forged, altered or cut short)', content: { 'text/html': { schema: z.string() } } },
  },
});

const postRoute = createRoute({
  method: 'post',
  path: `${oneClickPath}/{token}`,
  operationId: 'oneClickUnsubscribe',
  summary: 'One-click unsubscribe (RFC 8058)',
  tags: ['one-click'],
  security: [],
  description: 'No login: the signed token is the authority. Suppresses the recipient it names for its scope (reason unsubscribe).',
  request: {
    params: tokenParam,
    body: { required: true, content: { 'application/x-www-form-urlencoded': { schema: z.object({ 'List-Unsubscribe': z.literal('One-Click') }) } } },
  },
  responses: {
    200: { description: 'Unsubscribed', content: { 'text/html': { schema: z.string() } } },
    400: { description: 'A token not signed by this server, or no List-Unsubscribe=One-Click in the body', content: { 'text/html': { schema: z.string() } } },
    409: errorReply('Suppression is off'),
  },
});

export function oneClickRouter(suppression: Suppression | undefined, clock: () => Date) {
  const router = new OpenAPIHono<ApiEnv>();
  router.openAPIRegistry.registerPath(getRoute);
  router.openAPIRegistry.registerPath(postRoute);
  const claimsOf = (c: Context<ApiEnv>) => (suppression ? readToken(suppression.tokenKey, c.req.param('token') ?? '') : null);

  router.get(`${oneClickPath}/:token`, (c) => {
    if (!claimsOf(c)) return c.body(refusedPage, 400, pageHeaders);
    // A form posting back to this same URL: the one state change, on the recipient's click.
    const form = '<p>Stop receiving these messages?</p><form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>';
    return c.body(page('Unsubscribe', form), 200, pageHeaders);
  });

  router.post(`${oneClickPath}/:token`, async (c) => {
    const claims = claimsOf(c);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    if (!claims || form['List-Unsubscribe'] !== 'One-Click') {
      oneClickRequestsTotal.inc({ outcome: 'refused' });
      c.get('logger').warn({ signed: claims !== null }, 'one-click unsubscribe refused');
      return c.body(refusedPage, 400, pageHeaders);
    }
    await suppressRecipient(suppression!, { recipientHash: claims.recipientHash }, { scope: claims.scope, scopeId: claims.scopeId, reason: 'unsubscribe', source: 'oneClick', actor: 'one-click', note: 'one-click unsubscribe (RFC 8058)' }, clock());
    oneClickRequestsTotal.inc({ outcome: 'suppressed' });
    return c.body(page('You are unsubscribed', '<p>You will not receive these messages any more.</p>'), 200, pageHeaders);
  });
  return router;
}
