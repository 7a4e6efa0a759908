// POST /api/v1/events: the relay reports what it sent (the denominator of every rate).
// A JSON array or NDJSON, up to 10,000 rows; bad rows are reported by index, good ones kept.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { isIP } from 'node:net';
import { relayFingerprintShape } from '../analysis/fingerprints';
import type { Db } from '../db/client';
import { storeSendEvents, type SendEventInput } from '../db/send-events';
import { WardenError } from '../errors';
import { requireScope } from './auth';
import type { ApiEnv } from './env';
import { authErrorResponses, errorBody } from './errors';

export const maxEventsPerRequest = 10_000;

const domain = z.string().min(1).max(253).regex(/^[a-z0-9.-]+$/i, 'expected a domain name');
const ipAddress = z.string().refine((text) => isIP(text) !== 0, 'expected an IPv4 or IPv6 address');

export const sendEventRow = z
  .object({
    messageId: z.string().min(1).max(998),
    /** The recipient address, or any stable opaque token for it (e.g. a hash) on anonymous services. */
    recipient: z.string().min(1).max(320).optional(),
    sender: z.string().min(1).max(320),
    senderDomain: domain,
    recipientDomain: domain,
    ip: ipAddress,
    at: z.iso.datetime({ offset: true }),
    outcome: z.enum(['delivered', 'deferred', 'bounced']).optional(),
    clientAddress: ipAddress.optional(),
    saslUsername: z.string().min(1).max(320).optional(),
    /**
     * The relay's content fingerprint of the message (e.g. a hash of its normalised body, or the
     * sending application's template id), also written into the message as X-Warden-Fingerprint:
     * a fingerprint then has a complaint rate of its own, so a template many good senders share is
     * never taken for a campaign.
     */
    fingerprint: z.string().regex(relayFingerprintShape, 'expected 1-128 letters, digits or . _ : + / = -').optional(),
  })
  .openapi('SendEvent');

const resultBody = z.object({
  received: z.number(),
  stored: z.number(),
  duplicates: z.number(),
  rejected: z.array(z.object({ index: z.number(), error: z.string() })),
});

const postEventsRoute = createRoute({
  method: 'post',
  path: '/events',
  tags: ['relay'],
  security: [{ bearer: [] }],
  description:
    'Send events as a JSON array (application/json) or one JSON object per line (application/x-ndjson), ' +
    `at most ${maxEventsPerRequest} per request. Idempotent on messageId + recipient (recipientDomain when no recipient is given).`,
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.array(sendEventRow) }, 'application/x-ndjson': { schema: z.string() } },
    },
  },
  responses: {
    200: { description: 'Stored; rows that failed validation are listed by index', content: { 'application/json': { schema: resultBody } } },
    400: { description: 'The body is not JSON / NDJSON', content: { 'application/json': { schema: errorBody } } },
    413: { description: 'More rows than allowed in one request', content: { 'application/json': { schema: errorBody } } },
    ...authErrorResponses,
  },
});

function parseRows(text: string, contentType: string): unknown[] {
  const trimmed = text.trimStart();
  if (contentType.includes('ndjson') || (!trimmed.startsWith('[') && trimmed.startsWith('{'))) {
    return text.split(/\r?\n/).flatMap((line, lineIndex) => {
      if (line.trim() === '') return [];
      try {
        return [JSON.parse(line) as unknown];
      } catch {
        return [{ __unparsable: `line ${lineIndex + 1} is not JSON` }];
      }
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new WardenError('E_VALIDATION', `body is not JSON: ${(error as Error).message}`, 400);
  }
  if (!Array.isArray(parsed)) throw new WardenError('E_VALIDATION', 'expected a JSON array of send events', 400);
  return parsed;
}

export function sendEventsRouter(db: Db) {
  const router = new OpenAPIHono<ApiEnv>();
  router.use('/events', requireScope('relay'));
  // Documented with its schema, but validated row by row below, so one bad row does not reject the others.
  router.openAPIRegistry.registerPath(postEventsRoute);
  return router.post('/events', async (c) => {
      const rows = parseRows(await c.req.text(), c.req.header('content-type') ?? '');
      if (rows.length > maxEventsPerRequest) {
        throw new WardenError('E_TOO_LARGE', `${rows.length} events in one request; send at most ${maxEventsPerRequest}`, 413);
      }
      const valid: SendEventInput[] = [];
      const rejected: { index: number; error: string }[] = [];
      rows.forEach((row, index) => {
        if (row && typeof row === 'object' && '__unparsable' in row) {
          rejected.push({ index, error: String((row as { __unparsable: string }).__unparsable) });
          return;
        }
        const parsed = sendEventRow.safeParse(row);
        if (!parsed.success) {
          rejected.push({ index, error: parsed.error.issues.map((i) => `${i.path.join('.') || '(row)'}: ${i.message}`).join('; ') });
          return;
        }
        const event = parsed.data;
        valid.push({
          messageId: event.messageId,
          recipientKey: event.recipient?.toLowerCase() ?? `@${event.recipientDomain.toLowerCase()}`,
          sender: event.sender,
          senderDomain: event.senderDomain.toLowerCase(),
          recipientDomain: event.recipientDomain.toLowerCase(),
          ip: event.ip,
          at: new Date(event.at),
          outcome: event.outcome,
          clientAddress: event.clientAddress,
          saslUsername: event.saslUsername,
          fingerprint: event.fingerprint,
        });
      });
      const result = await storeSendEvents(db, valid);
      c.get('logger').info({ received: rows.length, stored: result.stored, duplicates: result.duplicates, rejected: rejected.length }, 'send events');
      return c.json({ received: rows.length, stored: result.stored, duplicates: result.duplicates, rejected }, 200);
  });
}
