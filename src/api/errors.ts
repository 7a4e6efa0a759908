// The one error shape of the API: {error: {code, message, requestId}}.
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { WardenError } from '../errors';
import type { ApiEnv } from './env';

export const errorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'E_UNAUTHORIZED' }),
      message: z.string(),
      requestId: z.string().optional(),
    }),
  })
  .openapi('Error');

export function errorResponse<S extends ContentfulStatusCode>(c: Context<ApiEnv, any, any>, status: S, code: string, message: string) {
  return c.json({ error: { code, message, requestId: c.get('requestId') } }, status);
}

export function handleError(error: Error, c: Context<ApiEnv>) {
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

/** Standard responses every authenticated route can answer. */
export const authErrorResponses = {
  401: { description: 'Missing or unknown bearer token', content: { 'application/json': { schema: errorBody } } },
  403: { description: 'Token lacks the scope this route needs', content: { 'application/json': { schema: errorBody } } },
} as const;
