// Request body limits: a body over the route's limit is refused with 413 in the API's error shape
// before it is read whole (a Content-Length over the limit is refused unread; a chunked body is
// read only up to the limit).
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { WardenError } from '../errors';
import type { ApiEnv } from './env';

/** Forms and small JSON bodies: a login, a reason, an override. */
export const smallBodyBytes = 8 * 1024;

const tooLarge = (maxBytes: number) => new WardenError('E_TOO_LARGE', `the request body is over ${maxBytes} bytes, the limit of this route`, 413);

export function limitBody(maxBytes: number): MiddlewareHandler<ApiEnv> {
  const streamed = bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw tooLarge(maxBytes);
    },
  });
  return async (c, next) => {
    // A body of declared length is judged by its header here. hono's check reads the request's body
    // stream to learn whether there is one, which makes @hono/node-server build a whole WHATWG
    // Request (and an AbortController) for every request, a GET too, and read the body through it
    // rather than straight from the socket: a third of the server's CPU for a one-recipient check.
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (Number.parseInt(length, 10) > maxBytes) throw tooLarge(maxBytes);
      return next();
    }
    // Chunked (or no length): counted as it is read, stopped at the limit.
    return streamed(c, next);
  };
}
