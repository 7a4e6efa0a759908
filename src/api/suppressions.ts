// The suppression list for ops (ops scope): counts by reason and source, look-up by typing an
// address, add, remove (with a reason, audited), forget (erasure), and export/import as CSV of hashes.
// Addresses travel in request bodies, never in URLs (which end up in access logs).
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { suppressionReasons, suppressionScopes, suppressionSources } from '../config/suppression';
import type { Db } from '../db/client';
import { auditOfRecipient, countsByReasonAndSource, entriesInForce, entriesOfRecipient, recentAudit, type EntryRecord } from '../db/suppression-queries';
import { forgetAddress } from '../enforcement/suppression-traces';
import { importEntries, removeEntry, suppressRecipient, type Suppression } from '../enforcement/suppression';
import { NotFoundError, WardenError } from '../errors';
import type { SuppressionSnapshot } from '../relay/suppression-snapshot';
import { csvHeader, csvLine, parseCsvEntries } from '../suppression/csv';
import { isActive, storedScopeId } from '../suppression/entries';
import { requireScope } from './auth';
import { limitBody } from './body-limit';
import type { ApiEnv } from './env';
import { authErrorResponses, errorBody, errorReply } from './errors';
import { jsonObject, jsonResponse } from './json-object';
import { storableId, storableText, storableTimestamp } from './storable';

const security = [{ bearer: [] }];
/** A CSV of a million hashes is about 80 MB; larger lists import in parts. */
export const maxImportBytes = 32 * 1024 * 1024;
export const suppressionImportPath = '/api/v1/suppressions/import';

const address = storableText.min(3).max(320);
const note = storableText.min(1).max(500).openapi({ description: 'Why (kept in the audit)' });

const entryBody = z
  .object({
    id: z.number(),
    recipientHash: z.string().nullable().openapi({ description: 'Hex HMAC-SHA256 of the normalised address under suppression.key; null once forgotten' }),
    scope: z.enum(suppressionScopes),
    scopeId: z.string().openapi({ description: "The sender id or sender domain; '' for the relay" }),
    reason: z.enum(suppressionReasons),
    source: z.enum(suppressionSources),
    origin: z.string(),
    active: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
    expiresAt: z.string().nullable(),
    removedAt: z.string().nullable(),
  })
  .openapi('SuppressionEntry');

const auditBody = z
  .object({ id: z.number(), at: z.string(), actor: z.string(), action: z.string(), entryId: z.number().nullable(), note: z.string(), details: jsonObject.nullable() })
  .openapi('SuppressionAudit');

const toEntry = (row: EntryRecord, now: Date) => ({
  id: row.id,
  recipientHash: row.recipientHash,
  scope: row.scope,
  scopeId: row.scopeId,
  reason: row.reason,
  source: row.source,
  origin: row.origin,
  active: row.recipientHash !== null && isActive(row, now),
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
  expiresAt: row.expiresAt?.toISOString() ?? null,
  removedAt: row.removedAt?.toISOString() ?? null,
});

const toAudit = (row: Awaited<ReturnType<typeof recentAudit>>[number]) => ({
  id: row.id,
  at: row.at.toISOString(),
  actor: row.actor,
  action: row.action,
  entryId: row.entryId,
  note: row.note,
  details: row.details,
});

const bodyOf = <T extends z.ZodType>(schema: T) => ({ body: { required: true, content: { 'application/json': { schema } } } });
/** What a suppression route answers while suppression.key is not set: documented, and thrown. */
export const suppressionOffResponses = { 409: errorReply('Suppression is off (suppression.key is not set)') };
export const suppressionOff = () => new WardenError('E_SUPPRESSION_OFF', 'recipient suppression is off: set suppression.key', 409);
const off = suppressionOffResponses;

const summaryRoute = createRoute({
  method: 'get',
  path: '/suppressions/summary',
  operationId: 'getSuppressionSummary',
  summary: 'Suppression entries in force by reason and source',
  tags: ['suppressions'],
  security,
  responses: {
    200: jsonResponse(
      z
        .object({
          enabled: z.boolean(),
          total: z.number(),
          byReason: z.record(z.string(), z.number()),
          bySource: z.record(z.string(), z.number()),
          byReasonAndSource: z.array(z.object({ reason: z.string(), source: z.string(), count: z.number() })),
          snapshot: z.object({ entries: z.number(), version: z.number() }).nullable().openapi({ description: "This instance's in-memory list" }),
          recentAudit: z.array(auditBody),
        })
        .openapi('SuppressionSummary'),
      'Counts, and the latest audited changes',
    ),
    ...authErrorResponses,
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/suppressions',
  operationId: 'listSuppressions',
  summary: 'Suppression entries in force',
  tags: ['suppressions'],
  security,
  request: { query: z.object({ reason: z.enum(suppressionReasons).optional(), afterId: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(500).default(100) }) },
  responses: { 200: jsonResponse(z.object({ items: z.array(entryBody), nextAfterId: z.number().nullable() }), 'Entries by id'), ...authErrorResponses },
});

const lookupRoute = createRoute({
  method: 'post',
  path: '/suppressions/lookup',
  operationId: 'lookUpSuppressedAddress',
  summary: 'Look an address up',
  tags: ['suppressions'],
  security,
  description: 'The entries (in force or not) and audit of an address, found by its keyed hash: the address itself is not stored.',
  request: bodyOf(z.object({ address }).openapi('SuppressionLookup')),
  responses: {
    200: jsonResponse(z.object({ recipientHash: z.string(), suppressed: z.boolean(), entries: z.array(entryBody), audit: z.array(auditBody) }).openapi('SuppressionLookupResult'), 'What is stored for the address'),
    400: errorReply('Not an email address'),
    ...off,
    ...authErrorResponses,
  },
});

const addRoute = createRoute({
  method: 'post',
  path: '/suppressions',
  operationId: 'addSuppression',
  summary: 'Suppress an address',
  tags: ['suppressions'],
  security,
  request: bodyOf(
    z
      .object({
        address,
        scope: z.enum(suppressionScopes).default('relay'),
        scopeId: storableText.min(1).max(320).optional().openapi({ description: 'The sender id (scope sender) or sender domain (scope domain)' }),
        note,
        expiresAt: storableTimestamp.nullable().optional().openapi({ description: 'Absent: suppression.reasons.manual.expiresAfterDays; null: until removed' }),
      })
      .openapi('SuppressionAdd'),
  ),
  responses: { 201: jsonResponse(z.object({ recipientHash: z.string(), entry: entryBody.optional() }), 'Suppressed (no entry: one in force already covered it)'), 400: errorReply('Invalid'), ...off, ...authErrorResponses },
});

const removeRoute = createRoute({
  method: 'post',
  path: '/suppressions/{id}/remove',
  operationId: 'removeSuppression',
  summary: 'Remove an entry',
  tags: ['suppressions'],
  security,
  description: 'The relay stops refusing the recipient for this entry\'s scope (within a second on every instance); audited with the reason.',
  request: { params: z.object({ id: storableId }), ...bodyOf(z.object({ note }).openapi('SuppressionRemove')) },
  responses: { 200: jsonResponse(entryBody, 'Removed'), 404: errorReply('No entry in force with this id'), ...off, ...authErrorResponses },
});

const forgetRoute = createRoute({
  method: 'post',
  path: '/suppressions/forget',
  operationId: 'forgetAddress',
  summary: 'Forget an address (erasure request)',
  tags: ['suppressions'],
  security,
  description:
    'Removes every trace of the address: its entries (mail to it is no longer refused), sightings and the hash in audit rows; ' +
    'in stored complaints, bounces and raw reports the address (or its hash) becomes "[forgotten]"; send events keyed by it are re-keyed.',
  request: bodyOf(z.object({ address, note }).openapi('SuppressionForget')),
  responses: {
    200: jsonResponse(z.object({ entries: z.number(), sightings: z.number(), auditRows: z.number(), facts: z.number(), messages: z.number(), sendEvents: z.number() }).openapi('ForgetResult'), 'What was erased'),
    400: errorReply('Not an email address'),
    ...off,
    ...authErrorResponses,
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/suppressions/export',
  operationId: 'exportSuppressions',
  summary: 'Export the entries in force as CSV of hashes',
  tags: ['suppressions'],
  security,
  responses: { 200: { description: 'recipient_hash,scope,scope_id,reason,expires_at', content: { 'text/csv': { schema: z.string() } } }, ...authErrorResponses },
});

const importRoute = createRoute({
  method: 'post',
  path: '/suppressions/import',
  operationId: 'importSuppressions',
  summary: 'Import entries from CSV of hashes',
  tags: ['suppressions'],
  security,
  description: `A CSV as the export writes it (header line first; recipient_hash required, scope default relay, reason default manual), up to ${maxImportBytes} bytes. Hashes made under the same suppression.key match the same addresses. Bad rows are reported by line; the others are imported.`,
  request: { body: { required: true, content: { 'text/csv': { schema: z.string() } } } },
  responses: {
    200: jsonResponse(z.object({ rows: z.number(), imported: z.number(), rejected: z.array(z.object({ line: z.number(), error: z.string() })) }).openapi('SuppressionImportResult'), 'Imported'),
    ...off,
    ...authErrorResponses,
  },
});

/** Entries in force by reason and source, the in-memory list's size and the latest audit rows. */
async function summaryOf(db: Db, suppression: Suppression | undefined, snapshot: SuppressionSnapshot | undefined, now: Date) {
  const counts = await countsByReasonAndSource(db, now);
  const sum = (key: 'reason' | 'source') => counts.reduce<Record<string, number>>((totals, row) => ({ ...totals, [row[key]]: (totals[row[key]] ?? 0) + row.count }), {});
  return {
    enabled: suppression !== undefined,
    total: counts.reduce((total, row) => total + row.count, 0),
    byReason: sum('reason'),
    bySource: sum('source'),
    byReasonAndSource: counts,
    snapshot: snapshot ? { entries: snapshot.size.entries, version: snapshot.version } : null,
    recentAudit: (await recentAudit(db, 20)).map(toAudit),
  };
}

/** Every entry in force as CSV of hashes, read a page at a time. */
async function csvOfEntries(db: Db, now: Date): Promise<string> {
  let text = csvHeader;
  for (let afterId = 0; ; ) {
    const rows = await entriesInForce(db, now, afterId, 5000);
    for (const row of rows) text += csvLine({ ...row, recipientHash: row.recipientHash! });
    if (rows.length < 5000) return text;
    afterId = rows.at(-1)!.id;
  }
}

export function suppressionsRouter(db: Db, suppression: Suppression | undefined, snapshot: SuppressionSnapshot | undefined, clock: () => Date) {
  const router = new OpenAPIHono<ApiEnv>();
  router.use('/suppressions', requireScope('ops'));
  for (const path of ['summary', 'lookup', 'forget', 'export', 'import', ':id/remove']) router.use(`/suppressions/${path}`, requireScope('ops'));
  router.use('/suppressions/import', limitBody(maxImportBytes));
  const on = () => {
    if (!suppression) throw suppressionOff();
    return suppression;
  };
  const hashOf = (text: string) => {
    const recipientHash = on().keyer.hash(text);
    if (!recipientHash) throw new WardenError('E_VALIDATION', 'address: not an email address', 400);
    return recipientHash;
  };
  return router
    .openapi(summaryRoute, async (c) => c.json(await summaryOf(db, suppression, snapshot, clock()), 200))
    .openapi(listRoute, async (c) => {
      const { reason, afterId, limit } = c.req.valid('query');
      const now = clock();
      const rows = await entriesInForce(db, now, afterId, limit, reason);
      return c.json({ items: rows.map((row) => toEntry(row, now)), nextAfterId: rows.length === limit ? rows.at(-1)!.id : null }, 200);
    })
    .openapi(lookupRoute, async (c) => {
      const recipientHash = hashOf(c.req.valid('json').address);
      const now = clock();
      const entries = (await entriesOfRecipient(db, recipientHash)).map((row) => toEntry(row, now));
      const audit = (await auditOfRecipient(db, recipientHash, 100)).map(toAudit);
      return c.json({ recipientHash, suppressed: entries.some((entry) => entry.active), entries, audit }, 200);
    })
    .openapi(addRoute, async (c) => {
      const body = c.req.valid('json');
      const scopeId = storedScopeId(body.scope, body.scopeId);
      if (scopeId === undefined) throw new WardenError('E_VALIDATION', `scopeId: a ${body.scope} scope names its ${body.scope}`, 400);
      hashOf(body.address);
      const now = clock();
      const actor = c.get('principal').name;
      const expiresAt = body.expiresAt === undefined ? undefined : body.expiresAt === null ? null : new Date(body.expiresAt);
      const added = await suppressRecipient(on(), { address: body.address }, { scope: body.scope, scopeId, reason: 'manual', source: 'api', actor, note: body.note, expiresAt }, now);
      return c.json({ recipientHash: added!.recipientHash, ...(added!.entry ? { entry: toEntry(added!.entry, now) } : {}) }, 201);
    })
    .openapi(removeRoute, async (c) => {
      const { id } = c.req.valid('param');
      const now = clock();
      const removed = await removeEntry(on(), id, c.get('principal').name, c.req.valid('json').note, now);
      if (!removed) throw new NotFoundError(`no suppression entry ${id} in force`);
      return c.json(toEntry(removed, now), 200);
    })
    .openapi(forgetRoute, async (c) => {
      const body = c.req.valid('json');
      hashOf(body.address);
      const forgotten = await forgetAddress(db, on().keyer, body.address, c.get('principal').name, body.note, clock());
      const { recipientHash: _hash, ...counts } = forgotten!;
      return c.json(counts, 200);
    })
    .openapi(exportRoute, async (c) => {
      const now = clock();
      return c.body(await csvOfEntries(db, now), 200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="suppressions-${now.toISOString().slice(0, 10)}.csv"` });
    })
    .openapi(importRoute, async (c) => {
      const rows = parseCsvEntries(await c.req.text());
      const now = clock();
      const good = rows.flatMap((row) => ('entry' in row ? [row.entry] : []));
      const rejected = rows.flatMap((row) => ('error' in row ? [{ line: row.line, error: row.error }] : []));
      const actor = c.get('principal').name;
      const imported = await importEntries(on(), good.filter((entry) => entry.expiresAt === null || entry.expiresAt > now).map((entry) => ({ ...entry, source: 'import', origin: actor })), actor, `CSV import of ${rows.length} rows`, now);
      return c.json({ rows: rows.length, imported, rejected }, 200);
    });
}
