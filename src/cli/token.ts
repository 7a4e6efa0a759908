// `warden token sign <sender>` / `warden token verify <token>`: opaque, signed sender tokens.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { CliCommand, CliContext } from './command';
import { signToken, verifyToken } from '../attribution/token';

const usage = `Usage: warden token sign <sender>
       warden token verify <token> [--json]

sign    prints an opaque token for the sender id, to put in the token header or a VERP address
verify  prints the sender id a token carries; exits 1 when the token is forged, altered or malformed
        (--json: {"valid": true, "sender"} or {"valid": false, "reason"})
Both need attribution.tokenSecret (at least 32 characters) in the config.
`;

async function run(args: string[], ctx: CliContext): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' }, json: { type: 'boolean', default: false } } });
  } catch (cause) {
    ctx.stderr(`token: ${cause instanceof Error ? cause.message : String(cause)}\n${usage}`);
    return 2;
  }
  if (parsed.values.help) {
    ctx.stdout(usage);
    return 0;
  }
  const [action, value, ...extra] = parsed.positionals;
  if ((action !== 'sign' && action !== 'verify') || !value || extra.length > 0) {
    ctx.stderr(usage);
    return 2;
  }
  let secret: string | undefined;
  try {
    secret = (await ctx.loadConfig()).attribution.tokenSecret;
  } catch (cause) {
    ctx.stderr(`token: cannot load the config: ${cause instanceof Error ? cause.message : String(cause)}\n`);
    return 1;
  }
  if (!secret) {
    ctx.stderr('token: attribution.tokenSecret is not set; add a secret of at least 32 characters to the config\n');
    return 1;
  }
  if (action === 'sign') {
    ctx.stdout(signToken(value, secret, randomBytes(12)) + '\n');
    return 0;
  }
  const verified = verifyToken(value, secret);
  if (parsed.values.json) {
    ctx.stdout(`${JSON.stringify(verified.ok ? { valid: true, sender: verified.sender } : { valid: false, reason: verified.reason })}\n`);
    return verified.ok ? 0 : 1;
  }
  if (!verified.ok) {
    ctx.stderr(`token: rejected (${verified.reason})\n`);
    return 1;
  }
  ctx.stdout(verified.sender + '\n');
  return 0;
}

const tokenCommand: CliCommand = {
  name: 'token',
  usage,
  run,
};

export default tokenCommand;
