// The relay's suppression routes (relay scope): which recipients of a message are suppressed, from
// the in-memory list, never waiting on the database; and the one-click unsubscribe header values
// (RFC 8058) to put in a message for each recipient.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { SuppressionConfig } from '../config/suppression';
import { suppressionScopes } from '../config/suppression';
import { suppressedRecipientsTotal } from '../metrics';
import { domainOf } from '../analysis/addresses';
import { suppressedRecipientRefusal, type SuppressionSnapshot } from '../relay/suppression-snapshot';
import { maxAddressLength } from '../suppression/address';
import { linkScopeId, mintToken, unsubscribeHeaders } from '../suppression/one-click';
import { requireScope } from './auth';
import type { ApiEnv } from './env';
import { authErrorResponses, errorBody, errorResponse, errorReply } from './errors';
import { storableText } from './storable';
import { suppressionOff, suppressionOffResponses } from './suppressions';

export const maxRecipientsPerCheck = 1000;
/** 1,000 recipients of the longest length, quoted and separated: the body limit of these routes. */
export const suppressionBatchBodyBytes = maxRecipientsPerCheck * (maxAddressLength + 8) + 4096;
export const suppressionBatchPaths = ['/api/v1/suppressions/check', '/api/v1/suppressions/unsubscribe-links'];

const security = [{ bearer: [] }];
const address = storableText.min(3).max(maxAddressLength);
const senderFields = {
  sender: storableText.min(1).max(maxAddressLength).optional().openapi({ description: 'The sender id, as the policy API knows it: an entry scoped to this sender applies' }),
  senderDomain: z.string().min(1).max(253).optional().openapi({ description: 'The sender domain (default: the domain of `sender` when it is an address): an entry scoped to it applies' }),
};

/** The sender domain entries scoped to a domain are matched against: the one given, else the sender's when it is an address. */
const senderDomainOf = (body: { sender?: string; senderDomain?: string }) => body.senderDomain?.toLowerCase() ?? domainOf(body.sender);

const refusalBody = z
  .object({ code: z.string(), status: z.string(), text: z.string() })
  .openapi('SuppressedRecipientRefusal', { description: 'The SMTP reply to give a suppressed recipient at RCPT TO' });

const checkRoute = createRoute({
  method: 'post',
  path: '/suppressions/check',
  operationId: 'checkSuppressedRecipients',
  summary: 'Which recipients of a message are suppressed',
  tags: ['relay'],
  security,
  description:
    `Up to ${maxRecipientsPerCheck} recipients, answered from the suppression list in memory (never waiting on the database). ` +
    'A recipient is suppressed by a relay-wide entry, or by one scoped to the sender or its domain. Refuse each suppressed ' +
    'recipient alone (at RCPT TO, with `refusal`) and send to the others.',
  request: {
    body: {
      required: true,
      content: { 'application/json': { schema: z.object({ ...senderFields, recipients: z.array(address).min(1).max(maxRecipientsPerCheck) }).openapi('SuppressionCheck') } },
    },
  },
  responses: {
    200: {
      description: 'Each recipient, in the order given',
      content: {
        'application/json': {
          schema: z
            .object({
              suppressed: z.number().openapi({ description: 'How many of the recipients are suppressed' }),
              recipients: z.array(
                z.object({
                  recipient: z.string(),
                  suppressed: z.boolean(),
                  reason: z.string().optional().openapi({ description: 'complaint, hardBounce, mailboxFull, unsubscribe or manual' }),
                  scope: z.enum(suppressionScopes).optional(),
                }),
              ),
              refusal: refusalBody,
            })
            .openapi('SuppressionCheckResult'),
        },
      },
    },
    400: errorReply('Invalid body'),
    ...suppressionOffResponses,
    ...authErrorResponses,
  },
});

const linksRoute = createRoute({
  method: 'post',
  path: '/suppressions/unsubscribe-links',
  operationId: 'mintUnsubscribeLinks',
  summary: 'One-click unsubscribe header values for recipients',
  tags: ['relay'],
  security,
  description:
    'For each recipient, the `List-Unsubscribe` and `List-Unsubscribe-Post` header values (RFC 8058) to put in the message sent ' +
    'to it: an HTTPS link with a signed token naming the recipient (by its keyed hash) and the scope. A receiver POSTing to it ' +
    'suppresses the recipient for that scope; no login is needed and a forged or altered token is refused. Sign the headers ' +
    'with DKIM (RFC 8058 §4).',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              ...senderFields,
              scope: z.enum(suppressionScopes).optional().openapi({ description: 'What the link suppresses for (default suppression.oneClick.defaultScope)' }),
              recipients: z.array(address).min(1).max(maxRecipientsPerCheck),
            })
            .openapi('UnsubscribeLinksRequest'),
        },
      },
    },
  },
  responses: {
    200: {
      description: 'The header values per recipient, in the order given',
      content: {
        'application/json': {
          schema: z
            .object({ items: z.array(z.object({ recipient: z.string(), listUnsubscribe: z.string(), listUnsubscribePost: z.string() })) })
            .openapi('UnsubscribeLinks'),
        },
      },
    },
    400: errorReply('Invalid body, a recipient that is not an address, or a scope without its sender or domain'),
    409: errorReply('Suppression or one-click links are off (suppression.key or suppression.oneClick.baseUrl not set)'),
    ...authErrorResponses,
  },
});

export function suppressionCheckRouter(config: SuppressionConfig, snapshot: SuppressionSnapshot | undefined, tokenKey: Buffer | undefined, clock: () => Date) {
  const router = new OpenAPIHono<ApiEnv>();
  router.use('/suppressions/check', requireScope('relay'));
  router.use('/suppressions/unsubscribe-links', requireScope('relay'));
  return router
    .openapi(checkRoute, (c) => {
      if (!snapshot) throw suppressionOff();
      const body = c.req.valid('json');
      const { sender, recipients } = body;
      const domain = senderDomainOf(body);
      const now = clock();
      let suppressed = 0;
      const answers = recipients.map((recipient) => {
        const check = snapshot.check(recipient, sender, domain, now);
        if (!check.entry) return { recipient, suppressed: false };
        suppressed++;
        return { recipient, suppressed: true, reason: check.entry.reason, scope: check.entry.scope };
      });
      if (suppressed > 0) suppressedRecipientsTotal.inc({ via: 'api' }, suppressed);
      return c.json({ suppressed, recipients: answers, refusal: suppressedRecipientRefusal }, 200);
    })
    .openapi(linksRoute, (c) => {
      if (!snapshot || !tokenKey) throw suppressionOff();
      const baseUrl = config.oneClick.baseUrl;
      if (!baseUrl) return errorResponse(c, 409, 'E_ONE_CLICK_OFF', 'one-click unsubscribe links are off: set suppression.oneClick.baseUrl');
      const body = c.req.valid('json');
      const { scope = config.oneClick.defaultScope, recipients } = body;
      const scopeId = linkScopeId(scope, body.sender, senderDomainOf(body));
      if (scopeId === undefined) return errorResponse(c, 400, 'E_VALIDATION', `scope ${scope}: give the ${scope === 'sender' ? 'sender' : 'senderDomain (or a sender address)'}`);
      const items = [];
      for (const [index, recipient] of recipients.entries()) {
        const recipientHash = snapshot.keyer.hash(recipient);
        if (!recipientHash) return errorResponse(c, 400, 'E_VALIDATION', `recipients.${index}: not an email address`);
        items.push({ recipient, ...unsubscribeHeaders(baseUrl, mintToken(tokenKey, { recipientHash, scope, scopeId })) });
      }
      return c.json({ items }, 200);
    });
}
