// /openapi.json as a client generator reads it: every operation named (a stable camelCase
// operationId), and the document clean under Redocly's recommended ruleset (the linter's own CLI,
// run on the document the app serves).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allJobs } from '../../../src/jobs';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { HourlyCounter } from '../../../src/relay/hourly-counter';
import { PolicySnapshot } from '../../../src/relay/policy-snapshot';
import { resolveJobs } from '../../../src/scheduler/scheduler';
import { testEngines } from '../../support/engines';
import { json } from '../../support/http';
import { projectRoot } from '../../support/warden-process';

const config = wardenConfigSchema.parse({ auth: { tokens: [{ name: 'ops', token: 'ops-token-0123456789abcdef01', scopes: ['ops'] }] } });
const logger = pino({ level: 'silent' });
const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

interface Operation {
  operationId?: string;
  summary?: string;
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

/** "get /api/v1/senders" → its operation, for every operation of the document. */
function operations(document: OpenApiDocument): [string, Operation][] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => methods.includes(method))
      .map(([method, operation]): [string, Operation] => [`${method} ${path}`, operation]),
  );
}

describe('the OpenAPI document', () => {
  let database: Database;
  let document: OpenApiDocument;
  beforeAll(async () => {
    database = await testEngines()[0]!.open();
    // With the policy snapshot and the hourly counter, so the relay's policy API routes are in the document too.
    const policySnapshot = new PolicySnapshot(database, { throttleLimitPerHour: 100, tiers: config.tiers, campaigns: config.campaigns, refreshSeconds: 3600, logger });
    const hourlyCounter = new HourlyCounter(database.db, { flushMs: 1000, logger });
    const app = createApp({ database, config, logger, jobs: resolveJobs(allJobs, {}), policySnapshot, hourlyCounter });
    document = (await json(app.request('/openapi.json'))) as OpenApiDocument;
  });
  afterAll(() => database.close());

  it('names every operation with a unique camelCase operationId', () => {
    const all = operations(document);
    expect(all.length).toBeGreaterThan(30);
    expect(all.filter(([, operation]) => !operation.operationId).map(([name]) => name)).toEqual([]);
    for (const [name, operation] of all) expect(operation.operationId, name).toMatch(/^[a-z][a-zA-Z0-9]*$/);
    const ids = all.map(([, operation]) => operation.operationId);
    expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
  });

  it('keeps the names generated clients already use', () => {
    // Renaming one breaks every client generated from an earlier document: change these on purpose only.
    const idOf = Object.fromEntries(operations(document).map(([name, operation]) => [name, operation.operationId]));
    expect(idOf).toMatchObject({
      'get /healthz': 'getHealth',
      'get /readyz': 'getReadiness',
      'get /api/v1/senders': 'listSenders',
      'get /api/v1/senders/{id}': 'getSender',
      'post /api/v1/senders/{id}/override': 'setSenderOverride',
      'delete /api/v1/senders/{id}/override': 'clearSenderOverride',
      'post /api/v1/senders/{id}/tier': 'pinSenderTier',
      'delete /api/v1/senders/{id}/tier': 'unpinSenderTier',
      'get /api/v1/domains': 'listDomains',
      'get /api/v1/domains/{id}': 'getDomain',
      'get /api/v1/policy/senders/{id}': 'getSenderPolicy',
      'get /api/v1/policy': 'listPolicyChanges',
      'post /api/v1/policy/senders/{id}/accepted': 'countAcceptedMessage',
      'post /api/v1/events': 'postSendEvents',
      'get /api/v1/alerts': 'listAlerts',
      'post /api/v1/alerts/deliveries/replay': 'replayAlertDeliveries',
      'get /api/v1/ips': 'listIps',
      'get /api/v1/campaigns/{id}': 'getCampaign',
    });
  });

  it('gives every operation a summary', () => {
    expect(operations(document).filter(([, operation]) => !operation.summary?.trim()).map(([name]) => name)).toEqual([]);
  });

  it('passes `redocly lint` (recommended rules) with no error and no warning but the health checks having no 4xx', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'warden-openapi-'));
    try {
      const file = join(directory, 'openapi.json');
      writeFileSync(file, JSON.stringify(document, null, 2));
      // Telemetry and the update check off: tests reach nothing but loopback.
      const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };
      const cli = join(projectRoot, 'node_modules', '.bin', 'redocly');
      const run = await promisify(execFile)(cli, ['lint', '--extends=recommended', '--format=json', file], { env, cwd: directory, maxBuffer: 32 * 1024 * 1024 }).catch(
        (error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
      );
      const report = JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as {
        totals: { errors: number; warnings: number };
        problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
      };
      const described = report.problems.map((problem) => `${problem.severity} ${problem.ruleId} ${problem.location[0]?.pointer}: ${problem.message}`);
      expect(described.filter((line) => line.startsWith('error'))).toEqual([]);
      expect(report.totals.errors).toBe(0);
      // /healthz and /readyz answer 200 or 503 and nothing in the 4xx range, which the rule asks for.
      expect(report.problems.filter((problem) => !(problem.ruleId === 'operation-4xx-response' && /~1(healthz|readyz)\//.test(problem.location[0]?.pointer ?? ''))).map((p) => p.message)).toEqual([]);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 60_000);
});
