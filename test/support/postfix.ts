// Debian's Postfix on a loopback port, with a configuration directory of its own in a temp dir,
// delegating policy to a given TCP port (tests of the policy server against the real client).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from './poll';

export const postfixBinary = '/usr/sbin/postfix';

/** Why Postfix cannot run here, or null when it can (installed, and we are root as master needs). */
export function postfixUnavailable(): string | null {
  try {
    accessSync(postfixBinary, constants.X_OK);
  } catch {
    return 'postfix is not installed (Debian: apt-get install postfix)';
  }
  if (process.getuid?.() !== 0) return 'the Postfix master must start as root';
  return null;
}

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RunningPostfix {
  smtpPort: number;
  configDirectory: string;
  log(): string;
  stop(): Promise<void>;
}

export interface PostfixOptions {
  policyPort: number;
  /**
   * The policy delegation lines of main.cf (e.g. the README's block); by default a
   * check_policy_service at the end of DATA, fail open, 10 s timeout.
   */
  policyMainCf?: string[];
  /** main.cf lines added last (they win), e.g. other restriction stages. */
  extraMainCf?: string[];
  /** master.cf lines added after the minimal services, e.g. smtp transports with smtp_bind_address. */
  extraMasterCf?: string[];
}

// Only the services an smtpd that accepts mail and discards it needs; no chroot, so no copies of
// /etc files inside the queue directory.
const masterCf = (smtpPort: number) => `
127.0.0.1:${smtpPort} inet n - n - - smtpd
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
`;

export async function startPostfix({ policyPort, policyMainCf, extraMainCf = [], extraMasterCf = [] }: PostfixOptions): Promise<RunningPostfix> {
  const unavailable = postfixUnavailable();
  if (unavailable) throw new Error(unavailable);
  const root = mkdtempSync(join(tmpdir(), 'warden-postfix-'));
  const configDirectory = join(root, 'etc');
  mkdirSync(configDirectory);
  // Postfix daemons run as the postfix user: they must reach the queue under the temp dir.
  chmodSync(root, 0o755);
  mkdirSync(join(root, 'queue'), { mode: 0o755 });
  mkdirSync(join(root, 'data'), { mode: 0o700 });
  const postfixUser = spawnSync('id', ['-u', 'postfix'], { encoding: 'utf8' });
  chownSync(join(root, 'data'), Number(postfixUser.stdout.trim()), 0);
  const smtpPort = await freeTcpPort();
  const maillog = join(root, 'maillog');
  writeFileSync(
    join(configDirectory, 'main.cf'),
    [
      'compatibility_level = 3.6',
      `queue_directory = ${join(root, 'queue')}`,
      `data_directory = ${join(root, 'data')}`,
      `maillog_file = ${maillog}`,
      `maillog_file_prefixes = ${root}`,
      'mail_owner = postfix',
      'setgid_group = postdrop',
      'myhostname = relay.warden.test',
      'mydestination =',
      'inet_interfaces = 127.0.0.1',
      'inet_protocols = ipv4',
      'mynetworks = 127.0.0.0/8',
      'alias_maps =',
      'alias_database =',
      'smtputf8_enable = no',
      // Accepted mail is thrown away: the test is about the SMTP replies.
      'default_transport = discard',
      'relay_transport = discard',
      'smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination',
      ...(policyMainCf ?? [
        // One policy request per message, after the content: what Relay Warden counts.
        `smtpd_end_of_data_restrictions = check_policy_service inet:127.0.0.1:${policyPort}`,
        'smtpd_policy_service_default_action = DUNNO',
        'smtpd_policy_service_timeout = 10s',
      ]),
      ...extraMainCf,
      '',
    ].join('\n'),
  );
  writeFileSync(join(configDirectory, 'master.cf'), [masterCf(smtpPort), ...extraMasterCf, ''].join('\n'));
  const log = () => {
    try {
      return readFileSync(maillog, 'utf8');
    } catch {
      return '';
    }
  };
  // `check` creates the queue's subdirectories with their owners and modes; its errors go to the log.
  const check = spawnSync(postfixBinary, ['-c', configDirectory, 'check'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`postfix check failed: ${check.stderr}${log()}`);
  // start-fg keeps the master in the foreground: its exit is ours to see.
  const master: ChildProcess = spawn(postfixBinary, ['-c', configDirectory, 'start-fg'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  master.stdout!.on('data', (chunk) => (output += chunk));
  master.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => master.once('exit', () => resolve()));
  const stop = async () => {
    if (master.exitCode === null) {
      spawnSync(postfixBinary, ['-c', configDirectory, 'stop'], { encoding: 'utf8' });
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (master.exitCode !== null) throw new Error(`postfix exited: ${output} ${log()}`);
        return canConnect(smtpPort);
      },
      { timeoutMs: 15_000, intervalMs: 50, what: 'Postfix to accept SMTP connections' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { smtpPort, configDirectory, log, stop };
}

async function canConnect(port: number): Promise<boolean> {
  const { connect } = await import('node:net');
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
