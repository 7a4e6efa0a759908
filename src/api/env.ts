// Types shared by the API's routers: what the request context carries.
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Logger } from 'pino';
import type { ApiScope } from '../config/schema';

export interface ApiPrincipal {
  name: string;
  scopes: readonly ApiScope[];
}

export type ApiEnv = {
  Variables: {
    requestId: string;
    /** The client's address (see client-address.ts): the peer, or the one a trusted proxy names. */
    clientAddress: string;
    logger: Logger;
    principal: ApiPrincipal;
  };
};

export type ApiRouter = OpenAPIHono<ApiEnv>;
