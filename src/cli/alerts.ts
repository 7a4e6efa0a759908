// `warden alerts`: list alerts or dead-lettered deliveries, replay dead ones, send a test alert.
import { parseArgs } from 'node:util';
import { replayDeadDeliveries } from '../alerts/replay';
import { sendTestAlert } from '../alerts/test-alert';
import { listAlerts, listDeliveries } from '../db/alert-queries';
import { createLogger } from '../logger';
import { withMigratedDatabase, type CliCommand } from './command';

const usage = `Usage: warden alerts list [--state firing|resolved] [--limit <n>] [--json]
       warden alerts list --dead [--limit <n>] [--json]
       warden alerts replay <delivery-id> | --all-dead
       warden alerts test <destination>

list    alerts, firing first, then the most recent; --dead lists dead-lettered deliveries instead
replay  queue dead-lettered deliveries again; the deliver-alerts job sends them in their order
test    send a test alert to a configured destination now; exits 1 if it was not accepted
--json  list as a JSON array instead of a table`;

export const alertsCommand: CliCommand = {
  name: 'alerts',
  usage,
  async run(args, ctx) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        options: {
          state: { type: 'string' },
          limit: { type: 'string', default: '50' },
          dead: { type: 'boolean', default: false },
          'all-dead': { type: 'boolean', default: false },
          json: { type: 'boolean', default: false },
        },
      });
    } catch (error) {
      ctx.stderr(`warden alerts: ${(error as Error).message}\n${usage}\n`);
      return 2;
    }
    const [verb, target, extra] = parsed.positionals;
    const { values } = parsed;
    const problem = (() => {
      if (extra) return `unexpected argument ${extra}`;
      if (verb === 'list') {
        if (target) return `unexpected argument ${target}`;
        if (values.state && !['firing', 'resolved'].includes(values.state)) return '--state must be firing or resolved';
        if (!/^\d+$/.test(values.limit) || Number(values.limit) < 1) return '--limit takes a positive whole number';
        return undefined;
      }
      if (verb === 'replay') {
        if (values['all-dead'] === Boolean(target)) return 'give a delivery id or --all-dead';
        if (target && !/^\d+$/.test(target)) return 'a delivery id is a number (see warden alerts list --dead)';
        return undefined;
      }
      if (verb === 'test') return target ? undefined : 'give a destination name';
      return verb ? `unknown verb ${verb}` : 'expected list, replay or test';
    })();
    if (problem) {
      ctx.stderr(`warden alerts: ${problem}\n${usage}\n`);
      return 2;
    }
    return withMigratedDatabase(ctx, async (database, config) => {
      const now = new Date();
      if (verb === 'list' && values.dead) {
        const dead = await listDeliveries(database.db, { status: 'dead', limit: Number(values.limit) });
        if (values.json) {
          ctx.stdout(`${JSON.stringify(dead, null, 2)}\n`);
          return 0;
        }
        const rows = dead.map((d) => [String(d.id), d.destination, d.kind, d.alertId ? String(d.alertId) : '-', String(d.attempts), d.createdAt.toISOString(), d.lastError ?? '']);
        ctx.stdout(formatTable(['DELIVERY', 'DESTINATION', 'KIND', 'ALERT', 'ATTEMPTS', 'CREATED', 'LAST ERROR'], rows));
        return 0;
      }
      if (verb === 'list') {
        const alerts = await listAlerts(database.db, { state: values.state as 'firing' | 'resolved' | undefined, limit: Number(values.limit) });
        if (values.json) {
          ctx.stdout(`${JSON.stringify(alerts, null, 2)}\n`);
          return 0;
        }
        const rows = alerts.map((a) => [String(a.id), a.state, a.severity, a.dedupKey, String(a.subjects.length), a.firstAt.toISOString(), a.notifiedAt ? 'yes' : 'not yet', a.title]);
        ctx.stdout(formatTable(['ID', 'STATE', 'SEVERITY', 'DEDUP KEY', 'SUBJECTS', 'FIRST', 'NOTIFIED', 'TITLE'], rows));
        return 0;
      }
      if (verb === 'replay') {
        const replayed = await replayDeadDeliveries(database.db, config.webhooks, target ? { id: Number(target) } : { allDead: true }, now);
        ctx.stdout(`${replayed.length} ${replayed.length === 1 ? 'delivery' : 'deliveries'} queued again: ${replayed.map((d) => d.id).join(', ') || '(none dead)'}\n`);
        return 0;
      }
      const logger = createLogger(config.log.level === 'info' ? 'warn' : config.log.level, process.stderr as never);
      const { delivery, attempt } = await sendTestAlert({ db: database.db, config: config.webhooks, logger }, target!, now);
      ctx.stdout(
        `${JSON.stringify({ delivered: attempt.ok, deliveryId: delivery.id, messageId: delivery.messageId, httpStatus: attempt.httpStatus, latencyMs: attempt.latencyMs, error: attempt.error, response: attempt.responseSnippet }, null, 2)}\n`,
      );
      return attempt.ok ? 0 : 1;
    });
  },
};

function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  return [header, ...rows].map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}
