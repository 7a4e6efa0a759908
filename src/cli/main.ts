// The `warden` command: global options, then one verb per file.
import { ConfigError } from '../config/config-error';
import { loadConfig } from '../config/load';
import { WardenError } from '../errors';
import { checkCommand } from './check';
import { alertsCommand } from './alerts';
import { campaignsCommand } from './campaigns';
import type { CliCommand, CliContext } from './command';
import analyzeCommand from './analyze';
import { jobsCommand } from './jobs';
import tokenCommand from './token';
import { migrateCommand } from './migrate';
import { quarantineCommand } from './quarantine';
import { senderCommand } from './sender';
import { serveCommand } from './serve';

export const commands: CliCommand[] = [serveCommand, migrateCommand, jobsCommand, checkCommand, analyzeCommand, tokenCommand, senderCommand, campaignsCommand, quarantineCommand, alertsCommand];

function globalUsage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `Relay Warden: deliverability and IP-reputation monitor for a mail relay

Usage: warden [--config <file>] <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Options:
  -c, --config <file>  config file (default: $WARDEN_CONFIG, else ./warden.yaml if present, else defaults)
  -h, --help           show help; 'warden <command> --help' for a command

Environment: DATABASE_URL, PORT, HOST, LOG_LEVEL override the config file.
`;
}

export async function main(argv: string[], io = { stdout: (t: string) => process.stdout.write(t), stderr: (t: string) => process.stderr.write(t) }): Promise<number> {
  const args = [...argv];
  let configPath: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--config' || arg === '-c') {
      configPath = args[i + 1];
      if (!configPath) {
        io.stderr('warden: --config needs a file path\n');
        return 2;
      }
      args.splice(i, 2);
      i--;
    } else if (arg.startsWith('--config=')) {
      configPath = arg.slice('--config='.length);
      args.splice(i, 1);
      i--;
    }
  }
  const [verb, ...rest] = args;
  if (!verb || verb === '--help' || verb === '-h' || verb === 'help') {
    io.stdout(globalUsage());
    return verb ? 0 : 2;
  }
  const command = commands.find((c) => c.name === verb);
  if (!command) {
    io.stderr(`warden: unknown command ${verb}\n\n${globalUsage()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.usage}\n`);
    return 0;
  }
  const ctx: CliContext = {
    stdout: io.stdout,
    stderr: io.stderr,
    env: process.env,
    loadConfig: async () => loadConfig({ configPath, env: process.env }),
  };
  try {
    return await command.run(rest, ctx);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`warden ${verb}: ${error.message}\n`);
      return 78; // EX_CONFIG (sysexits.h): service managers do not restart-loop on it
    }
    if (error instanceof WardenError) {
      io.stderr(`warden ${verb}: ${error.code}: ${error.message}\n`);
      return 1;
    }
    io.stderr(`warden ${verb}: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}
