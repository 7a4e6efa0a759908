// Campaigns (ops scope): abuse spread over senders, caught as one; list, detail, dismiss.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Db } from '../db/client';
import { dismissCampaign, getCampaign, listCampaigns, type CampaignRow } from '../db/campaign-queries';
import { NotFoundError } from '../errors';
import { requireScope } from './auth';
import type { ApiEnv } from './env';
import { authErrorResponses, errorBody } from './errors';
import { storableId, storableText } from './storable';

const security = [{ bearer: [] }];

const campaignBody = z
  .object({
    id: z.number(),
    status: z.enum(['active', 'dismissed']),
    action: z.enum(['throttle', 'suspend']),
    rule: z.string(),
    senders: z.array(z.string()),
    networks: z.array(z.string()).openapi({ description: 'Submitting networks: later requests from them get the action' }),
    complaintCount: z.number(),
    firstComplaintAt: z.string(),
    lastComplaintAt: z.string(),
    raisedAt: z.string(),
    updatedAt: z.string(),
    dismissedAt: z.string().nullable(),
    dismissedBy: z.string().nullable(),
    dismissReason: z.string().nullable(),
  })
  .openapi('Campaign');

const toBody = (row: CampaignRow) => ({
  id: row.id,
  status: row.status,
  action: row.action,
  rule: row.rule,
  senders: row.senders,
  networks: row.networks,
  complaintCount: row.complaintCount,
  firstComplaintAt: row.firstComplaintAt.toISOString(),
  lastComplaintAt: row.lastComplaintAt.toISOString(),
  raisedAt: row.raisedAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
  dismissedAt: row.dismissedAt?.toISOString() ?? null,
  dismissedBy: row.dismissedBy,
  dismissReason: row.dismissReason,
});

const idParam = z.object({ id: storableId });

const listRoute = createRoute({
  method: 'get',
  path: '/campaigns',
  tags: ['campaigns'],
  security,
  request: {
    query: z.object({
      status: z.enum(['active', 'dismissed', 'all']).default('all'),
      limit: z.coerce.number().int().min(1).max(500).default(50),
      offset: z.coerce.number().int().min(0).default(0),
    }),
  },
  responses: {
    200: { description: 'Campaigns, newest first', content: { 'application/json': { schema: z.object({ items: z.array(campaignBody), nextOffset: z.number().nullable() }) } } },
    ...authErrorResponses,
  },
});

const detailRoute = createRoute({
  method: 'get',
  path: '/campaigns/{id}',
  tags: ['campaigns'],
  security,
  request: { params: idParam },
  responses: {
    200: {
      description: 'The campaign with its fingerprints (and the evidence each carried), senders, complaints and timeline of events',
      content: {
        'application/json': {
          schema: campaignBody.extend({
            fingerprints: z.array(z.object({ kind: z.string(), value: z.string(), senders: z.number(), complaints: z.number() })),
            complaints: z.array(z.record(z.string(), z.unknown())),
            timeline: z.array(z.object({ at: z.string(), type: z.string(), severity: z.string(), summary: z.string() })),
          }),
        },
      },
    },
    404: { description: 'No such campaign', content: { 'application/json': { schema: errorBody } } },
    ...authErrorResponses,
  },
});

const dismissRoute = createRoute({
  method: 'post',
  path: '/campaigns/{id}/dismiss',
  tags: ['campaigns'],
  security,
  description: 'A false positive: the senders are released from the campaign, its networks no longer act, and its fingerprints never raise a campaign again.',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: z.object({ reason: storableText.min(3).max(500) }) } } } },
  responses: {
    200: { description: 'Dismissed (or already dismissed)', content: { 'application/json': { schema: campaignBody } } },
    404: { description: 'No such campaign', content: { 'application/json': { schema: errorBody } } },
    ...authErrorResponses,
  },
});

export function campaignsRouter(db: Db, clock: () => Date) {
  const router = new OpenAPIHono<ApiEnv>();
  router.use('/campaigns', requireScope('ops'));
  router.use('/campaigns/*', requireScope('ops'));
  return router
    .openapi(listRoute, async (c) => {
      const query = c.req.valid('query');
      const rows = await listCampaigns(db, { status: query.status === 'all' ? undefined : query.status, limit: query.limit, offset: query.offset });
      return c.json({ items: rows.map(toBody), nextOffset: rows.length === query.limit ? query.offset + rows.length : null }, 200);
    })
    .openapi(detailRoute, async (c) => {
      const { id } = c.req.valid('param');
      const campaign = await getCampaign(db, id);
      if (!campaign) throw new NotFoundError(`no campaign ${id}`);
      return c.json(
        {
          ...toBody(campaign),
          fingerprints: campaign.fingerprints,
          complaints: campaign.complaints.map((complaint) => ({ ...complaint, occurredAt: complaint.occurredAt.toISOString(), joinedAt: complaint.joinedAt.toISOString() })),
          timeline: campaign.timeline.map((event) => ({ at: event.at.toISOString(), type: event.type, severity: event.severity, summary: event.summary })),
        },
        200,
      );
    })
    .openapi(dismissRoute, async (c) => {
      const { id } = c.req.valid('param');
      const row = await dismissCampaign(db, id, c.get('principal').name, c.req.valid('json').reason, clock());
      if (!row) throw new NotFoundError(`no campaign ${id}`);
      return c.json(toBody(row), 200);
    });
}
