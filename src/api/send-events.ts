// POST /api/v1/events: the relay reports what it sent (the denominator of every rate).
// A JSON array or NDJSON, up to 10,000 rows; bad rows are reported by index, good ones kept.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { isIP } from 'node:net';
import { relayFingerprintShape } from '../analysis/fingerprints';
import { databaseRefusedValue, type Db } from '../db/client';
import { storeSendEvents, type SendEventInput } from '../db/send-events';
import { WardenError } from '../errors';
import { requireScope } from './auth';
import { limitBody } from './body-limit';
import type { ApiEnv } from './env';
import { authErrorResponses, errorBody, errorResponse, errorReply } from './errors';
import { storableText, storableTimestamp } from './storable';

export const maxEventsPerRequest = 10_000;
/** Where the router is mounted: the one route whose body may be large. */
export const eventsPath = '/api/v1/events';
/**
 * A row with every field at its maximum length (messageId 998, three 320-character fields, two
 * domains of 253, two IPv6 addresses, the date-time and the keys) is about 2.8 KB of JSON: a
 * request of the maximum number of such rows fits the body limit.
 */
export const maxEventsBodyBytes = maxEventsPerRequest * 3 * 1024;
/**
 * Rows being stored at once over all requests (five full requests) past which a request is
 * answered 503 with Retry-After instead of queueing behind the others: a relay retries it later,
 * so nothing is lost, and a 2xx still means every row it counts is durable.
 */
export const maxEventRowsInFlight = 50_000;
/** Seconds a relay waits before resending a request refused for rows in flight. */
export const eventsBusyRetryAfterSeconds = 1;

const domain = z.string().min(1).max(253).regex(/^[a-z0-9.-]+$/i, 'expected a domain name');
const ipAddress = z.string().refine((text) => isIP(text) !== 0, 'expected an IPv4 or IPv6 address');

export const sendEventRow = z
  .object({
    messageId: storableText.min(1).max(998),
    /** The recipient address, or any stable opaque token for it (e.g. a hash) on anonymous services. */
    recipient: storableText.min(1).max(320).optional(),
    sender: storableText.min(1).max(320),
    senderDomain: domain,
    recipientDomain: domain,
    ip: ipAddress,
    at: storableTimestamp,
    outcome: z.enum(['delivered', 'deferred', 'bounced']).optional(),
    clientAddress: ipAddress.optional(),
    saslUsername: storableText.min(1).max(320).optional(),
    /**
     * The relay's content fingerprint of the message (e.g. a hash of its normalised body, or the
     * sending application's template id), also written into the message as X-Warden-Fingerprint:
     * a fingerprint then has a complaint rate of its own, so a template many good senders share is
     * never taken for a campaign.
     */
    fingerprint: z.string().regex(relayFingerprintShape, 'expected 1-128 letters, digits or . _ : + / = -').optional(),
  })
  .openapi('SendEvent');

/** Why one row was not stored: E_NOT_JSON (an NDJSON line), E_VALIDATION, E_NOT_STORABLE (the database refused it). */
const rejectedRow = z
  .object({
    index: z.number().openapi({ description: 'Position of the row in the request, from 0' }),
    code: z.enum(['E_NOT_JSON', 'E_VALIDATION', 'E_NOT_STORABLE']),
    message: z.string(),
  })
  .openapi('RejectedSendEvent');
type RejectedRow = z.infer<typeof rejectedRow>;

const resultBody = z
  .object({
    received: z.number(),
    stored: z.number().openapi({ description: 'New rows, stored and counted' }),
    duplicates: z.number().openapi({ description: 'Rows already stored by an earlier request (counted once)' }),
    rejected: z.array(rejectedRow).openapi({ description: 'Rows not stored; sending them again fails the same way' }),
  })
  .openapi('SendEventsResult');

const postEventsRoute = createRoute({
  method: 'post',
  path: '/events',
  operationId: 'postSendEvents',
  summary: 'Store send events from the relay',
  tags: ['relay'],
  security: [{ bearer: [] }],
  description:
    'Send events as a JSON array (application/json) or one JSON object per line (application/x-ndjson), ' +
    `at most ${maxEventsPerRequest} per request and ${maxEventsBodyBytes} bytes. Idempotent on messageId + recipient ` +
    '(recipientDomain when no recipient is given), so a retried request stores and counts nothing twice. Each row is ' +
    'checked on its own: 200 when every row is stored (or was already), 207 when some rows are rejected; the others ' +
    'are stored and durable all the same, so a relay treats 207 as done and logs the rejected rows, never resends them.',
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.array(sendEventRow) }, 'application/x-ndjson': { schema: z.string() } },
    },
  },
  responses: {
    200: { description: 'Every row stored (or already stored)', content: { 'application/json': { schema: resultBody } } },
    207: { description: 'Some rows rejected (listed by index); every other row is stored', content: { 'application/json': { schema: resultBody } } },
    400: errorReply('The body is not JSON / NDJSON'),
    413: errorReply('More rows or bytes than allowed in one request'),
    ...authErrorResponses,
    503: {
      description:
        `The database is unreachable, or more than ${maxEventRowsInFlight} rows are being stored already (E_BUSY); nothing of the ` +
        "request is stored: resend it after the Retry-After header's seconds",
      headers: { 'Retry-After': { schema: { type: 'integer' as const } } },
      content: { 'application/json': { schema: errorBody } },
    },
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

/** How a recipient is stored: as given (lower-cased), or keyed when suppression is on (no plain address at rest). */
export type RecipientKeyOf = (recipient: string) => string;
const asGiven: RecipientKeyOf = (recipient) => recipient.toLowerCase();

const toSendEvent = (event: z.infer<typeof sendEventRow>, recipientKeyOf: RecipientKeyOf): SendEventInput => ({
  messageId: event.messageId,
  recipientKey: event.recipient ? recipientKeyOf(event.recipient) : `@${event.recipientDomain.toLowerCase()}`,
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

/**
 * Stores the rows in one go; should the database refuse a value the schema let through, stores
 * them one by one instead, so only the refused rows are lost. The batch statement is atomic (one
 * transaction when chunked), so nothing of it is stored before the retry, which is idempotent anyway.
 */
async function storeKeepingGoodRows(db: Db, rows: { index: number; event: SendEventInput }[], rejected: RejectedRow[]) {
  try {
    return await storeSendEvents(db, rows.map((row) => row.event));
  } catch (error) {
    if (!databaseRefusedValue(error)) throw error;
  }
  const total = { stored: 0, duplicates: 0 };
  for (const { index, event } of rows) {
    try {
      const one = await storeSendEvents(db, [event]);
      total.stored += one.stored;
      total.duplicates += one.duplicates;
    } catch (error) {
      const refusal = databaseRefusedValue(error);
      if (!refusal) throw error;
      rejected.push({ index, code: 'E_NOT_STORABLE', message: `the database refused a value: ${refusal}` });
    }
  }
  rejected.sort((a, b) => a.index - b.index);
  return total;
}

export function sendEventsRouter(db: Db, rowsInFlightLimit = maxEventRowsInFlight, recipientKeyOf: RecipientKeyOf = asGiven) {
  const router = new OpenAPIHono<ApiEnv>();
  let rowsInFlight = 0;
  router.use('/events', requireScope('relay'));
  router.use('/events', limitBody(maxEventsBodyBytes));
  // Documented with its schema, but validated row by row below, so one bad row does not reject the others.
  router.openAPIRegistry.registerPath(postEventsRoute);
  return router.post('/events', async (c) => {
    const rows = parseRows(await c.req.text(), c.req.header('content-type') ?? '');
    if (rows.length > maxEventsPerRequest) {
      throw new WardenError('E_TOO_LARGE', `${rows.length} events in one request; send at most ${maxEventsPerRequest}`, 413);
    }
    const valid: { index: number; event: SendEventInput }[] = [];
    const rejected: RejectedRow[] = [];
    rows.forEach((row, index) => {
      if (row && typeof row === 'object' && '__unparsable' in row) {
        rejected.push({ index, code: 'E_NOT_JSON', message: String((row as { __unparsable: string }).__unparsable) });
        return;
      }
      const parsed = sendEventRow.safeParse(row);
      if (!parsed.success) {
        rejected.push({ index, code: 'E_VALIDATION', message: parsed.error.issues.map((i) => `${i.path.join('.') || '(row)'}: ${i.message}`).join('; ') });
        return;
      }
      valid.push({ index, event: toSendEvent(parsed.data, recipientKeyOf) });
    });
    // A request alone is always taken, whatever its size.
    if (rowsInFlight > 0 && rowsInFlight + valid.length > rowsInFlightLimit) {
      c.header('Retry-After', String(eventsBusyRetryAfterSeconds));
      c.get('logger').warn({ received: rows.length, rowsInFlight }, 'send events refused: too many rows being stored; the relay retries');
      return errorResponse(c, 503, 'E_BUSY', `${rowsInFlight} send events are being stored; resend this request after ${eventsBusyRetryAfterSeconds} s`);
    }
    rowsInFlight += valid.length;
    let result: { stored: number; duplicates: number };
    try {
      result = await storeKeepingGoodRows(db, valid, rejected);
    } finally {
      rowsInFlight -= valid.length;
    }
    c.get('logger').info({ received: rows.length, stored: result.stored, duplicates: result.duplicates, rejected: rejected.length }, 'send events');
    return c.json({ received: rows.length, stored: result.stored, duplicates: result.duplicates, rejected }, rejected.length === 0 ? 200 : 207);
  });
}
