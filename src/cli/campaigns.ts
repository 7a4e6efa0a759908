// `warden campaigns`: list, show and dismiss campaigns (abuse spread over senders, caught as one).
import { parseArgs } from 'node:util';
import { dismissCampaign, getCampaign, listCampaigns } from '../db/campaign-queries';
import { withMigratedDatabase, type CliCommand } from './command';

const usage = `Usage: warden campaigns list [--status active|dismissed|all] [--limit <n>] [--json]
       warden campaigns show <id> [--json]
       warden campaigns dismiss <id> --reason <text>

list     campaigns, newest first: id, status, action, senders, complaints, the rule that raised it
show     one campaign as JSON: members (acted on or also seen, and why), fingerprints with their
         evidence and footing (volume or distinctiveness), networks, complaints, timeline
dismiss  a false positive: its senders are released from it and its fingerprints never raise again
--json   list as a JSON array (show always prints JSON)`;

export const campaignsCommand: CliCommand = {
  name: 'campaigns',
  usage,
  async run(args, ctx) {
    let parsed;
    try {
      parsed = parseArgs({ args, allowPositionals: true, options: { status: { type: 'string', default: 'all' }, limit: { type: 'string', default: '50' }, reason: { type: 'string' }, json: { type: 'boolean', default: false } } });
    } catch (error) {
      ctx.stderr(`warden campaigns: ${(error as Error).message}\n${usage}\n`);
      return 2;
    }
    const [verb, idText, extra] = parsed.positionals;
    const { values } = parsed;
    const problem = (() => {
      if (!verb || !['list', 'show', 'dismiss'].includes(verb)) return `expected list, show or dismiss`;
      if (verb === 'list' && (idText || !['active', 'dismissed', 'all'].includes(values.status!))) return '--status must be active, dismissed or all';
      if (verb === 'list' && !/^\d+$/.test(values.limit!)) return '--limit takes a whole number';
      if (verb !== 'list' && (!idText || !/^\d+$/.test(idText) || extra)) return 'expected one campaign id';
      if (verb === 'dismiss' && (values.reason ?? '').length < 3) return '--reason is required (at least 3 characters)';
      return undefined;
    })();
    if (problem) {
      ctx.stderr(`warden campaigns: ${problem}\n${usage}\n`);
      return 2;
    }
    return withMigratedDatabase(ctx, async (database) => {
      if (verb === 'list') {
        const rows = await listCampaigns(database.db, { status: values.status === 'all' ? undefined : (values.status as 'active'), limit: Number(values.limit), offset: 0 });
        if (values.json) {
          ctx.stdout(`${JSON.stringify(rows, null, 2)}\n`);
          return 0;
        }
        if (rows.length === 0) ctx.stdout('no campaigns\n');
        for (const row of rows) {
          ctx.stdout(`#${row.id}  ${row.status.padEnd(9)}  ${row.action.padEnd(8)}  ${String(row.senders.length).padStart(4)} senders  ${String(row.complaintCount).padStart(5)} complaints  ${row.raisedAt.toISOString()}  ${row.rule}\n`);
        }
        return 0;
      }
      const id = Number(idText);
      if (verb === 'dismiss') {
        const row = await dismissCampaign(database.db, id, `cli:${ctx.env.USER ?? 'ops'}`, values.reason!, new Date());
        if (!row) {
          ctx.stderr(`warden campaigns: no campaign ${id}\n`);
          return 1;
        }
      }
      const campaign = await getCampaign(database.db, id);
      if (!campaign) {
        ctx.stderr(`warden campaigns: no campaign ${id}\n`);
        return 1;
      }
      ctx.stdout(`${JSON.stringify(campaign, null, 2)}\n`);
      return 0;
    });
  },
};
