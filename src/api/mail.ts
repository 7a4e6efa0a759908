// Complaints, bounces and the quarantine (ops scope): what mailbox ingestion stored, newest first,
// with cursor pagination.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Db } from '../db/client';
import { factsPage } from '../db/facts';
import { listQuarantine } from '../db/ingest-queries';
import { WardenError } from '../errors';
import { requireScope } from './auth';
import type { ApiEnv } from './env';
import { authErrorResponses, errorBody, errorReply } from './errors';
import { storableText, storableTimestamp } from './storable';

const security = [{ bearer: [] }];

const factBody = z.object({
  id: z.number(),
  kind: z.string(),
  reason: z.string().nullable(),
  hardBounce: z.boolean(),
  feedbackType: z.string().nullable(),
  counted: z.string(),
  recipient: z.string().nullable(),
  recipientDomain: z.string().nullable(),
  sender: z.string().nullable(),
  senderDomain: z.string().nullable(),
  ip: z.string().nullable(),
  originalMessageId: z.string().nullable(),
  status: z.string().nullable(),
  diagnosticCode: z.string().nullable(),
  subject: z.string().nullable(),
  source: z.string(),
  occurredAt: z.string(),
  storedAt: z.string(),
});

const factsQuery = z.object({
  sender: storableText.min(1).max(320).optional(),
  domain: storableText.min(1).max(253).optional().openapi({ description: 'sender domain' }),
  from: storableTimestamp.optional().openapi({ description: 'occurred at or after (inclusive)' }),
  to: storableTimestamp.optional().openapi({ description: 'occurred before (exclusive)' }),
  cursor: storableText.max(200).optional().openapi({ description: 'nextCursor of the previous page' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

class CursorError extends WardenError {
  constructor() {
    super('E_VALIDATION', 'cursor: not a cursor this API returned', 400);
  }
}

const encodeCursor = (at: Date, id: number) => Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');
function decodeCursor(cursor: string): { at: Date; id: number } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!storableTimestamp.safeParse(at).success || !/^\d{1,15}$/.test(id ?? '')) throw new CursorError();
  const date = new Date(at!);
  return { at: date, id: Number(id) };
}

const factsRoute = (path: '/complaints' | '/bounces', description: string) =>
  createRoute({
    method: 'get',
    path,
    operationId: path === '/complaints' ? 'listComplaints' : 'listBounces',
    summary: description,
    tags: ['mail'],
    security,
    request: { query: factsQuery },
    responses: {
      200: { description, content: { 'application/json': { schema: z.object({ items: z.array(factBody), nextCursor: z.string().nullable() }) } } },
      400: errorReply('Invalid filter or cursor'),
      ...authErrorResponses,
    },
  });

const quarantineQuery = z.object({
  status: z.enum(['open', 'resolved', 'all']).default('open'),
  cursor: z.string().regex(/^\d{1,15}$/, 'expected a nextCursor this API returned').optional().openapi({ description: 'nextCursor of the previous page' }),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

const quarantineRoute = createRoute({
  method: 'get',
  path: '/quarantine',
  operationId: 'listQuarantine',
  summary: 'Messages that could not be turned into facts',
  tags: ['mail'],
  security,
  request: { query: quarantineQuery },
  responses: {
    200: {
      description: 'Messages that could not be turned into facts, oldest first',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(
              z.object({
                id: z.number(),
                status: z.string(),
                reasonCode: z.string(),
                reason: z.string(),
                retries: z.number(),
                source: z.string(),
                folder: z.string(),
                uid: z.number().nullable(),
                size: z.number(),
                headersOnly: z.boolean(),
                quarantinedAt: z.string(),
                resolvedAt: z.string().nullable(),
              }),
            ),
            nextCursor: z.string().nullable(),
          }),
        },
      },
    },
    ...authErrorResponses,
  },
});

/** One page of stored complaints or bounces, newest first, and the cursor of the next. */
async function factsPageOf(db: Db, kind: 'complaint' | 'bounce', query: z.infer<typeof factsQuery>) {
  const rows = await factsPage(db, {
    kinds: [kind],
    sender: query.sender,
    senderDomain: query.domain,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
    before: query.cursor ? decodeCursor(query.cursor) : undefined,
    limit: query.limit,
  });
  const last = rows.at(-1);
  return {
    items: rows.map(({ details: _details, dedupKey: _dedupKey, ...row }) => ({ ...row, occurredAt: row.occurredAt.toISOString(), storedAt: row.storedAt.toISOString() })),
    nextCursor: rows.length === query.limit && last ? encodeCursor(last.occurredAt, last.id) : null,
  };
}

/** One page of the quarantine, oldest first, and the cursor of the next. */
async function quarantinePageOf(db: Db, query: z.infer<typeof quarantineQuery>) {
  const rows = await listQuarantine(db, { status: query.status === 'all' ? undefined : query.status, afterId: query.cursor ? Number(query.cursor) : undefined, limit: query.limit });
  return {
    items: rows.map((row) => ({ ...row, quarantinedAt: row.quarantinedAt.toISOString(), resolvedAt: row.resolvedAt?.toISOString() ?? null })),
    nextCursor: rows.length === query.limit ? String(rows.at(-1)!.id) : null,
  };
}

export function mailRouter(db: Db) {
  const router = new OpenAPIHono<ApiEnv>();
  for (const path of ['/complaints', '/bounces', '/quarantine']) router.use(path, requireScope('ops'));
  return router
    .openapi(factsRoute('/complaints', 'Complaints, newest first'), async (c) => c.json(await factsPageOf(db, 'complaint', c.req.valid('query')), 200))
    .openapi(factsRoute('/bounces', 'Bounces, newest first'), async (c) => c.json(await factsPageOf(db, 'bounce', c.req.valid('query')), 200))
    .openapi(quarantineRoute, async (c) => c.json(await quarantinePageOf(db, c.req.valid('query')), 200));
}
