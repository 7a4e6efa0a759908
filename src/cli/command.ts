// The contract every `warden <verb>` implements: one file per verb under src/cli/.
import type { WardenConfig } from '../config/schema';

export interface CliContext {
  /** Writes to standard output (a line needs its own '\n'). */
  stdout: (text: string) => void;
  /** Writes to standard error. */
  stderr: (text: string) => void;
  /** Loads and validates the config named by --config / WARDEN_CONFIG; throws ConfigError. */
  loadConfig: () => Promise<WardenConfig>;
  /** The process environment, read only here and in src/config/. */
  env: NodeJS.ProcessEnv;
}

export interface CliCommand {
  name: string;
  /** One line for `warden --help`. */
  summary: string;
  /** Full usage text for `warden <verb> --help`. */
  usage: string;
  /** Returns the process exit code: 0 success, 1 failure, 2 usage error. */
  run: (args: string[], ctx: CliContext) => Promise<number>;
}
