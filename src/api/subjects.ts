// Senders and sender domains (ops scope): rates, current action, detail, manual overrides.
// One router factory serves both, mounted at /senders and /domains.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { ReputationConfig } from '../config/reputation';
import { tierNames, type TiersConfig } from '../config/tiers';
import type { Db } from '../db/client';
import { recentFacts } from '../db/facts';
import { hourlySeries, rollupDimensionOf, windowStats } from '../db/rollups';
import type { SubjectKind } from '../db/schema';
import { auditLog, countSubjects, getSubject, listSubjects, writeOverride, writePinnedTier, type SubjectRow } from '../db/subjects';
import { NotFoundError } from '../errors';
import { effectivePolicy } from '../reputation/effective-policy';
import { tierLimits } from '../reputation/tiers';
import { subjectPolicy } from '../reputation/sender-policy';
import { wilsonInterval, zFor } from '../reputation/wilson';
import { zeroCounts } from '../reputation/counts';
import { requireScope } from './auth';
import { answerDeprecated } from './deprecated-names';
import type { ApiEnv } from './env';
import { authErrorResponses, errorBody, errorReply } from './errors';
import { jsonObject } from './json-object';
import { storableCount, storableText, storableTimestamp } from './storable';

const action = z.enum(['allow', 'warn', 'throttle', 'suspend']);
const security = [{ bearer: [] }];

const tierName = z.enum(tierNames);

const policyBody = z.object({
  action,
  source: z.enum(['automatic', 'manual', 'domain', 'campaign']),
  reason: z.string(),
  limitPerHour: z.number().nullable(),
  limitPerDay: z.number().nullable(),
  until: z.string().nullable(),
  tier: tierName.nullable(),
});

const tierRequest = z.object({ tier: tierName, reason: storableText.min(3).max(500) });

const summaryBody = z.object({
  id: z.string(),
  policy: policyBody,
  automaticAction: action,
  sent24h: z.number(),
  complaints24h: z.number(),
  hardBounces24h: z.number(),
  sent7d: z.number(),
  complaints7d: z.number(),
  hardBounces7d: z.number(),
  sent30d: z.number(),
  complaintRate7d: z.number(),
  hardBounceRate7d: z.number(),
  evaluatedAt: z.string().nullable().openapi({ description: 'When an evaluation pass last found its figures or action changed' }),
});

const overrideRequest = z
  .object({
    action,
    reason: storableText.min(3).max(500),
    until: storableTimestamp.optional(),
    forHours: z.number().positive().max(24 * 365).optional(),
    limitPerHour: storableCount.optional(),
  })
  .refine((o) => !(o.until && o.forHours), { message: 'give until or forHours, not both' });

const pathOf = (kind: SubjectKind) => (kind === 'sender' ? '/senders' : '/domains');
const tagOf = (kind: SubjectKind) => (kind === 'sender' ? 'senders' : 'domains');
/** In operationIds: listSenders, getSender, setDomainOverride. */
const titleOf = (kind: SubjectKind) => (kind === 'sender' ? 'Sender' : 'Domain');
const idParam = z.object({ id: storableText.min(1).max(320) });

function listRouteOf(kind: SubjectKind) {
  const base = pathOf(kind);
  const tag = tagOf(kind);
  return createRoute({
    method: 'get',
    path: base,
    operationId: `list${titleOf(kind)}s`,
    summary: `${titleOf(kind)}s in severity order, with rates and the action in force`,
    tags: [tag],
    security,
    request: {
      query: z.object({
        sort: z.enum(['severity', 'complaintRate', 'hardBounceRate', 'volume', 'id', 'bounceRate']).default('severity').openapi({
          description:
            'severity (the default): action in force, then the worst 7-day rate by its Wilson lower bound as a share of its suspend line, then 30-day volume; `order` applies to the other sorts. ' +
            '`complaintRate` and `hardBounceRate` are the 7-day rates. `bounceRate` is the deprecated name of `hardBounceRate`, still accepted for one release with a `Deprecation` header (RFC 9745)',
        }),
        order: z.enum(['asc', 'desc']).default('desc'),
        action: action.optional(),
        q: storableText.min(1).max(320).optional().openapi({ description: 'only ids containing this text (case-insensitive)' }),
        limit: z.coerce.number().int().min(1).max(500).default(50),
        offset: z.coerce.number().int().min(0).default(0),
      }),
    },
    responses: {
      200: {
        description: `${tag} sorted server-side (rates over 7 days, volume over 30 days)`,
        content: {
          'application/json': {
            schema: z.object({ items: z.array(summaryBody), total: z.number().openapi({ description: 'how many match the filters' }), nextOffset: z.number().nullable() }),
          },
        },
      },
      ...authErrorResponses,
    },
  });
}

function detailRouteOf(kind: SubjectKind) {
  return createRoute({
    method: 'get',
    path: `${pathOf(kind)}/{id}`,
    operationId: `get${titleOf(kind)}`,
    summary: `One ${kind}: rates per window, hourly series, recent complaints and bounces, audit log`,
    tags: [tagOf(kind)],
    security,
    request: { params: idParam },
    responses: {
      200: { description: 'Rates per window, the warn/throttle/suspend lines, hourly series, recent complaints and bounces, audit log', content: { 'application/json': { schema: jsonObject } } },
      404: errorReply('Never seen'),
      ...authErrorResponses,
    },
  });
}

function overrideRoutesOf(kind: SubjectKind) {
  const base = pathOf(kind);
  const tag = tagOf(kind);
  const setOverrideRoute = createRoute({
    method: 'post',
    path: `${base}/{id}/override`,
    operationId: `set${titleOf(kind)}Override`,
    summary: `Throttle, suspend or release a ${kind} by hand`,
    tags: [tag],
    security,
    request: { params: idParam, body: { required: true, content: { 'application/json': { schema: overrideRequest } } } },
    responses: {
      200: { description: 'Override in force', content: { 'application/json': { schema: summaryBody } } },
      ...authErrorResponses,
    },
  });

  const clearOverrideRoute = createRoute({
    method: 'delete',
    path: `${base}/{id}/override`,
    operationId: `clear${titleOf(kind)}Override`,
    summary: 'Clear the manual override: the automatic action applies',
    tags: [tag],
    security,
    request: { params: idParam, query: z.object({ reason: storableText.min(3).max(500).default('override lifted') }) },
    responses: {
      200: { description: 'Override cleared; the automatic action applies', content: { 'application/json': { schema: summaryBody } } },
      404: errorReply('Never seen'),
      ...authErrorResponses,
    },
  });
  return { setOverrideRoute, clearOverrideRoute };
}

function tierRoutesOf(kind: SubjectKind) {
  const base = pathOf(kind);
  const tag = tagOf(kind);
  const tierRoute = createRoute({
    method: 'post',
    path: `${base}/{id}/tier`,
    operationId: `pin${titleOf(kind)}Tier`,
    summary: 'Pin a sender to a tier',
    tags: [tag],
    security,
    description: 'Pins the sender to a tier (its limits apply whatever its history) until unpinned.',
    request: { params: idParam, body: { required: true, content: { 'application/json': { schema: tierRequest } } } },
    responses: {
      200: { description: 'Tier pinned', content: { 'application/json': { schema: summaryBody } } },
      ...authErrorResponses,
    },
  });

  const unpinRoute = createRoute({
    method: 'delete',
    path: `${base}/{id}/tier`,
    operationId: `unpin${titleOf(kind)}Tier`,
    summary: 'Unpin a sender: the earned tier applies',
    tags: [tag],
    security,
    request: { params: idParam, query: z.object({ reason: storableText.min(3).max(500).default('tier unpinned') }) },
    responses: {
      200: { description: 'Pin removed; the earned tier applies', content: { 'application/json': { schema: summaryBody } } },
      404: errorReply('Never seen'),
      ...authErrorResponses,
    },
  });
  return { tierRoute, unpinRoute };
}

/** How a router presents a sender's or domain's stored state. */
interface Presenter {
  kind: SubjectKind;
  rules: ReputationConfig;
  tiers: TiersConfig;
}

function policyOf({ kind, rules, tiers }: Presenter, row: SubjectRow | undefined, now: Date) {
  const policy = effectivePolicy(subjectPolicy(row), null, now, rules.throttleLimitPerHour, kind === 'sender' ? { tiers } : {});
  return { ...policy, until: policy.until?.toISOString() ?? null };
}

function summaryOf(presenter: Presenter, row: SubjectRow, now: Date) {
  return {
    id: row.id,
    policy: policyOf(presenter, row, now),
    automaticAction: row.autoAction,
    sent24h: row.sent24h,
    complaints24h: row.complaints24h,
    hardBounces24h: row.hardBounces24h,
    sent7d: row.sent7d,
    complaints7d: row.complaints7d,
    hardBounces7d: row.hardBounces7d,
    sent30d: row.sent30d,
    complaintRate7d: row.complaintRate7d,
    hardBounceRate7d: row.hardBounceRate7d,
    evaluatedAt: row.evaluatedAt?.toISOString() ?? null,
  };
}

function tierOf(row: SubjectRow | undefined, tiers: TiersConfig) {
  const tier = row?.pinnedTier ?? row?.tier ?? 'new';
  return {
    tier,
    earned: row?.tier ?? 'new',
    pinned: row?.pinnedTier ?? null,
    since: row?.tierSince ?? null,
    reason: row?.tierReason ?? 'never evaluated: a sender starts new',
    firstSeenAt: row?.firstSeenAt ?? null,
    ...tierLimits(tier, tiers),
  };
}

/** One sender or domain: its policy and stored state, rates per window with their bounds, recent facts and audit. */
async function subjectDetail(db: Db, presenter: Presenter, id: string, now: Date) {
  const { kind, rules } = presenter;
  const dimension = rollupDimensionOf(kind);
  const row = await getSubject(db, kind, id);
  const stats = (await windowStats(db, dimension, now, [id])).get(id);
  if (!row && !stats) throw new NotFoundError(`no ${kind} ${id} in the send log or the reputation state`);
  const windows = stats ?? { '24h': zeroCounts(), '7d': zeroCounts(), '30d': zeroCounts() };
  const rates = Object.fromEntries(
    Object.entries(windows).map(([window, counts]) => [
      window,
      {
        ...counts,
        complaintRate: wilsonInterval(counts.complaints, counts.sent, rules.confidence),
        hardBounceRate: wilsonInterval(counts.hardBounces, counts.sent, rules.confidence),
      },
    ]),
  );
  const from = new Date(now.getTime() - 48 * 3_600_000);
  const filter = kind === 'sender' ? { sender: id } : { senderDomain: id };
  const [hourly, complaints, bounces, audit] = await Promise.all([
    hourlySeries(db, dimension, id, from, now),
    recentFacts(db, { ...filter, kinds: ['complaint'], limit: 20 }),
    recentFacts(db, { ...filter, kinds: ['bounce'], limit: 20 }),
    auditLog(db, kind, id, 50),
  ]);
  const stored = subjectPolicy(row);
  return {
    id,
    kind,
    policy: policyOf(presenter, row, now),
    ...(kind === 'sender' ? { tier: tierOf(row, presenter.tiers), campaign: stored.campaign ?? null } : {}),
    automatic: { ...stored.automatic, clearSince: row?.clearSince ?? null },
    override: stored.override,
    rates,
    // The configured lines, for the charts: decisions compare each window's lower bound with them.
    lines: { complaintRate: rules.complaintRate, hardBounceRate: rules.hardBounceRate },
    hourly: hourly.map(({ hour, sent, delivered, complaints: c2, hardBounces, softBounces, blocked }) => ({ hour, sent, delivered, complaints: c2, hardBounces, softBounces, blocked })),
    recentComplaints: complaints,
    recentBounces: bounces,
    audit,
  };
}

export function subjectsRouter(db: Db, kind: SubjectKind, rules: ReputationConfig, tiers: TiersConfig, clock: () => Date) {
  const base = pathOf(kind);
  const presenter: Presenter = { kind, rules, tiers };
  const router = new OpenAPIHono<ApiEnv>();
  router.use(base, requireScope('ops'));
  router.use(`${base}/*`, requireScope('ops'));
  const { setOverrideRoute, clearOverrideRoute } = overrideRoutesOf(kind);
  const withRoutes = router
    .openapi(listRouteOf(kind), async (c) => {
      const { sort: asked, ...filters } = c.req.valid('query');
      if (asked === 'bounceRate') answerDeprecated(c, 'sort=bounceRate', 'sort=hardBounceRate');
      const query = { ...filters, sort: asked === 'bounceRate' ? ('hardBounceRate' as const) : asked };
      const now = clock();
      const [rows, total] = await Promise.all([listSubjects(db, kind, { ...query, now, severity: { z: zFor(rules.confidence), complaintLine: rules.complaintRate.suspend, hardBounceLine: rules.hardBounceRate.suspend } }), countSubjects(db, kind, { ...query, now })]);
      const nextOffset = query.offset + rows.length < total ? query.offset + rows.length : null;
      return c.json({ items: rows.map((row) => summaryOf(presenter, row, now)), total, nextOffset }, 200);
    })
    .openapi(detailRouteOf(kind), async (c) => c.json(await subjectDetail(db, presenter, c.req.valid('param').id, clock()), 200))
    .openapi(setOverrideRoute, async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const now = clock();
      const until = body.until ? new Date(body.until) : body.forHours ? new Date(now.getTime() + body.forHours * 3_600_000) : null;
      const actor = c.get('principal').name;
      const row = await writeOverride(db, kind, id, { action: body.action, reason: body.reason, until, limitPerHour: body.limitPerHour ?? null, by: actor }, actor, body.reason, now);
      return c.json(summaryOf(presenter, row, now), 200);
    })
    .openapi(clearOverrideRoute, async (c) => {
      const { id } = c.req.valid('param');
      const now = clock();
      if (!(await getSubject(db, kind, id))) throw new NotFoundError(`no ${kind} ${id}`);
      const row = await writeOverride(db, kind, id, null, c.get('principal').name, c.req.valid('query').reason, now);
      return c.json(summaryOf(presenter, row, now), 200);
    });
  if (kind === 'domain') return withRoutes;
  const { tierRoute, unpinRoute } = tierRoutesOf(kind);
  return withRoutes
    .openapi(tierRoute, async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const now = clock();
      const row = await writePinnedTier(db, id, body.tier, c.get('principal').name, body.reason, now);
      return c.json(summaryOf(presenter, row, now), 200);
    })
    .openapi(unpinRoute, async (c) => {
      const { id } = c.req.valid('param');
      const now = clock();
      if (!(await getSubject(db, 'sender', id))) throw new NotFoundError(`no sender ${id}`);
      const row = await writePinnedTier(db, id, null, c.get('principal').name, c.req.valid('query').reason, now);
      return c.json(summaryOf(presenter, row, now), 200);
    });
}
