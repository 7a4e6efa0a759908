// Request body limits: a body over the route's limit is refused with 413 in the API's error shape
// before it is read whole (a Content-Length over the limit is refused unread; a chunked body is
// read only up to the limit).
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { WardenError } from '../errors';
import type { ApiEnv } from './env';

/** Forms and small JSON bodies: a login, a reason, an override. */
export const smallBodyBytes = 8 * 1024;

export function limitBody(maxBytes: number): MiddlewareHandler<ApiEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new WardenError('E_TOO_LARGE', `the request body is over ${maxBytes} bytes, the limit of this route`, 413);
    },
  });
}
