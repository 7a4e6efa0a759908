// POST /api/v1/policy/senders/{id}/accepted (relay scope): a relay that asks the policy API
// reports each message it accepted, so the sender's hourly and daily counts are shared by every
// relay process and instance, as the Postfix policy server's are (the same hourly counter).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { domainOf } from '../analysis/addresses';
import type { SendEventInput } from '../db/send-events';
import type { HourlyCounter } from '../relay/hourly-counter';
import { requireScope } from './auth';
import type { ApiEnv } from './env';
import { authErrorResponses } from './errors';
import { sendEventRow } from './send-events';

const maxSenderLength = 320;

const sendEventOfMessage = sendEventRow
  .pick({ messageId: true, senderDomain: true, recipientDomain: true, ip: true, clientAddress: true, saslUsername: true, fingerprint: true })
  .partial({ senderDomain: true, recipientDomain: true, ip: true })
  .openapi('AcceptedMessageSendEvent', {
    description:
      'The message as a send event (the volume behind every rate), stored with the count. senderDomain defaults to the ' +
      "sender id's domain, recipientDomain and ip to `unknown`.",
  });

const acceptedBody = z
  .object({
    sendEvent: sendEventOfMessage.optional().openapi({
      description: 'Absent when the relay reports its deliveries through POST /events instead (or they would count twice)',
    }),
  })
  .openapi('AcceptedMessage');

const countsBody = z
  .object({
    sender: z.string(),
    acceptedThisHour: z.number().openapi({ description: 'Messages accepted for the sender this UTC hour, this one included, as known to this instance' }),
    acceptedToday: z.number().openapi({ description: 'The same for this UTC day' }),
  })
  .openapi('AcceptedCounts');

const acceptedRoute = createRoute({
  method: 'post',
  path: '/policy/senders/{id}/accepted',
  operationId: 'countAcceptedMessage',
  summary: 'Count a message accepted for a sender toward its limits',
  tags: ['relay'],
  security: [{ bearer: [] }],
  description:
    'Counts one message accepted for the sender toward its hourly and daily limits (the counts GET /policy/senders/{id} ' +
    'judges `refusal` on), and with `sendEvent` stores it as a send event. Report a message once, after it is accepted: ' +
    'a refused or deferred message does not count. Answered once the count is taken; it reaches the database and the ' +
    'other instances within relay.policyServer.countFlushMs.',
  request: {
    params: z.object({ id: z.string().min(1).max(maxSenderLength) }),
    body: { required: true, content: { 'application/json': { schema: acceptedBody } } },
  },
  responses: {
    200: { description: 'Counted', content: { 'application/json': { schema: countsBody } } },
    ...authErrorResponses,
  },
});

export function acceptedMessagesRouter(counter: HourlyCounter, clock: () => Date) {
  const router = new OpenAPIHono<ApiEnv>();
  router.use('/policy/senders/:id/accepted', requireScope('relay'));
  return router.openapi(acceptedRoute, async (c) => {
    const { id } = c.req.valid('param');
    const { sendEvent } = c.req.valid('json');
    // Backpressure, as for the Postfix policy server: while send events already taken are not
    // stored, the answer waits rather than an event being dropped (the relay's timeout decides).
    if (!counter.accepting()) await counter.whenAccepting();
    const now = clock();
    const event: SendEventInput | undefined = sendEvent && {
      messageId: sendEvent.messageId,
      recipientKey: `@${sendEvent.recipientDomain?.toLowerCase() ?? 'unknown'}`,
      sender: id,
      senderDomain: sendEvent.senderDomain?.toLowerCase() ?? domainOf(id) ?? 'unknown',
      recipientDomain: sendEvent.recipientDomain?.toLowerCase() ?? 'unknown',
      ip: sendEvent.ip ?? 'unknown',
      at: now,
      clientAddress: sendEvent.clientAddress,
      saslUsername: sendEvent.saslUsername,
      fingerprint: sendEvent.fingerprint,
    };
    counter.add(id, now, event);
    const counts = counter.current(id, now);
    return c.json({ sender: id, acceptedThisHour: counts.hour, acceptedToday: counts.day }, 200);
  });
}
