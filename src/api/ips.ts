// Blocklist state of the relay's IPs (and, under /dnsbl/domains, its domains): relay or ops scope.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { DnsblConfig } from '../config/dnsbl';
import type { Db } from '../db/client';
import { currentDnsblState, dnsblTargetHistory, type DnsblListingView, type DnsblZoneStateRow } from '../db/dnsbl-queries';
import type { DnsblTarget } from '../db/schema';
import { maxSeverity } from '../dnsbl/interpret';
import { blameRecord, listingBlame } from '../enforcement/listing-blame';
import { parseTarget } from '../dnsbl/targets';
import { severitySchema, type ZoneDefinition } from '../config/dnsbl-zone';
import { knownZoneDefinitions } from '../dnsbl/zones';
import { NotFoundError, WardenError } from '../errors';
import { requireScope } from './auth';
import type { ApiEnv } from './env';
import { authErrorResponses, errorBody, errorReply } from './errors';
import { nullableJsonObject } from './json-object';
import { storableText } from './storable';

const security = [{ bearer: [] }];
const iso = (date: Date | null) => date?.toISOString() ?? null;

const zoneListing = z
  .object({
    zoneId: z.string(),
    zoneName: z.string(),
    zone: z.string(),
    status: z.enum(['unknown', 'clear', 'listed']),
    since: z.string().nullable(),
    lastListedAt: z.string().nullable(),
    lastCheckedAt: z.string().nullable(),
    codes: z.array(z.string()),
    severity: severitySchema.nullable(),
    delistUrl: z.string().nullable(),
    pending: z.object({ status: z.enum(['clear', 'listed']), count: z.number(), since: z.string() }).nullable().openapi({
      description: 'A change seen but not yet confirmed by dnsbl.confirmations agreeing checks',
    }),
    lastCheck: z
      .object({ at: z.string(), outcome: z.enum(['listed', 'clear', 'refused', 'error', 'unknown', 'unhealthy']), explanation: z.string().nullable() })
      .nullable()
      .openapi({ description: 'The last run’s check; an outcome other than listed or clear left the status as it was' }),
  })
  .openapi('DnsblZoneListing');

const targetState = z.object({
  listed: z.boolean(),
  /** Highest severity among confirmed listings. */
  severity: severitySchema.nullable(),
  zones: z.array(zoneListing),
});
const ipState = targetState.extend({ ip: z.string(), kind: z.enum(['ipv4', 'ipv6']) }).openapi('DnsblIpState');
const domainState = targetState.extend({ domain: z.string() }).openapi('DnsblDomainState');

const zoneHealth = z
  .object({
    zoneId: z.string(),
    zoneName: z.string(),
    zone: z.string(),
    status: z.enum(['unknown', 'healthy', 'unhealthy', 'refused']),
    since: z.string().nullable(),
    reason: z.string().nullable(),
    checkedAt: z.string().nullable(),
  })
  .openapi('DnsblZoneHealth');

const lastRun = z
  .object({
    id: z.number(),
    startedAt: z.string(),
    finishedAt: z.string(),
    targets: z.number(),
    zones: z.number(),
    checks: z.number(),
    listed: z.number(),
    refused: z.number(),
    errors: z.number(),
    unhealthyZones: z.number(),
    events: z.number(),
    durationMs: z.number(),
  })
  .nullable()
  .openapi('DnsblRun');

const checkRow = z
  .object({
    at: z.string(),
    zoneId: z.string(),
    zone: z.string(),
    outcome: z.enum(['listed', 'clear', 'refused', 'error', 'unknown', 'unhealthy']),
    codes: z.array(z.string()),
    meanings: z.array(z.object({ code: z.string(), meaning: z.string(), severity: severitySchema })),
    severity: severitySchema.nullable(),
    txt: z.array(z.string()),
    explanation: z.string().nullable(),
    durationMs: z.number(),
  })
  .openapi('DnsblCheck');

const stateChange = z
  .object({
    id: z.number(),
    type: z.string().openapi({ example: 'dnsbl.listed' }),
    severity: severitySchema,
    summary: z.string(),
    at: z.string(),
    payload: nullableJsonObject,
  })
  .openapi('DnsblStateChange');

const blamedSender = z
  .object({
    rank: z.number(),
    sender: z.string(),
    share: z.number().openapi({ description: 'Fraction of the IP’s mail in the window (0.31 = 31%)' }),
    sent: z.number(),
    complaints: z.number(),
    ipBlamingBounces: z.number().openapi({ description: 'Bounces whose reason blames the IP: blocked, spamdetected, badreputation' }),
    campaign: z.object({ id: z.number(), rule: z.string(), status: z.string() }).nullable(),
  })
  .openapi('BlamedSender');

const listingBlameSchema = z
  .object({
    from: z.string(),
    to: z.string().openapi({ description: 'When the earliest current listing was first seen' }),
    totalSent: z.number(),
    senders: z.array(blamedSender).openapi({ description: 'Most to blame first: complaints and IP-blaming bounces, then share of the mail' }),
  })
  .nullable()
  .openapi('ListingBlame', { description: 'Senders of the IP’s mail in steering.blameWindowHours before its listing; null while not listed' });

const listIpsRoute = createRoute({
  method: 'get',
  path: '/ips',
  operationId: 'listIps',
  summary: 'Relay addresses against every blocklist',
  tags: ['blocklists'],
  security,
  responses: {
    200: {
      description: 'Current listing state of every relay IP per zone, and every zone’s health',
      content: { 'application/json': { schema: z.object({ lastRun, ips: z.array(ipState), zones: z.array(zoneHealth) }) } },
    },
    ...authErrorResponses,
  },
});

const ipHistoryRoute = createRoute({
  method: 'get',
  path: '/ips/{ip}',
  operationId: 'getIpHistory',
  summary: "One address's listings, state changes and checks",
  tags: ['blocklists'],
  security,
  request: {
    params: z.object({ ip: storableText.openapi({ example: '192.0.2.10' }) }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
  },
  responses: {
    200: {
      description: 'One IP: current state per zone, recent checks and state changes, newest first',
      content: {
        'application/json': {
          schema: ipState.extend({ checks: z.array(checkRow), changes: z.array(stateChange), blame: listingBlameSchema }).openapi('DnsblIpHistory'),
        },
      },
    },
    400: errorReply('Not an IP address'),
    404: errorReply('The IP was never checked'),
    ...authErrorResponses,
  },
});

const listDomainsRoute = createRoute({
  method: 'get',
  path: '/dnsbl/domains',
  operationId: 'listDnsblDomains',
  summary: 'Relay domains against every domain blocklist',
  tags: ['blocklists'],
  security,
  responses: {
    200: {
      description: 'Current listing state of every relay domain per domain zone',
      content: { 'application/json': { schema: z.object({ lastRun, domains: z.array(domainState), zones: z.array(zoneHealth) }) } },
    },
    ...authErrorResponses,
  },
});

/** The API's view of listing and zone-health rows, with each zone's display name and delisting page from the catalogue. */
function zoneViews(dnsbl: Pick<DnsblConfig, 'customZones'>) {
  const definitions = knownZoneDefinitions(dnsbl);
  const label = (zoneId: string): Pick<ZoneDefinition, 'name' | 'zone'> & { delistUrl: string | null } => {
    const definition = definitions.get(zoneId);
    return { name: definition?.name ?? zoneId, zone: definition?.zone ?? zoneId, delistUrl: definition?.delistUrl ?? null };
  };
  const toZoneListing = (row: DnsblListingView): z.infer<typeof zoneListing> => {
    const zone = label(row.zoneId);
    return {
      zoneId: row.zoneId,
      zoneName: zone.name,
      zone: zone.zone,
      status: row.status,
      since: iso(row.since),
      lastListedAt: iso(row.lastListedAt),
      lastCheckedAt: iso(row.lastCheckedAt),
      codes: row.codes,
      severity: row.severity,
      delistUrl: zone.delistUrl,
      pending: row.pendingStatus && row.pendingCount && row.pendingSince ? { status: row.pendingStatus, count: row.pendingCount, since: row.pendingSince.toISOString() } : null,
      lastCheck: row.lastCheck && { ...row.lastCheck, at: row.lastCheck.at.toISOString() },
    };
  };
  const toZoneHealth = (row: DnsblZoneStateRow): z.infer<typeof zoneHealth> => {
    const zone = label(row.zoneId);
    return { zoneId: row.zoneId, zoneName: zone.name, zone: zone.zone, status: row.status, since: iso(row.since), reason: row.reason, checkedAt: iso(row.checkedAt) };
  };
  /** One target's listings: listed when any zone confirms it, at the highest confirmed severity. */
  const summarise = (rows: DnsblListingView[]) => {
    const listed = rows.filter((row) => row.status === 'listed');
    return {
      listed: listed.length > 0,
      severity: maxSeverity(listed.flatMap((row) => (row.severity ? [row.severity] : []))),
      zones: rows.map(toZoneListing),
    };
  };
  return { summarise, toZoneHealth };
}
type ZoneViews = ReturnType<typeof zoneViews>;

function groupByTarget(rows: DnsblListingView[]) {
  const groups = new Map<string, DnsblListingView[]>();
  for (const row of rows) groups.set(row.target, [...(groups.get(row.target) ?? []), row]);
  return groups;
}

const toLastRun = (row: Awaited<ReturnType<typeof currentDnsblState>>['lastRun']): z.infer<typeof lastRun> =>
  row && { ...row, startedAt: row.startedAt.toISOString(), finishedAt: row.finishedAt.toISOString() };

async function ipsState(db: Db, views: ZoneViews) {
  const state = await currentDnsblState(db, ['ipv4', 'ipv6']);
  const ips = [...groupByTarget(state.listings)].map(([ip, rows]) => ({ ip, kind: rows[0]!.targetKind as 'ipv4' | 'ipv6', ...views.summarise(rows) }));
  return { lastRun: toLastRun(state.lastRun), ips, zones: state.zones.map(views.toZoneHealth) };
}

async function domainsState(db: Db, views: ZoneViews) {
  const state = await currentDnsblState(db, ['domain']);
  const domains = [...groupByTarget(state.listings)].map(([domain, rows]) => ({ domain, ...views.summarise(rows) }));
  return { lastRun: toLastRun(state.lastRun), domains, zones: state.zones.map(views.toZoneHealth) };
}

/** The address the path names, or a 400 when it is not an IPv4 or IPv6 address. */
function ipTargetOf(ip: string): DnsblTarget & { kind: 'ipv4' | 'ipv6' } {
  let target;
  try {
    target = parseTarget(ip);
  } catch {
    target = null;
  }
  if (!target || target.kind === 'domain') throw new WardenError('E_VALIDATION', `"${ip}" is not an IPv4 or IPv6 address`, 400);
  return { kind: target.kind, value: target.value };
}

/** Senders blamed for the IP's earliest current listing, or null while it is not listed. */
async function blameOfListing(db: Db, ip: string, listings: DnsblListingView[], blameWindowHours: number): Promise<z.infer<typeof listingBlameSchema>> {
  const listedSince = listings
    .filter((row) => row.status === 'listed' && row.since)
    .map((row) => row.since!.getTime())
    .sort((a, b) => a - b)[0];
  return listedSince === undefined ? null : blameRecord(await listingBlame(db, ip, new Date(listedSince), blameWindowHours));
}

async function ipHistory(db: Db, views: ZoneViews, ip: string, limit: number, blameWindowHours: number) {
  const target = ipTargetOf(ip);
  const history = await dnsblTargetHistory(db, target, limit);
  if (history.listings.length === 0 && history.checks.length === 0) throw new NotFoundError(`${target.value} was never checked against a blocklist`);
  return {
    ip: target.value,
    kind: target.kind,
    ...views.summarise(history.listings),
    checks: history.checks.map((row) => ({
      at: row.at.toISOString(),
      zoneId: row.zoneId,
      zone: row.zone,
      outcome: row.outcome,
      codes: row.codes,
      meanings: row.meanings,
      severity: row.severity,
      txt: row.txt,
      explanation: row.explanation,
      durationMs: row.durationMs,
    })),
    changes: history.changes.map((row) => ({ id: row.id, type: row.type, severity: row.severity, summary: row.summary, at: row.at.toISOString(), payload: row.payload })),
    blame: await blameOfListing(db, target.value, history.listings, blameWindowHours),
  };
}

export function ipsRouter(db: Db, dnsbl: Pick<DnsblConfig, 'customZones'>, blameWindowHours = 24) {
  const views = zoneViews(dnsbl);
  const router = new OpenAPIHono<ApiEnv>();
  router.use('/ips', requireScope('relay'));
  router.use('/ips/*', requireScope('relay'));
  router.use('/dnsbl/*', requireScope('relay'));
  return router
    .openapi(listIpsRoute, async (c) => c.json(await ipsState(db, views), 200))
    .openapi(ipHistoryRoute, async (c) => c.json(await ipHistory(db, views, c.req.valid('param').ip, c.req.valid('query').limit, blameWindowHours), 200))
    .openapi(listDomainsRoute, async (c) => c.json(await domainsState(db, views), 200));
}
