// Debian's Postfix as a sending relay: its own config directory and queue, smtpd on 127.0.0.2, the
// smtp client resolving recipients through the namespace's DNS, and short queue times so that delay
// warnings and expiry bounces come within seconds (Postfix accepts time units on these: postconf(5)).
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MtaStartOptions, SendingMta } from './types';
import { waitForPort } from './wait';

const postfix = '/usr/sbin/postfix';
const host = '127.0.0.2';
const port = 10025;

const masterCf = `
${host}:${port} inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
smtp      unix  - - n - - smtp
relay     unix  - - n - - smtp
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
`;

function countFiles(dir: string): number {
  let count = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    count += statSync(path).isDirectory() ? countFiles(path) : 1;
  }
  return count;
}

export async function startPostfix({ root, times }: MtaStartOptions): Promise<SendingMta> {
  const etc = join(root, 'etc');
  const queue = join(root, 'queue');
  const maillog = join(root, 'maillog');
  mkdirSync(etc, { recursive: true });
  mkdirSync(queue, { mode: 0o755 });
  mkdirSync(join(root, 'data'), { mode: 0o700 });
  chownSync(join(root, 'data'), Number(spawnSync('id', ['-u', 'postfix'], { encoding: 'utf8' }).stdout.trim()), 0);
  writeFileSync(join(etc, 'main.cf'), [
    'compatibility_level = 3.6',
    `queue_directory = ${queue}`,
    `data_directory = ${join(root, 'data')}`,
    `maillog_file = ${maillog}`,
    `maillog_file_prefixes = ${root}`,
    'mail_owner = postfix',
    'setgid_group = postdrop',
    'myhostname = mta-postfix.warden.test',
    'mydestination =',
    `inet_interfaces = ${host}`,
    'inet_protocols = ipv4',
    'mynetworks = 127.0.0.0/8',
    'alias_maps =',
    'alias_database =',
    'smtputf8_enable = no',
    'notify_classes =',
    'smtpd_relay_restrictions = permit_mynetworks, reject',
    'smtp_tls_security_level = none',
    'smtp_connect_timeout = 5s',
    'queue_run_delay = 1s',
    'minimal_backoff_time = 1s',
    'maximal_backoff_time = 2s',
    `delay_warning_time = ${times.warnAfter}s`,
    `maximal_queue_lifetime = ${times.giveUpAfter}s`,
    `bounce_queue_lifetime = ${times.giveUpAfter}s`,
    '',
  ].join('\n'));
  writeFileSync(join(etc, 'master.cf'), masterCf);
  const log = () => {
    try {
      return readFileSync(maillog, 'utf8');
    } catch {
      return '';
    }
  };
  const check = spawnSync(postfix, ['-c', etc, 'check'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`postfix check failed: ${check.stderr}${log()}`);
  const master = spawn(postfix, ['-c', etc, 'start-fg'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => master.once('exit', () => resolve()));
  await waitForPort(host, port, 'Postfix');
  return {
    name: 'postfix',
    host,
    port,
    queued: () => ['incoming', 'active', 'deferred', 'maildrop'].reduce((sum, dir) => sum + countFiles(join(queue, dir)), 0),
    log,
    stop: async () => {
      spawnSync(postfix, ['-c', etc, 'stop'], { encoding: 'utf8' });
      await exited;
    },
  };
}
