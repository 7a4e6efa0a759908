import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/config-error';
import { loadConfig } from '../../../src/config/load';
import { projectRoot } from '../../support/warden-process';

function writeConfig(yaml: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'warden-config-')), 'warden.yaml');
  writeFileSync(path, yaml);
  return path;
}

function problemsOf(yaml: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    loadConfig({ configPath: writeConfig(yaml), env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('config loading', () => {
  it('serves defaults when there is no config file at all', () => {
    const config = loadConfig({ env: {}, cwd: mkdtempSync(join(tmpdir(), 'warden-empty-')) });
    expect(config.server).toEqual({ host: '127.0.0.1', port: 7780, trustedProxies: [] });
    expect(config.database.url).toBeUndefined();
    expect(config.database.dataDir).toBe('./data');
    expect(config.reputation.complaintRate.suspend).toBe(0.003);
    expect(Object.isFrozen(config.server)).toBe(true);
  });

  it('accepts the shipped warden.example.yaml once its secrets are in the environment', () => {
    const env = {
      WARDEN_RELAY_TOKEN: 'r'.repeat(32),
      WARDEN_OPS_TOKEN: 'o'.repeat(32),
      FBL_IMAP_PASSWORD: 'imap-secret',
      WARDEN_WEBHOOK_SECRET: 'whsec_abcdefghijklmnop',
      WARDEN_TOKEN_SECRET: 't'.repeat(40),
      PAGERDUTY_ROUTING_KEY: 'R015ABCDEF0123456789ABCDEF012345',
      SLACK_WEBHOOK_URL: 'https://hooks.slack.example/services/T0/B0/x',
      WARDEN_DASHBOARD_PASSWORD: 'a dashboard password',
      WARDEN_SESSION_SECRET: 's'.repeat(40),
    };
    const config = loadConfig({ configPath: join(projectRoot, 'warden.example.yaml'), env });
    expect(config.auth.tokens.map((t) => t.token)).toEqual([env.WARDEN_RELAY_TOKEN, env.WARDEN_OPS_TOKEN]);
    expect(config.relay.ips).toContain('198.51.100.0/28');
    expect(config.mailboxes.imap[0]!.password).toBe('imap-secret');
    expect(config.webhooks.routes[0]!.destinations).toEqual(['pager']);
    expect(config.jobs['deliver-alerts']!.schedule).toBe('*/5 * * * * *');
    expect(config.dashboard).toMatchObject({ enabled: true, password: env.WARDEN_DASHBOARD_PASSWORD, sessionHours: 12 });
  });

  it('refuses a webhook route naming a destination that does not exist', () => {
    const path = writeConfig('webhooks:\n  destinations: [{ name: a, url: "https://h.example/a" }]\n  routes: [{ destinations: [b] }]\n');
    expect(() => loadConfig({ configPath: path, env: {} })).toThrow(/webhooks\.routes\[0\]\.destinations\[0\].*no destination named b/);
  });

  it('refuses a PagerDuty routing key or URL of the wrong shape at load, naming the key', () => {
    const pager = (url: string, routingKey: string) => `webhooks:\n  destinations: [{ name: pd, format: pagerduty, url: "${url}", routingKey: "${routingKey}" }]\n`;
    const good = 'R015ABCDEF0123456789ABCDEF012345';
    expect(problemsOf(pager('https://events.pagerduty.com/v2/enqueue', 'R0UT1NGKEY'))).toMatch(/webhooks\.destinations\[0\]\.routingKey: \(secret value hidden\).*32-character integration key/);
    expect(problemsOf(pager('https://events.pagerduty.com/v2/enqueue', `${good} `))).toMatch(/routingKey/);
    expect(problemsOf(pager('events.pagerduty.com/v2/enqueue', good))).toMatch(/webhooks\.destinations\[0\]\.url: .*absolute http/);
    expect(problemsOf(pager('https://events.pagerduty.com/', good))).toMatch(/webhooks\.destinations\[0\]\.url: .*Events API v2 endpoint/);
    expect(loadConfig({ configPath: writeConfig(pager('https://events.pagerduty.com/v2/enqueue', good)), env: {} }).webhooks.destinations[0]!.routingKey).toBe(good);
  });

  it('refuses IMAP without TLS to a host other than loopback unless plaintext is allowed', () => {
    const account = (host: string, extra = '') => `mailboxes:\n  imap:\n    - { name: fbl, host: "${host}", port: 143, tls: none, user: u, password: p${extra} }\n`;
    expect(problemsOf(account('imap.example.com'))).toMatch(/mailboxes\.imap\[0\]\.tls.*clear text.*allowPlaintext: true/);
    expect(problemsOf(account('10.0.0.5'))).toMatch(/clear text/);
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]']) {
      expect(loadConfig({ configPath: writeConfig(account(host)), env: {} }).mailboxes.imap[0]!.tls).toBe('none');
    }
    expect(loadConfig({ configPath: writeConfig(account('imap.internal.example', ', allowPlaintext: true')), env: {} }).mailboxes.imap[0]!.allowPlaintext).toBe(true);
  });

  it('interpolates ${VAR} and ${VAR:-fallback} in values, and $${ stays literal', () => {
    const path = writeConfig('database:\n  url: postgres://u:${DB_PASS}@db/${DB_NAME:-warden}\n  dataDir: "$${HOME}/x"\n');
    const config = loadConfig({ configPath: path, env: { DB_PASS: 's3cret' } });
    expect(config.database.url).toBe('postgres://u:s3cret@db/warden');
    expect(config.database.dataDir).toBe('${HOME}/x');
  });

  it('lets DATABASE_URL, PORT and HOST override the file', () => {
    const path = writeConfig('server:\n  port: 9000\n  host: 0.0.0.0\n');
    const config = loadConfig({
      configPath: path,
      env: { PORT: '9100', HOST: '::1', DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' },
    });
    expect(config.server).toEqual({ host: '::1', port: 9100, trustedProxies: [] });
    expect(config.database.url).toBe('postgres://postgres@127.0.0.1:5432/test');
  });

  it('finds warden.yaml in the working directory, and WARDEN_CONFIG elsewhere', () => {
    const path = writeConfig('server:\n  port: 9200\n');
    expect(loadConfig({ env: {}, cwd: join(path, '..') }).server.port).toBe(9200);
    expect(loadConfig({ env: { WARDEN_CONFIG: path } }).server.port).toBe(9200);
  });

  it('rejects an unknown key, naming it, its line and the keys expected there', () => {
    const message = problemsOf('server:\n  host: 127.0.0.1\n  prot: 8080\n');
    expect(message).toContain('line 3: server.prot: unknown key (did you mean port?); expected one of: host, port');
  });

  it('rejects an unknown top-level section', () => {
    expect(problemsOf('dnsbls:\n  disable: []\n')).toMatch(/line 1: dnsbls: unknown key \(did you mean dnsbl\?\)/);
  });

  it('rejects a value of the wrong type, naming the key, the value and the expected type', () => {
    const message = problemsOf('server:\n  port: "eighty"\n');
    expect(message).toContain('line 2: server.port: "eighty" is not valid: expected number');
  });

  it('rejects a bad CIDR range, naming the list entry and the value', () => {
    const message = problemsOf('relay:\n  ips:\n    - 192.0.2.0/24\n    - 10.0.0.300/24\n');
    expect(message).toContain('line 4: relay.ips[1]: "10.0.0.300/24" is not an IP address or CIDR range');
  });

  it('rejects a CIDR range with host bits set and suggests the network', () => {
    expect(problemsOf('relay:\n  ips: ["192.0.2.7/24"]\n')).toContain('"192.0.2.7/24" has host bits set (did you mean 192.0.2.0/24?)');
  });

  it('rejects an IPv6 prefix length out of range', () => {
    expect(problemsOf('relay:\n  ips: ["2001:db8::/129"]\n')).toContain('invalid prefix length /129');
  });

  it('rejects a range larger than relay.maxRangeAddresses', () => {
    expect(problemsOf('relay:\n  ips: ["10.0.0.0/8"]\n')).toContain('"10.0.0.0/8" holds 16777216 addresses, more than relay.maxRangeAddresses (4096)');
  });

  it('names an environment variable that is referenced but not set', () => {
    expect(problemsOf('auth:\n  tokens:\n    - name: ops\n      token: ${OPS_TOKEN}\n      scopes: [ops]\n')).toContain(
      'line 4: auth.tokens[0].token: refers to environment variable OPS_TOKEN, which is not set',
    );
  });

  it('never prints a secret value in an error', () => {
    const message = problemsOf('auth:\n  tokens:\n    - name: ops\n      token: short-secret\n      scopes: [ops]\n');
    expect(message).toContain('auth.tokens[0].token: (secret value hidden) is not valid: expected a token of at least 24 characters');
    expect(message).not.toContain('short-secret');
  });

  it('says which environment variable carried a bad override', () => {
    const path = writeConfig('server:\n  port: 9000\n');
    expect(() => loadConfig({ configPath: path, env: { PORT: 'http' } })).toThrow(
      'server.port (from environment variable PORT): "http" is not valid: expected number',
    );
  });

  it('reports a YAML syntax error with its line', () => {
    expect(problemsOf('server:\n  port: 80\n   host: x\n')).toMatch(/line \d+: \(yaml\):/);
  });

  it('rejects an invalid cron schedule for a job', () => {
    expect(problemsOf('jobs:\n  prune-history:\n    schedule: "every minute"\n')).toContain(
      'jobs.prune-history.schedule: "every minute" is not valid: expected a cron expression',
    );
  });

  it('reports a named config file that does not exist', () => {
    expect(() => loadConfig({ configPath: '/nonexistent/warden.yaml', env: {} })).toThrow('/nonexistent/warden.yaml does not exist');
  });
});
