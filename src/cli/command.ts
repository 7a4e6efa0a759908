// The contract every `warden <verb>` implements: one file per verb under src/cli/.
import type { WardenConfig } from '../config/schema';
import { openDatabase, type Database } from '../db/client';

export interface CliContext {
  /** Writes to standard output (a line needs its own '\n'). */
  stdout: (text: string) => void;
  /** Writes to standard error. */
  stderr: (text: string) => void;
  /** Standard error is a terminal (progress lines are for people, not for logs). */
  stderrIsTTY?: boolean;
  /** Loads and validates the config named by --config / WARDEN_CONFIG; throws ConfigError. */
  loadConfig: () => Promise<WardenConfig>;
  /** The process environment, read only here and in src/config/. */
  env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  name: string;
  /** Full usage text for `warden <verb> --help`. */
  usage: string;
  /** Returns the process exit code (see exitCodes in main.ts). */
  run: (args: string[], ctx: CliContext) => Promise<number>;
}

/** Runs `work` on the configured database, migrated first and closed after, whatever happens. */
export async function withMigratedDatabase<T>(ctx: CliContext, work: (database: Database, config: WardenConfig) => Promise<T>): Promise<T> {
  const config = await ctx.loadConfig();
  const database = await openDatabase(config.database);
  try {
    await database.migrate();
    return await work(database, config);
  } finally {
    await database.close();
  }
}
