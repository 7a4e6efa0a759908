// Campaigns (ops scope): abuse spread over senders, caught as one; list, detail, dismiss.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { ReputationConfig } from '../config/reputation';
import type { Db } from '../db/client';
import { campaignMembers, dismissCampaign, getCampaign, listCampaigns, type CampaignRow } from '../db/campaign-queries';
import { NotFoundError } from '../errors';
import { wilsonInterval } from '../reputation/wilson';
import { requireScope } from './auth';
import type { ApiEnv } from './env';
import { authErrorResponses, errorBody, errorReply } from './errors';
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
    alsoSeen: z.number().openapi({ description: 'Members only seen: their complaints matched, but no evidence of their own put them under the action' }),
  })
  .openapi('Campaign');

const memberBody = z
  .object({
    sender: z.string(),
    included: z.boolean().openapi({ description: 'Under the campaign\'s action (true) or only seen (false)' }),
    why: z.string().openapi({ description: 'The evidence of its own that put it under the action, or its lack' }),
  })
  .openapi('CampaignMember');

const complaintBody = z
  .object({
    id: z.number(),
    sender: z.string().nullable(),
    senderDomain: z.string().nullable(),
    recipientDomain: z.string().nullable(),
    feedbackType: z.string().nullable(),
    subject: z.string().nullable().openapi({ description: 'From the complained-of message: untrusted text' }),
    originalMessageId: z.string().nullable(),
    occurredAt: z.string(),
    joinedAt: z.string().openapi({ description: 'When it joined the campaign' }),
  })
  .openapi('CampaignComplaint');

const rateInterval = z.object({ rate: z.number(), lower: z.number(), upper: z.number() });

const fingerprintBody = z
  .object({
    kind: z.string(),
    value: z.string(),
    senders: z.number(),
    complaints: z.number(),
    footing: z.enum(['volume', 'distinct']).openapi({ description: 'What the evidence stood on: the relay\'s sends carrying it, or (without them) how distinct its senders are' }),
    volume: z.number().nullable().openapi({ description: 'Sends in the window carrying it (volume footing), else null' }),
    complaintRate: rateInterval.nullable().openapi({ description: 'complaints / volume with its Wilson interval at the configured confidence (volume footing), else null' }),
    explanation: z.string().openapi({ description: 'How the evidence was weighed, in words' }),
  })
  .openapi('CampaignFingerprint');

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
  alsoSeen: campaignMembers(row).filter((member) => !member.included).length,
});

const idParam = z.object({ id: storableId });

const listRoute = createRoute({
  method: 'get',
  path: '/campaigns',
  operationId: 'listCampaigns',
  summary: 'Campaigns, newest first',
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
  operationId: 'getCampaign',
  summary: "One campaign's members, fingerprints and evidence",
  tags: ['campaigns'],
  security,
  request: { params: idParam },
  responses: {
    200: {
      description: 'The campaign with its members (acted on or only seen, and why), its fingerprints (the evidence each carried and what it stood on), complaints and timeline of events',
      content: {
        'application/json': {
          schema: campaignBody.extend({
            members: z.array(memberBody),
            fingerprints: z.array(fingerprintBody),
            complaints: z.array(complaintBody),
            timeline: z.array(z.object({ at: z.string(), type: z.string(), severity: z.string(), summary: z.string() })),
          }),
        },
      },
    },
    404: errorReply('No such campaign'),
    ...authErrorResponses,
  },
});

const dismissRoute = createRoute({
  method: 'post',
  path: '/campaigns/{id}/dismiss',
  operationId: 'dismissCampaign',
  summary: 'Dismiss a campaign and release its members',
  tags: ['campaigns'],
  security,
  description: 'A false positive: the senders are released from the campaign, its networks no longer act, and its fingerprints never raise a campaign again.',
  request: { params: idParam, body: { required: true, content: { 'application/json': { schema: z.object({ reason: storableText.min(3).max(500) }) } } } },
  responses: {
    200: { description: 'Dismissed (or already dismissed)', content: { 'application/json': { schema: campaignBody } } },
    404: errorReply('No such campaign'),
    ...authErrorResponses,
  },
});

export function campaignsRouter(db: Db, rules: Pick<ReputationConfig, 'confidence'>, clock: () => Date) {
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
          members: campaign.members,
          fingerprints: campaign.fingerprints.map((print) => ({
            ...print,
            complaintRate: print.footing === 'volume' && print.volume !== null ? wilsonInterval(print.volumeComplaints ?? print.complaints, print.volume, rules.confidence) : null,
          })),
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
