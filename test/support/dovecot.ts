// Debian's Dovecot (dovecot-imapd) on 127.0.0.1:<free port> from a throwaway config: one
// passwd-file user, Maildir storage in a temp dir. Tests and bench/ingest start it here.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';

export interface RunningDovecot {
  host: '127.0.0.1';
  port: number;
  user: string;
  password: string;
  directory: string;
  stop(): Promise<void>;
}

export function findDovecot(): string | null {
  const directories = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const directory of directories) {
    const candidate = join(directory, 'dovecot');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

let noticeShown = false;

/**
 * Whether the Dovecot-backed tests can run. With CI=true a missing Dovecot is an error: CI must not
 * pass by skipping the tests that matter.
 */
export function dovecotAvailable(): boolean {
  if (findDovecot()) return true;
  if (process.env.CI === 'true') throw new Error('dovecot is not installed, and CI=true requires the Dovecot-backed tests to run (apt-get install dovecot-imapd)');
  if (!noticeShown) {
    noticeShown = true;
    console.warn('[skip] dovecot is not installed (Debian: apt-get install dovecot-imapd): IMAP ingestion tests are skipped');
  }
  return false;
}

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Resolves once the server sends its IMAP greeting; false when the connection fails. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('data', (chunk: Buffer) => done(chunk.toString().startsWith('* OK')));
    socket.once('error', () => done(false));
  });
}

function systemIds(name: string): { uid: number; gid: number } | null {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((entry) => entry.startsWith(`${name}:`));
  if (!line) return null;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

export async function startDovecot(options: { user?: string; password?: string; deadlineMs?: number } = {}, binary = findDovecot()): Promise<RunningDovecot> {
  if (!binary) throw new Error('dovecot is not installed (Debian: apt-get install dovecot-imapd)');
  const user = options.user ?? 'fbl';
  const password = options.password ?? 'fbl-password';
  const directory = mkdtempSync(join(tmpdir(), 'dovecot-'));
  chmodSync(directory, 0o755);
  const me = userInfo();
  // As root, Dovecot runs logins as dovenull and refuses root as a mail user: mail belongs to nobody.
  const asRoot = me.uid === 0;
  const mailIds = asRoot ? (systemIds('nobody') ?? { uid: 65534, gid: 65534 }) : { uid: me.uid, gid: me.gid };
  const mailDir = join(directory, 'mail');
  mkdirSync(mailDir, { mode: 0o777 });
  chmodSync(mailDir, 0o777);
  writeFileSync(join(directory, 'passwd'), `${user}:{PLAIN}${password}:${mailIds.uid}:${mailIds.gid}::${mailDir}/${user}::\n`, { mode: 0o644 });

  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freeTcpPort();
    const config = [
      `base_dir = ${directory}/run`,
      `state_dir = ${directory}/state`,
      `log_path = ${directory}/dovecot.log`,
      'protocols = imap',
      'listen = 127.0.0.1',
      'ssl = no',
      'disable_plaintext_auth = no',
      'auth_mechanisms = plain login',
      'login_trusted_networks = 127.0.0.0/8',
      `first_valid_uid = ${Math.min(mailIds.uid, 500)}`,
      ...(asRoot ? [] : [`default_login_user = ${me.username}`, `default_internal_user = ${me.username}`]),
      `mail_location = maildir:${mailDir}/%u`,
      'mail_fsync = never',
      `passdb {\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u ${directory}/passwd\n}`,
      `userdb {\n  driver = passwd-file\n  args = username_format=%u ${directory}/passwd\n}`,
      `service imap-login {\n  inet_listener imap {\n    address = 127.0.0.1\n    port = ${port}\n  }\n  inet_listener imaps {\n    port = 0\n  }\n}`,
      // Tests open a connection per run and several at once when filling the mailbox.
      'service imap {\n  process_limit = 64\n}',
      'mail_max_userip_connections = 64',
      '',
    ].join('\n');
    const configPath = join(directory, 'dovecot.conf');
    writeFileSync(configPath, config, { mode: 0o644 });
    const child: ChildProcess = spawn(binary, ['-F', '-c', configPath], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const log = () => {
      try {
        return `${stderr}${readFileSync(join(directory, 'dovecot.log'), 'utf8')}`;
      } catch {
        return stderr;
      }
    };
    const deadline = Date.now() + (options.deadlineMs ?? 10_000);
    let ready = false;
    while (Date.now() < deadline && child.exitCode === null) {
      if (await greets(port)) {
        ready = true;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!ready) {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      if (/address already in use/i.test(log())) continue;
      rmSync(directory, { recursive: true, force: true });
      throw new Error(`dovecot did not greet on 127.0.0.1:${port}: ${log()}`);
    }
    return {
      host: '127.0.0.1',
      port,
      user,
      password,
      directory,
      stop: async () => {
        if (child.exitCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        rmSync(directory, { recursive: true, force: true });
      },
    };
  }
  rmSync(directory, { recursive: true, force: true });
  throw new Error('dovecot could not bind a free port on 127.0.0.1');
}
