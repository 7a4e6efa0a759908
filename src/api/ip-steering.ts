// Listed-IP steering: which relay IPs take new mail and which one a sender's mail leaves by (relay
// or ops scope), and ops' draining marks (ops scope).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { SteeringConfig } from '../config/steering';
import type { Db } from '../db/client';
import { loadSteeringRows, setDrainMark } from '../db/steering-queries';
import { runSteeringPass } from '../enforcement/ip-steering';
import { NotFoundError } from '../errors';
import { steeringAnswer, steeringIps } from '../relay/steering-snapshot';
import { requireScope } from './auth';
import type { ApiEnv } from './env';
import { authErrorResponses, errorBody, errorReply } from './errors';
import { storableText } from './storable';

const security = [{ bearer: [] }];
const iso = (date: Date | null | undefined) => date?.toISOString() ?? null;

const steeringState = z.enum(['active', 'warming', 'quiet', 'listed', 'draining']);

const steeringIp = z
  .object({
    ip: z.string(),
    transport: z.string().openapi({ description: 'The relay transport (master.cf service) that sends from this IP' }),
    weight: z.number(),
    state: steeringState,
    effectiveWeight: z.number().openapi({ description: 'Weight in use now: 0 while listed, quiet or draining; part of it while warming' }),
    reason: z.string(),
    since: z.string().nullable(),
    until: z.string().nullable().openapi({ description: 'When a quiet or warming state ends' }),
    draining: z.object({ since: z.string(), by: z.string(), reason: z.string() }).nullable(),
  })
  .openapi('SteeringIp');

const usableResponse = z
  .object({
    enabled: z.boolean(),
    ips: z.array(steeringIp),
    usable: z.array(z.string()).openapi({ description: 'IPs that take new mail' }),
    exhausted: z.boolean().openapi({ description: 'Every IP is out of use: the relay is not steered and mail leaves by its default transport' }),
    chosen: z
      .object({ ip: z.string(), transport: z.string() })
      .nullable()
      .openapi({ description: 'The IP the sender’s new mail leaves by (sticky per sender, spread by weight); null without a sender or a usable IP' }),
    message: z.string(),
  })
  .openapi('SteeringUsableIps');

const usableRoute = createRoute({
  method: 'get',
  path: '/ips/usable',
  operationId: 'getUsableIps',
  summary: 'Relay IPs that take new mail, and the one for a sender',
  tags: ['steering'],
  security,
  request: { query: z.object({ sender: storableText.optional().openapi({ example: 'alice@shop.example' }) }) },
  responses: {
    200: { description: 'Every configured IP’s steering state, the usable ones and the sender’s', content: { 'application/json': { schema: usableResponse } } },
    ...authErrorResponses,
  },
});

const drainParams = z.object({ ip: storableText.openapi({ example: '192.0.2.10' }) });

/** What setting and clearing a draining mark answer: every IP after the change. */
const drainChangeResponses = {
  200: { description: 'The IPs after the change', content: { 'application/json': { schema: usableResponse } } },
  404: errorReply('Not one of steering.ips'),
  ...authErrorResponses,
} as const;

const drainRoute = createRoute({
  method: 'put',
  path: '/ips/{ip}/draining',
  operationId: 'drainIp',
  summary: 'Take a relay IP out of use (maintenance, warm-up, a listing not yet confirmed)',
  tags: ['steering'],
  security,
  request: { params: drainParams, body: { content: { 'application/json': { schema: z.object({ reason: storableText.min(1) }) } }, required: true } },
  responses: drainChangeResponses,
});

const undrainRoute = createRoute({
  method: 'delete',
  path: '/ips/{ip}/draining',
  operationId: 'undrainIp',
  summary: 'Clear a draining mark: the IP takes new mail again unless listed',
  tags: ['steering'],
  security,
  request: { params: drainParams },
  responses: drainChangeResponses,
});

export function steeringRouter(db: Db, config: SteeringConfig, clock: () => Date) {
  const enabled = config.enabled && config.ips.length > 0;
  const describe = async (sender: string | undefined): Promise<z.infer<typeof usableResponse>> => {
    const rows = await loadSteeringRows(db);
    const byIp = new Map(rows.map((row) => [row.ip, row]));
    const answer = steeringAnswer(steeringIps(config, byIp), sender ?? '');
    const chosen = enabled && sender ? answer.chosen : null;
    const exhausted = enabled && answer.usable.length === 0;
    return {
      enabled,
      ips: answer.ips.map((ip) => {
        const row = byIp.get(ip.ip);
        return {
          ...ip,
          reason: row?.reason ?? 'in use',
          since: iso(row?.since),
          until: iso(row?.until),
          draining: row?.drainSince ? { since: row.drainSince.toISOString(), by: row.drainBy ?? '', reason: row.drainReason ?? '' } : null,
        };
      }),
      usable: enabled ? answer.usable.map((ip) => ip.ip) : [],
      exhausted,
      chosen: chosen && { ip: chosen.ip, transport: chosen.transport },
      message: !enabled
        ? 'steering is off (steering.enabled, steering.ips): mail leaves by the relay’s default transport'
        : exhausted
          ? 'every relay IP is out of use: mail is not steered and leaves by the relay’s default transport'
          : `new mail leaves by ${answer.usable.map((ip) => ip.ip).join(', ')}`,
    };
  };
  /** Sets or clears an IP's draining mark, then re-runs steering so the change is in force at once. */
  const changeDrainMark = async (ip: string, actor: string, reason: string | null) => {
    if (!config.ips.some((entry) => entry.ip === ip)) throw new NotFoundError(`${ip} is not one of steering.ips`);
    const now = clock();
    await setDrainMark(db, ip, reason === null ? null : { since: now, by: actor, reason }, now);
    await runSteeringPass(db, config, now, { actor, source: 'manual' });
    return describe(undefined);
  };

  const router = new OpenAPIHono<ApiEnv>();
  router.use('/ips/usable', requireScope('relay'));
  router.use('/ips/:ip/draining', requireScope('ops'));
  return router
    .openapi(usableRoute, async (c) => c.json(await describe(c.req.valid('query').sender), 200))
    .openapi(drainRoute, async (c) => c.json(await changeDrainMark(c.req.valid('param').ip, c.get('principal').name, c.req.valid('json').reason), 200))
    .openapi(undrainRoute, async (c) => c.json(await changeDrainMark(c.req.valid('param').ip, c.get('principal').name, null), 200));
}
