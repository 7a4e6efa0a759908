// The one error shape of the API: {error: {code, message, requestId}}.
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { databaseUnavailable } from '../db/client';
import { WardenError } from '../errors';
import type { ApiEnv } from './env';
import { jsonResponse } from './json-object';

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'E_UNAUTHORIZED' }),
      message: z.string(),
      requestId: z.string().optional(),
    }),
  })
  .openapi('Error');

/** An OpenAPI error response: the one error body, with what the status means on that route. */
export const errorReply = (description: string) => jsonResponse(errorBody, description);

export function errorResponse<S extends ContentfulStatusCode>(c: Context<ApiEnv, any, any>, status: S, code: string, message: string) {
  return c.json({ error: { code, message, requestId: c.get('requestId') } }, status);
}

/** Seconds a client waits before retrying while the database is unreachable. */
export const databaseRetryAfterSeconds = 5;

export function handleError(error: Error, c: Context<ApiEnv>) {
  // Before WardenError: the pool's own connect failure is one too (E_DB_CONNECT), and a client
  // should retry both alike, not give up on a 500.
  if (databaseUnavailable(error)) {
    c.get('logger')?.warn({ err: error }, 'database unavailable');
    c.header('Retry-After', String(databaseRetryAfterSeconds));
    return errorResponse(c, 503, 'E_DB_UNAVAILABLE', 'the database is not answering; retry later');
  }
  if (error instanceof WardenError) {
    if (error.status >= 500) c.get('logger')?.error({ err: error }, 'request failed');
    return errorResponse(c, error.status as ContentfulStatusCode, error.code, error.message);
  }
  if (error instanceof HTTPException) {
    return errorResponse(c, error.status as ContentfulStatusCode, `E_HTTP_${error.status}`, error.message || 'request rejected');
  }
  c.get('logger')?.error({ err: error }, 'unexpected error');
  return errorResponse(c, 500, 'E_INTERNAL', 'internal error; the request id is in the server log');
}

/** What a route that reads or writes the database answers while the database is unreachable. */
export const unavailableResponses = {
  503: {
    description: `The database is unreachable; retry after the Retry-After header's seconds (${databaseRetryAfterSeconds})`,
    headers: { 'Retry-After': { schema: { type: 'integer' as const } } },
    content: { 'application/json': { schema: errorBody } },
  },
} as const;

/** Standard responses every authenticated route can answer. */
export const authErrorResponses = {
  401: errorReply('Missing or unknown bearer token'),
  403: errorReply('Token lacks the scope this route needs'),
} as const;
