// `warden check <ip-or-domain>`: a one-off blocklist check against the enabled zones, no database.
import { checkOneTarget } from '../dnsbl/run';
import type { CheckResult } from '../db/schema/dnsbl';
import { DnsblTargetError } from '../dnsbl/targets';
import { DnsblZoneConfigError } from '../dnsbl/zones';
import type { CliCommand } from './command';

const usage = `Usage: warden check <ip-or-domain> [--json]

Checks one IPv4/IPv6 address or domain against every enabled blocklist zone (dnsbl config), after
checking each zone's test points, and prints one row per zone: outcome (listed, clear, refused,
unhealthy, error, unknown), return codes and their meaning, severity and the delisting link.
Uses dnsbl.resolver (nameserver, port); stores nothing.

--json   print the checks and zone health as JSON instead of a table

Exit codes: 0 checked (whatever the outcome), 2 not an address or domain, 78 invalid zone config.`;

const maxCell = 100;
const cell = (text: string) => (text.length > maxCell ? `${text.slice(0, maxCell - 1)}…` : text);

function detail(check: CheckResult): string {
  if (check.outcome === 'listed') return check.meanings.map((entry) => `${entry.code} ${entry.meaning}`).join('; ') || check.codes.join(', ');
  if (check.outcome === 'clear') return '-';
  return check.explanation ?? check.codes.join(', ');
}

export const checkCommand: CliCommand = {
  name: 'check',
  usage,
  async run(args, ctx) {
    const json = args.includes('--json');
    const positional = args.filter((arg) => arg !== '--json');
    if (positional.length !== 1 || positional[0]!.startsWith('-')) {
      ctx.stderr(`${usage}\n`);
      return 2;
    }
    const config = await ctx.loadConfig();
    let run;
    try {
      run = await checkOneTarget(config.dnsbl, positional[0]!);
    } catch (error) {
      if (error instanceof DnsblTargetError) {
        ctx.stderr(`warden check: ${error.message}; expected an IPv4 or IPv6 address or a domain name\n`);
        return 2;
      }
      if (error instanceof DnsblZoneConfigError) {
        ctx.stderr(`warden check: invalid dnsbl config: ${error.message}\n`);
        return 78;
      }
      throw error;
    }
    const target = run.targets[0]!;
    if (json) {
      ctx.stdout(`${JSON.stringify({ target, checks: run.checks, zoneHealth: run.zoneHealth, queries: run.queryCount, durationMs: Math.round(run.durationMs) }, null, 2)}\n`);
      return 0;
    }
    if (run.checks.length === 0) {
      ctx.stdout(`${target.value} (${target.kind}): no enabled zone checks ${target.kind} targets\n`);
      return 0;
    }
    const definitions = new Map(run.zones.map((zone) => [zone.definition.id, zone.definition]));
    const listed = run.checks.filter((check) => check.outcome === 'listed').length;
    const rows = run.checks.map((check) => {
      const definition = definitions.get(check.zoneId);
      return [
        `${check.zone}`,
        check.outcome,
        cell(detail(check)),
        check.severity ?? '-',
        check.outcome === 'listed' ? (definition?.delistUrl ?? '-') : '-',
      ];
    });
    ctx.stdout(`${target.value} (${target.kind}): listed on ${listed} of ${run.checks.length} zones\n\n`);
    ctx.stdout(formatTable(['ZONE', 'OUTCOME', 'CODES / MEANING', 'SEVERITY', 'DELISTING'], rows));
    return 0;
  },
};

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((text, i) => text.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}
