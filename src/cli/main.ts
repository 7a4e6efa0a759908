// The `warden` command: global options, then one verb per file, each loaded only when it runs (a
// verb's imports, the database drivers and the analyzer among them, cost more than the answer to
// `warden --version` or `warden --help`).
import { ConfigError } from '../config/config-error';
import { WardenError } from '../errors';
import { packageVersion } from '../package-root';
import type { CliCommand, CliContext } from './command';

/** The exit codes of every verb, as README's "Command line" lists them. */
export const exitCodes = {
  ok: 0,
  failure: 1,
  usage: 2,
  /** EX_CONFIG (sysexits.h): service managers do not restart-loop on it. */
  config: 78,
  /** The reader of standard output went away (`| head`): 128 + SIGPIPE, as a tool the signal ended. */
  closedPipe: 141,
} as const;

interface Verb {
  name: string;
  /** One line for `warden --help`. */
  summary: string;
  load: () => Promise<CliCommand>;
}

export const verbs: Verb[] = [
  {
    name: 'serve',
    summary: 'Run the API, dashboard and job scheduler',
    load: async () => {
      // Stack traces in the service's log name the TypeScript lines (dist/ has source maps). Only
      // here: reading every module's map costs a one-shot verb more than its own work.
      process.setSourceMapsEnabled(true);
      return (await import('./serve')).serveCommand;
    },
  },
  { name: 'migrate', summary: 'Apply database migrations and exit', load: async () => (await import('./migrate')).migrateCommand },
  { name: 'backup', summary: 'Write the embedded database (PGlite) to a file', load: async () => (await import('./backup')).backupCommand },
  { name: 'restore', summary: 'Make the embedded database from a backup file', load: async () => (await import('./backup')).restoreCommand },
  { name: 'jobs', summary: 'List jobs or run one now', load: async () => (await import('./jobs')).jobsCommand },
  { name: 'check', summary: 'Check one IP or domain against the blocklists now', load: async () => (await import('./check')).checkCommand },
  { name: 'analyze', summary: 'Read bounce and complaint mail (files, mboxes, directories) and print the facts found', load: async () => (await import('./analyze')).default },
  { name: 'token', summary: 'Sign or verify an opaque sender token', load: async () => (await import('./token')).default },
  { name: 'sender', summary: 'Show a sender, or set or clear a manual override', load: async () => (await import('./sender')).senderCommand },
  { name: 'campaigns', summary: 'List, show or dismiss campaigns (abuse spread over senders)', load: async () => (await import('./campaigns')).campaignsCommand },
  { name: 'quarantine', summary: 'List, show or retry quarantined messages', load: async () => (await import('./quarantine')).quarantineCommand },
  { name: 'alerts', summary: 'List alerts, replay dead-lettered deliveries, send a test alert', load: async () => (await import('./alerts')).alertsCommand },
];

function globalUsage(): string {
  const width = Math.max(...verbs.map((verb) => verb.name.length));
  return `Relay Warden: deliverability and IP-reputation monitor for a mail relay

Usage: warden [--config <file>] <command> [options]

Commands:
${verbs.map((verb) => `  ${verb.name.padEnd(width)}  ${verb.summary}`).join('\n')}

Options:
  -c, --config <file>  config file (default: $WARDEN_CONFIG, else ./warden.yaml if present, else defaults)
  -h, --help           show help; 'warden <command> --help' for a command
  -V, --version        print the version

Environment: DATABASE_URL, PORT, HOST, LOG_LEVEL override the config file.
Exit codes: 0 success, 1 failure, 2 usage error, 78 invalid configuration, 141 output closed.
`;
}

/** An error a user can act on from its message (a file, a permission, an address): no stack trace. */
function userErrorMessage(error: unknown): string | undefined {
  if (error instanceof WardenError) return `${error.code}: ${error.message}`;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  // Node's system errors (ENOENT, EACCES, EADDRINUSE, ...) name the path or address already.
  if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && error instanceof Error) return error.message;
  return undefined;
}

type Io = { stdout: (text: string) => void; stderr: (text: string) => void; stderrIsTTY?: boolean };

const processIo: Io = { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text), stderrIsTTY: process.stderr.isTTY === true };

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const args = [...argv];
  let configPath: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--config' || arg === '-c') {
      configPath = args[i + 1];
      if (!configPath) {
        io.stderr('warden: --config needs a file path\n');
        return exitCodes.usage;
      }
      args.splice(i, 2);
      i--;
    } else if (arg.startsWith('--config=')) {
      configPath = arg.slice('--config='.length);
      args.splice(i, 1);
      i--;
    }
  }
  const [name, ...rest] = args;
  if (name === '--version' || name === '-V') {
    io.stdout(`${packageVersion()}\n`);
    return exitCodes.ok;
  }
  if (!name || name === '--help' || name === '-h' || (name === 'help' && rest.length === 0)) {
    io.stdout(globalUsage());
    return name ? exitCodes.ok : exitCodes.usage;
  }
  const helpFor = name === 'help' ? rest[0] : undefined;
  const verb = verbs.find((candidate) => candidate.name === (helpFor ?? name));
  if (!verb) {
    io.stderr(`warden: unknown command ${helpFor ?? name}\n\n${globalUsage()}`);
    return exitCodes.usage;
  }
  const command = await verb.load();
  if (helpFor || rest.includes('--help') || rest.includes('-h')) {
    io.stdout(`${command.usage.trimEnd()}\n`);
    return exitCodes.ok;
  }
  const ctx: CliContext = {
    stdout: io.stdout,
    stderr: io.stderr,
    stderrIsTTY: io.stderrIsTTY,
    env: process.env,
    loadConfig: async () => (await import('../config/load')).loadConfig({ configPath, env: process.env }),
  };
  try {
    return await command.run(rest, ctx);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`warden ${name}: ${error.message}\n`);
      return exitCodes.config;
    }
    const message = userErrorMessage(error);
    if (message !== undefined) {
      io.stderr(`warden ${name}: ${message}\n`);
      return exitCodes.failure;
    }
    io.stderr(`warden ${name}: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
    return exitCodes.failure;
  }
}
