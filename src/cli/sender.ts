import { parseArgs } from 'node:util';
import { tierNames, type TierName } from '../config/tiers';
import { getSubject, writeOverride, writePinnedTier } from '../db/subjects';
import { loadSenderPolicy } from '../enforcement/sender-policy';
import { withMigratedDatabase, type CliCommand } from './command';

const usage = `Usage: warden sender show <id> [--domain <sending-domain>] [--json]
       warden sender override <id> --action allow|warn|throttle|suspend --reason <text>
                              [--for <hours> | --until <ISO time>] [--limit <per hour>] [--domain-wide]
       warden sender clear <id> --reason <text> [--domain-wide]
       warden sender tier <id> (--pin new|established|trusted | --unpin) --reason <text>

show      the policy the relay gets for a sender now, and its latest figures
override  set a manual action that wins over automatic decisions until it expires
clear     remove the manual action; the automatic decision applies again
tier      pin the sender's tier (its hourly and daily limits) or unpin it (the earned tier applies)
--domain-wide applies override/clear to the sender domain <id> instead of a sender
Every verb prints the sender's policy, tier and figures as JSON (--json is accepted and changes nothing).`;

/** What is wrong with the command line, or undefined when it can run. */
function problemWith(verb: string | undefined, id: string | undefined, extra: string | undefined, values: { pin?: string; unpin?: boolean; reason?: string; action?: string; for?: string; until?: string; limit?: string }): string | undefined {
    if (!verb || !id || extra) return 'expected a verb and one id';
    if (!['show', 'override', 'clear', 'tier'].includes(verb)) return `unknown verb ${verb}`;
    if (verb === 'tier' && !values.unpin === !values.pin) return 'give --pin <tier> or --unpin';
    if (verb === 'tier' && values.pin && !(tierNames as readonly string[]).includes(values.pin)) return '--pin must be new, established or trusted';
    if (verb !== 'show' && !values.reason) return '--reason is required';
    if (verb === 'override' && !['allow', 'warn', 'throttle', 'suspend'].includes(values.action ?? '')) return '--action must be allow, warn, throttle or suspend';
    if (values.for && values.until) return 'give --for or --until, not both';
    if (values.for && !(Number(values.for) > 0)) return '--for takes a number of hours';
    if (values.until && Number.isNaN(Date.parse(values.until))) return '--until takes an ISO time, e.g. 2026-12-01T00:00:00Z';
    if (values.limit && !/^\d+$/.test(values.limit)) return '--limit takes a whole number of messages per hour';
    return undefined;
}

export const senderCommand: CliCommand = {
  name: 'sender',
  usage,
  async run(args, ctx) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        options: {
          action: { type: 'string' },
          reason: { type: 'string' },
          for: { type: 'string' },
          until: { type: 'string' },
          limit: { type: 'string' },
          domain: { type: 'string' },
          'domain-wide': { type: 'boolean', default: false },
          pin: { type: 'string' },
          unpin: { type: 'boolean', default: false },
          json: { type: 'boolean', default: false },
        },
      });
    } catch (error) {
      ctx.stderr(`warden sender: ${(error as Error).message}\n${usage}\n`);
      return 2;
    }
    const [verb, id, extra] = parsed.positionals;
    const { values } = parsed;
    const problem = problemWith(verb, id, extra, values);
    if (problem) {
      ctx.stderr(`warden sender: ${problem}\n${usage}\n`);
      return 2;
    }
    return withMigratedDatabase(ctx, async (database, config) => {
      const now = new Date();
      const kind = values['domain-wide'] ? 'domain' : 'sender';
      if (verb === 'tier') {
        await writePinnedTier(database.db, id!, values.unpin ? null : (values.pin as TierName), `cli:${process.env.USER ?? 'ops'}`, values.reason!, now);
      }
      if (verb === 'override' || verb === 'clear') {
        const until = values.until ? new Date(values.until) : values.for ? new Date(now.getTime() + Number(values.for) * 3_600_000) : null;
        const actor = `cli:${process.env.USER ?? 'ops'}`;
        await writeOverride(
          database.db,
          kind,
          id!,
          verb === 'override' ? { action: values.action as 'allow', reason: values.reason!, until, limitPerHour: values.limit ? Number(values.limit) : null, by: actor } : null,
          actor,
          values.reason!,
          now,
        );
      }
      const policy = await loadSenderPolicy(database.db, kind === 'sender' ? id! : '', kind === 'domain' ? id : values.domain, now, config.reputation.throttleLimitPerHour, kind === 'sender' ? config.tiers : undefined);
      const row = await getSubject(database.db, kind, id!);
      ctx.stdout(
        `${JSON.stringify(
          {
            [kind]: id,
            policy,
            tier: kind === 'sender' ? { earned: row?.tier ?? 'new', pinned: row?.pinnedTier ?? null, reason: row?.tierReason ?? null, firstSeenAt: row?.firstSeenAt ?? null } : undefined,
            campaign: row?.campaignId ? { id: row.campaignId, action: row.campaignAction, reason: row.campaignReason } : undefined,
            figures: row
              ? { sent24h: row.sent24h, complaints24h: row.complaints24h, hardBounces24h: row.hardBounces24h, sent7d: row.sent7d, complaintRate7d: row.complaintRate7d, hardBounceRate7d: row.hardBounceRate7d, evaluatedAt: row.evaluatedAt }
              : null,
          },
          null,
          2,
        )}\n`,
      );
      return 0;
    });
  },
};
