// Debian's OpenSMTPD (unpacked by ./generate, not installed: it conflicts with Postfix) as a sending
// relay: `smtpd -d -f <conf>` on 127.0.0.4, relaying by DNS, with a short queue ttl and bounce
// warn-interval (smtpd.conf(5)) so that deferred messages warn and expire within seconds.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MtaStartOptions, SendingMta } from './types';
import { waitForPort } from './wait';

const host = '127.0.0.4';
const port = 10027;
// Fixed by the package; ./generate mounts an empty tmpfs on /var/spool in its namespace.
const queueDir = '/var/spool/smtpd/queue';

function countFiles(dir: string): number {
  let count = 0;
  try {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      count += statSync(path).isDirectory() ? countFiles(path) : 1;
    }
  } catch {
    return 0;
  }
  return count;
}

export async function startOpensmtpd({ root, times }: MtaStartOptions): Promise<SendingMta> {
  const debs = process.env.MTA_DEBS_ROOT;
  if (!debs) throw new Error('MTA_DEBS_ROOT is not set: run test/corpus/generate');
  const config = join(root, 'smtpd.conf');
  writeFileSync(config, [
    `queue ttl ${times.giveUpAfter}s`,
    `bounce warn-interval ${times.warnAfter}s`,
    `listen on ${host} port ${port} hostname mta-opensmtpd.warden.test`,
    'action "relay" relay helo mta-opensmtpd.warden.test',
    'match from src 127.0.0.0/8 for any action "relay"',
    // Its own bounces are injected through the local socket.
    'match from local for any action "relay"',
    '',
  ].join('\n'));
  const smtpd = join(debs, 'usr/sbin/smtpd');
  const daemon = spawn(smtpd, ['-d', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  daemon.stdout!.on('data', (chunk) => (output += chunk));
  daemon.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => daemon.once('exit', () => resolve()));
  try {
    await waitForPort(host, port, 'OpenSMTPD');
  } catch (error) {
    daemon.kill();
    throw new Error(`${(error as Error).message}\n${output}`);
  }
  return {
    name: 'opensmtpd',
    host,
    port,
    queued: () => countFiles(queueDir),
    log: () => output,
    stop: async () => {
      daemon.kill('SIGTERM');
      await exited;
      spawnSync('true');
    },
  };
}
