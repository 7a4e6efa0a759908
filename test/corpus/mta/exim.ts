// Debian's Exim (exim4-daemon-light, unpacked by ./generate, not installed: it conflicts with
// Postfix) as a sending relay from a throwaway configuration (`exim -C`): daemon on 127.0.0.3, a
// dnslookup router, delay warnings (`delay_warning`) and a short retry rule so that a deferred
// message times out within seconds (Exim spec, ch. 32 "Retry configuration").
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MtaStartOptions, SendingMta } from './types';
import { waitForPort } from './wait';

const host = '127.0.0.3';
const port = 10026;

export async function startExim({ root, times }: MtaStartOptions): Promise<SendingMta> {
  const debs = process.env.MTA_DEBS_ROOT;
  if (!debs) throw new Error('MTA_DEBS_ROOT is not set: run test/corpus/generate');
  const exim = join(debs, 'usr/sbin/exim4');
  const spool = join(root, 'spool');
  const logDir = join(root, 'log');
  mkdirSync(spool, { recursive: true });
  mkdirSync(logDir, { recursive: true });
  const uid = Number(spawnSync('id', ['-u', 'Debian-exim'], { encoding: 'utf8' }).stdout.trim());
  chownSync(root, uid, uid);
  chownSync(spool, uid, uid);
  chownSync(logDir, uid, uid);
  const config = join(root, 'exim.conf');
  writeFileSync(config, `
primary_hostname = mta-exim.warden.test
exim_path = ${exim}
keep_environment = LD_LIBRARY_PATH
qualify_domain = mta-exim.warden.test
spool_directory = ${spool}
log_file_path = ${logDir}/%slog
pid_file_path = ${root}/exim.pid
daemon_smtp_ports = ${port}
local_interfaces = ${host}
host_lookup =
rfc1413_hosts =
acl_smtp_rcpt = acl_check_rcpt
delay_warning = ${times.warnAfter}s:1h
timeout_frozen_after = ${times.giveUpAfter * 2}s
ignore_bounce_errors_after = 0s
remote_max_parallel = 10
queue_run_max = 10
tls_advertise_hosts =

begin acl
acl_check_rcpt:
  accept hosts = 127.0.0.0/8
  deny

begin routers
dnslookup:
  driver = dnslookup
  transport = remote_smtp
  self = send
  no_more

begin transports
remote_smtp:
  driver = smtp
  allow_localhost
  hosts_avoid_tls = *
  connect_timeout = 5s

begin retry
*  *  F,${times.giveUpAfter}s,2s
`);
  const env = { ...process.env, LD_LIBRARY_PATH: join(debs, 'usr/lib/x86_64-linux-gnu') };
  const daemon = spawn(exim, ['-C', config, '-bdf', '-q2s', '-oX', `${port}`], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  daemon.stdout!.on('data', (chunk) => (output += chunk));
  daemon.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  const log = () => {
    try {
      return output + readFileSync(join(logDir, 'mainlog'), 'utf8');
    } catch {
      return output;
    }
  };
  try {
    await waitForPort(host, port, 'Exim');
  } catch (error) {
    daemon.kill();
    throw new Error(`${(error as Error).message}\n${log()}`);
  }
  return {
    name: 'exim',
    host,
    port,
    // A queued message is a -H (header) file in the spool's input directory.
    queued: () => readdirSync(join(spool, 'input'), { recursive: true }).filter((name) => String(name).endsWith('-H')).length,
    log,
    stop: async () => {
      daemon.kill('SIGTERM');
      await exited;
    },
  };
}
