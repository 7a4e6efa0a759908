// Haraka 3.x from the project's devDependencies on a loopback port, from a throwaway directory
// holding its config and the project's plugin copied in as the README says (tests of the plugin in
// the real host).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { waitFor } from './poll';
import { freeTcpPort } from './postfix';
import { projectRoot } from './warden-process';

const requireFromProject = createRequire(join(projectRoot, 'package.json'));
const pluginSource = join(projectRoot, 'integrations/haraka/relay_warden.js');

/** Why Haraka 3.x cannot run here, or null when it can. */
export function harakaUnavailable(): string | null {
  let version: string;
  try {
    version = (JSON.parse(readFileSync(requireFromProject.resolve('Haraka/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'Haraka is not installed (npm ci installs it from the devDependencies)';
  }
  if (!version.startsWith('3.')) return `Haraka ${version} is installed; the plugin is for Haraka 3.x`;
  return null;
}

export interface HarakaOptions {
  /** config/plugins, in order. */
  plugins: string[];
  /** Files under config/ (name → content), e.g. relay_warden.ini. */
  config: Record<string, string>;
}

export interface RunningHaraka {
  smtpPort: number;
  log(): string;
  stop(): Promise<void>;
}

export async function startHaraka({ plugins, config }: HarakaOptions): Promise<RunningHaraka> {
  const unavailable = harakaUnavailable();
  if (unavailable) throw new Error(unavailable);
  const root = join(mkdtempSync(join(tmpdir(), 'warden-haraka-')), 'haraka');
  const harakaBin = join(dirname(requireFromProject.resolve('Haraka/package.json')), 'bin', 'haraka');
  // `haraka -i` lays out an install directory with Haraka's default config (connection.ini and all).
  const install = spawnSync(process.execPath, [harakaBin, '-i', root], { encoding: 'utf8' });
  if (install.status !== 0) throw new Error(`haraka -i failed: ${install.stdout}${install.stderr}`);
  copyFileSync(pluginSource, join(root, 'plugins', 'relay_warden.js'));
  const smtpPort = await freeTcpPort();
  const files: Record<string, string> = {
    // One process, no cluster: the test reads one log.
    'smtp.ini': `[main]\nlisten=127.0.0.1:${smtpPort}\nnodes=0\n`,
    'me': 'relay.warden.test\n',
    'log.ini': '[main]\nlevel=info\ntimestamps=false\nformat=default\n',
    plugins: `${plugins.join('\n')}\n`,
    ...config,
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(root, 'config', name), content);
  // Accepted mail is thrown away (queue/discard): the test is about the SMTP replies.
  const child: ChildProcess = spawn(process.execPath, [harakaBin, '-c', root], {
    cwd: root,
    env: { ...process.env, YES_REALLY_DO_DISCARD: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(dirname(root), { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`Haraka exited (${child.exitCode}): ${output}`);
        return canConnect(smtpPort);
      },
      { timeoutMs: 30_000, intervalMs: 100, what: 'Haraka to accept SMTP connections' },
    );
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return { smtpPort, log: () => output, stop };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
