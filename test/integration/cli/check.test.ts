// `warden check` as a user runs it: a real process against a DNS server on loopback, no database.
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { zoneCatalogue } from '../../../src/dnsbl/catalogue';
import { startTestDnsServer, type TestDnsServer } from '../../support/dns-server';
import { runWarden } from '../../support/warden-process';

let server: TestDnsServer;
let cwd: string;
beforeAll(async () => {
  server = await startTestDnsServer((name) => {
    if (name === '2.0.0.127.good.test') return { kind: 'answer', a: ['127.0.0.2'] };
    if (name === '10.2.0.192.good.test') return { kind: 'answer', a: ['127.0.0.3'], txt: ['https://good.test/lookup'] };
    if (name.endsWith('.refuse.test')) return { kind: 'answer', a: ['127.255.255.254'] };
    return { kind: 'nxdomain' };
  });
  const zone = (id: string) => ({
    id,
    name: `${id} list`,
    zone: `${id}.test`,
    kinds: ['ipv4'],
    codes: [
      { code: '127.0.0.2', meaning: 'test point', severity: 'error' },
      { code: '127.0.0.3', meaning: 'spam source', severity: 'critical' },
    ],
    refusedCodes: [{ code: '127.255.255.254', explanation: 'query came through a public resolver' }],
    testPoints: { listed: ['127.0.0.2'], notListed: ['127.0.0.1'] },
    delistUrl: `https://${id}.test/delist`,
    usage: { access: 'free', summary: 'test zone' },
  });
  cwd = mkdtempSync(join(tmpdir(), 'warden-check-'));
  // YAML is a superset of JSON.
  writeFileSync(
    join(cwd, 'warden.yaml'),
    JSON.stringify({
      dnsbl: {
        disable: zoneCatalogue.filter((entry) => entry.enabledByDefault).map((entry) => entry.id),
        customZones: [zone('good'), zone('refuse')],
        resolver: { nameserver: server.host, port: server.port, timeoutMs: 500, retries: 0, perZoneQueriesPerSecond: 0 },
      },
    }),
  );
});
afterAll(() => server.close());

describe('warden check', () => {
  it('prints one row per zone with outcome, meaning, severity and delisting link', async () => {
    const result = await runWarden(['check', '192.0.2.10'], { cwd });
    expect(result.code).toBe(0);
    const lines = result.output.trimEnd().split('\n');
    expect(lines[0]).toBe('192.0.2.10 (ipv4): listed on 1 of 2 zones');
    expect(lines[2]).toMatch(/^ZONE\s+OUTCOME\s+CODES \/ MEANING\s+SEVERITY\s+DELISTING$/);
    expect(lines.find((line) => line.startsWith('good.test'))).toMatch(/^good\.test\s+listed\s+127\.0\.0\.3 spam source\s+critical\s+https:\/\/good\.test\/delist$/);
    expect(lines.find((line) => line.startsWith('refuse.test'))).toMatch(/^refuse\.test\s+refused\s+.*public resolver/);
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });

  it('prints JSON with --json', async () => {
    const result = await runWarden(['check', '192.0.2.11', '--json'], { cwd });
    expect(result.code).toBe(0);
    const body = JSON.parse(result.output);
    expect(body.target).toEqual({ kind: 'ipv4', value: '192.0.2.11' });
    expect(body.checks.map((check: { zoneId: string; outcome: string }) => [check.zoneId, check.outcome])).toEqual([
      ['good', 'clear'],
      ['refuse', 'refused'],
    ]);
  });

  it('rejects what is neither an address nor a domain with exit 2', async () => {
    const result = await runWarden(['check', 'not an ip!'], { cwd });
    expect(result.code).toBe(2);
    expect(result.output).toContain('warden check: "not an ip!" is not an IP address or a domain name');
    expect((await runWarden(['check'], { cwd })).code).toBe(2);
  });
});
