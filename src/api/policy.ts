// The policy API (relay scope): "may this sender send now?", and the policy changes since a
// version for relays that keep a local copy. Answered from the in-memory snapshot and the hourly
// counts in memory, never waiting on the database.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { tierNames, type TiersConfig } from '../config/tiers';
import { domainOf } from '../analysis/addresses';
import type { HourlyCounter } from '../relay/hourly-counter';
import type { PolicySnapshot, SnapshotEntry } from '../relay/policy-snapshot';
import { refusalFor } from '../relay/refusal';
import { effectivePolicy, type EffectivePolicy } from '../reputation/effective-policy';
import type { PolicyAction } from '../reputation/decide';
import { requireScope, scopeRefusal } from './auth';
import type { ApiEnv } from './env';
import { matchesEtag } from './etag';
import { authErrorResponses, errorResponse } from './errors';

const maxSenderLength = 320;
const maxDomainLength = 253;
const maxClientLength = 45;
const relayAction = z.enum(['allow', 'throttle', 'suspend']);
const security = [{ bearer: [] }];

/** `warn` is a note for ops; for the relay it sends like `allow`. */
const toRelayAction = (action: PolicyAction) => (action === 'warn' ? 'allow' : action);

const senderPolicyBody = z
  .object({
    sender: z.string(),
    action: relayAction,
    limitPerHour: z.number().optional().openapi({ description: 'Messages per hour: the throttle limit or the tier limit, whichever is lower' }),
    limitPerDay: z.number().optional().openapi({ description: 'Messages per UTC day (tier limit)' }),
    tier: z.enum(tierNames).openapi({ description: 'The sender tier (new, established, trusted) its limits come from' }),
    reason: z.string(),
    until: z.string().optional().openapi({ description: 'When a manual override ends' }),
    version: z.number().openapi({ description: 'Policy version the answer reflects (0: never had a policy)' }),
    acceptedThisHour: z.number().optional().openapi({
      description: 'With limits: messages accepted for the sender this UTC hour, as counted by the Postfix policy server and POST /policy/senders/{id}/accepted on every instance',
    }),
    acceptedToday: z.number().optional().openapi({ description: 'With limits: the same count for this UTC day' }),
    refusal: z
      .object({
        action: z.enum(['reject', 'defer']).openapi({ description: 'reject: a permanent refusal (5xx); defer: a temporary one (4xx)' }),
        status: z.string().openapi({ description: 'RFC 3463 enhanced status code, e.g. 5.7.1' }),
        text: z.string().openapi({ description: 'The reply text for the sender: names the rule, never the internal reason' }),
      })
      .optional()
      .openapi({ description: 'Present when the message is to be refused now (suspended, or at a limit with the counts above): the SMTP reply to give' }),
  })
  .openapi('SenderPolicy');

const changeBody = z
  .object({
    kind: z.enum(['sender', 'domain']),
    id: z.string(),
    action: relayAction,
    limitPerHour: z.number().optional(),
    limitPerDay: z.number().optional(),
    tier: z.enum(tierNames).optional().openapi({ description: 'Senders only' }),
    reason: z.string(),
    until: z.string().optional().openapi({ description: 'The action above ends then; `then` applies after it' }),
    then: z.object({ action: relayAction, limitPerHour: z.number().optional(), limitPerDay: z.number().optional(), reason: z.string() }).optional(),
    version: z.number(),
  })
  .openapi('PolicyChange');

const changesBody = z.object({ version: z.number(), changes: z.array(changeBody) }).openapi('PolicyChanges');

const senderRoute = createRoute({
  method: 'get',
  path: '/policy/senders/{id}',
  operationId: 'getSenderPolicy',
  summary: 'The policy in force for a sender',
  tags: ['relay'],
  security,
  description:
    'What applies to a sender now: its manual override until it expires, else the stricter of its own automatic action, ' +
    'its campaign\'s and its sender domain\'s (from `domain`, or from the sender id when it is an address); with `client`, ' +
    'a message submitted from an active campaign\'s network gets the campaign\'s action. The limits are the lower of the ' +
    'throttle limit and the sender tier\'s. `refusal` is the reply to give when the message is to be refused now, judged on ' +
    'the counts of messages reported with POST /policy/senders/{id}/accepted (and by the Postfix policy server); a relay ' +
    'that counts its own messages enforces the limits itself.',
  request: {
    params: z.object({ id: z.string().min(1).max(maxSenderLength) }),
    query: z.object({
      domain: z.string().min(1).max(maxDomainLength).optional(),
      client: z.string().min(2).max(maxClientLength).optional().openapi({ description: 'The submitting client\'s IP address' }),
    }),
  },
  responses: {
    200: { description: 'The policy in force', content: { 'application/json': { schema: senderPolicyBody } } },
    ...authErrorResponses,
  },
});

const changesRoute = createRoute({
  method: 'get',
  path: '/policy',
  operationId: 'listPolicyChanges',
  summary: 'Policy changes since a version',
  tags: ['relay'],
  security,
  description:
    'Senders and domains whose policy changed after `since` (0 or absent: every subject with a policy). A subject absent ' +
    'from the list is `allow`; keep `version` and ask again with `since=<version>`. An ETag makes an unchanged poll a 304.',
  request: { query: z.object({ since: z.coerce.number().int().min(0).default(0) }) },
  responses: {
    200: { description: 'Changes, oldest first', content: { 'application/json': { schema: changesBody } } },
    304: { description: 'Nothing changed since the ETag given in If-None-Match' },
    ...authErrorResponses,
  },
});

/** The answer of GET /policy/senders/{id}, filled in the order its fields are listed. */
type SenderPolicyBody = Partial<z.infer<typeof senderPolicyBody>> & Pick<z.infer<typeof senderPolicyBody>, 'sender' | 'action'>;

/** limitPerHour / limitPerDay when there are limits (never for a suspended sender). */
function addLimits<T extends { limitPerHour?: number; limitPerDay?: number }>(body: T, policy: Pick<EffectivePolicy, 'action' | 'limitPerHour' | 'limitPerDay'>): T {
  if (policy.action === 'suspend') return body;
  if (policy.limitPerHour !== null) body.limitPerHour = policy.limitPerHour;
  if (policy.limitPerDay !== null) body.limitPerDay = policy.limitPerDay;
  return body;
}

const limitsOf = (policy: EffectivePolicy) => addLimits<{ limitPerHour?: number; limitPerDay?: number }>({}, policy);

function changeOf(entry: SnapshotEntry, throttleLimitPerHour: number, tiers: TiersConfig) {
  // Evaluated with no clock: an override is reported with its end (`until`) and what follows it,
  // so the answer depends on the version alone and the ETag stays valid.
  const always = new Date(0);
  const context = entry.kind === 'sender' ? { tiers } : {};
  const current = effectivePolicy(entry.policy, null, always, throttleLimitPerHour, context);
  const after = effectivePolicy({ ...entry.policy, override: null }, null, always, throttleLimitPerHour, context);
  const action = toRelayAction(current.action);
  return {
    kind: entry.kind,
    id: entry.id,
    action,
    ...limitsOf(current),
    ...(current.tier ? { tier: current.tier } : {}),
    reason: current.reason,
    ...(current.until
      ? {
          until: current.until.toISOString(),
          then: { action: toRelayAction(after.action), ...limitsOf(after), reason: after.reason },
        }
      : {}),
    version: entry.version,
  };
}

/**
 * @param counter the shared hourly counts: with it, answers carry the counts and a refusal at a
 * limit; without it (API-only tests), only a suspended sender is refused.
 */
export function policyRouter(snapshot: PolicySnapshot, throttleLimitPerHour: number, tiers: TiersConfig, clock: () => Date, counter?: HourlyCounter) {
  const router = new OpenAPIHono<ApiEnv>();
  router.use('/policy', requireScope('relay'));

  // The route every message asks: declared for the OpenAPI document, served by a plain handler
  // that checks its scope itself (a middleware layer costs a few microseconds a request). The zod
  // validator would parse params and query into new objects on every call; two length checks do
  // the same here at a fraction of the cost, where the relay waits on each answer.
  router.openAPIRegistry.registerPath(senderRoute);
  router.get('/policy/senders/:id', (c) => {
    const refused = scopeRefusal(c, 'relay');
    if (refused) return refused;
    const id = c.req.param('id');
    // Most relays ask with the sender alone: no query string to parse.
    const hasQuery = c.req.url.includes('?');
    const domainParam = hasQuery ? c.req.query('domain') : undefined;
    const client = hasQuery ? c.req.query('client') : undefined;
    if (
      id.length > maxSenderLength ||
      (domainParam !== undefined && (domainParam.length < 1 || domainParam.length > maxDomainLength)) ||
      (client !== undefined && (client.length < 2 || client.length > maxClientLength))
    ) {
      return errorResponse(c, 400, 'E_VALIDATION', `id: at most ${maxSenderLength} characters; domain: 1 to ${maxDomainLength}; client: 2 to ${maxClientLength}`);
    }
    const now = clock();
    const policy = snapshot.lookup(id, domainParam?.toLowerCase() ?? domainOf(id), now, client);
    const action = toRelayAction(policy.action);
    const body = addLimits<SenderPolicyBody>({ sender: id, action }, policy);
    body.tier = policy.tier ?? 'new';
    body.reason = action === 'allow' && policy.version === 0 ? 'no policy' : policy.reason;
    if (policy.until) body.until = policy.until.toISOString();
    body.version = policy.version;
    let accepted = { hour: 0, day: 0 };
    if (counter && policy.action !== 'suspend' && (policy.limitPerHour !== null || policy.limitPerDay !== null)) {
      // As the Postfix policy server does: the first ask of an hour is answered on this instance's count.
      const current = counter.currentForDecision(id, now, c.get('logger'));
      accepted = current;
      body.acceptedThisHour = current.hour;
      body.acceptedToday = current.day;
    }
    const refusal = refusalFor(id, policy, accepted.hour, accepted.day);
    if (refusal) body.refusal = refusal;
    return c.json(body, 200);
  });

  return router
    .openapi(changesRoute, (c) => {
      const { since } = c.req.valid('query');
      const version = snapshot.version;
      const etag = `"${version}"`;
      c.header('ETag', etag);
      c.header('Cache-Control', 'no-cache');
      if (matchesEtag(c.req.header('if-none-match'), etag)) return c.body(null, 304);
      const changes = snapshot.changesSince(since).map((entry) => changeOf(entry, throttleLimitPerHour, tiers));
      return c.json({ version, changes }, 200);
    });
}
