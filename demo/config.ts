// The demo's warden.yaml: the relay's addresses, the loopback blocklists, the local Maildir, the
// webhook receiver, fresh tokens, and job schedules in seconds so the story unfolds in a minute.
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { zoneCatalogue } from '../src/dnsbl/catalogue';
import { demoZones } from './blocklists';
import { verpPattern } from './mail/original';
import { relayDomain, relayNetwork } from './senders';

export interface DemoSecrets {
  relayToken: string;
  opsToken: string;
  webhookSecret: string;
  dashboardPassword: string;
}

export function newDemoSecrets(): DemoSecrets {
  return {
    relayToken: `demo-relay-${randomBytes(18).toString('base64url')}`,
    opsToken: `demo-ops-${randomBytes(18).toString('base64url')}`,
    webhookSecret: `whsec_${randomBytes(24).toString('base64')}`,
    dashboardPassword: `demo-${randomBytes(6).toString('hex')}`,
  };
}

export interface DemoConfigInput {
  secrets: DemoSecrets;
  port: number;
  dataDir: string;
  maildir: string;
  dns: { host: string; port: number };
  receiverUrl: string;
  /** Time compression: schedules and quiet periods shrink by this factor (never under 1 s). */
  speed: number;
}

export function demoConfig({ secrets, port, dataDir, maildir, dns, receiverUrl, speed }: DemoConfigInput): Record<string, unknown> {
  const seconds = (atSpeedOne: number) => Math.max(1, Math.round(atSpeedOne / speed));
  const every = (atSpeedOne: number) => `*/${seconds(atSpeedOne)} * * * * *`;
  return {
    server: { host: '127.0.0.1', port },
    database: { dataDir },
    log: { level: 'info' },
    auth: {
      tokens: [
        { name: 'demo-relay', token: secrets.relayToken, scopes: ['relay'] },
        { name: 'demo-ops', token: secrets.opsToken, scopes: ['relay', 'ops'] },
      ],
    },
    dashboard: { password: secrets.dashboardPassword },
    jobs: {
      'ingest-mailboxes': { schedule: every(5) },
      'evaluate-reputation': { schedule: every(10) },
      'dnsbl-check': { schedule: every(10) },
      'deliver-alerts': { schedule: every(3) },
    },
    relay: {
      ips: [relayNetwork.ipv4Range, relayNetwork.ipv6],
      domains: [relayDomain],
      policyServer: {
        enabled: true,
        host: '127.0.0.1',
        port: 0,
        senderFrom: 'sasl_username',
        // The demo relay also reports every delivery through POST /api/v1/events.
        recordSendEvents: false,
      },
    },
    dnsbl: {
      resolver: { nameserver: dns.host, port: dns.port, timeoutMs: 1000, retries: 1, perZoneQueriesPerSecond: 0 },
      // Only the loopback copies: the real lists are never asked about documentation addresses.
      disable: zoneCatalogue.filter((zone) => zone.enabledByDefault).map((zone) => zone.id),
      customZones: demoZones,
      confirmations: 2,
    },
    mailboxes: { local: [{ name: 'fbl-demo', path: maildir, format: 'maildir', holds: 'auto' }] },
    attribution: { verpPatterns: [verpPattern] },
    // The shipped thresholds (Gmail/Yahoo and SES lines) and volume floor; nothing is loosened
    // for the demo, the trouble-makers simply send enough.
    reputation: { minVolume: 200 },
    // The demo's senders stand for customers of long standing whose months of history are not
    // replayed: a sender the relay first sees starts with the established tier's hourly limit
    // instead of the new tier's 50, so the story told is the reputation engine's.
    tiers: { new: { limitPerHour: 1000, limitPerDay: null } },
    webhooks: {
      // On-call hears of throttles, suspensions, listings and mail trouble; warnings of single
      // complaints stay in the dashboard.
      destinations: [{ name: 'demo-receiver', url: receiverUrl, format: 'json', secret: secrets.webhookSecret, minSeverity: 'warning', timeoutMs: 2000 }],
      groupWaitSeconds: seconds(10),
      retry: { baseSeconds: 2, capSeconds: 30 },
    },
  };
}

export function demoConfigYaml(config: Record<string, unknown>): string {
  return `# Written by npm run demo at every start (and deleted with data/demo). Not a production config:
# see warden.example.yaml for every key.\n${stringify(config, { lineWidth: 120 })}`;
}
