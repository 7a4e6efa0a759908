// Debian's rbldnsd on 127.0.0.1:<free port>, serving zone files from a temp dir (tests and bench).
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { accessSync, constants, chmodSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DnsblResolver } from '../../src/dnsbl/resolver';

export interface RbldnsdZone {
  /** DNS zone served, e.g. `bl.test`. */
  name: string;
  type: 'ip4set' | 'ip6trie' | 'dnset';
  /** Zone file lines in rbldnsd's syntax (`:127.0.0.2:text` sets the default answer). */
  lines: string[];
}

export interface RunningRbldnsd {
  host: '127.0.0.1';
  port: number;
  /** The command line, for CI scripts and reports. */
  commandLine: string;
  /**
   * Rewrites one zone's file and sends SIGHUP, on which rbldnsd reloads files whose modification
   * time changed (rbldnsd(8)); the caller polls for the new answers.
   */
  updateZone(index: number, lines: string[]): void;
  stop(): Promise<void>;
}

export function findRbldnsd(): string | null {
  const directories = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const directory of directories) {
    const candidate = join(directory, 'rbldnsd');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

/** Polls a zone's 127.0.0.2 test point until rbldnsd answers, or fails at the deadline. */
async function waitUntilAnswering(child: ChildProcess, port: number, zone: RbldnsdZone, deadlineMs: number, stderr: () => string): Promise<void> {
  const probe = new DnsblResolver({ nameserver: '127.0.0.1', port, timeoutMs: 100, retries: 0, concurrency: 1, perZoneQueriesPerSecond: 0 });
  const name = zone.type === 'dnset' ? `test.${zone.name}` : zone.type === 'ip6trie' ? `2.0.0.0.0.0.f.7.f.f.f.f.${'0.'.repeat(20)}${zone.name}` : `2.0.0.127.${zone.name}`;
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`rbldnsd exited with ${child.exitCode}: ${stderr()}`);
    const result = await probe.query(name, 'A');
    if (result.answer.status !== 'error') return;
  }
  throw new Error(`rbldnsd did not answer within ${deadlineMs} ms: ${stderr()}`);
}

export async function startRbldnsd(zones: RbldnsdZone[], binary = findRbldnsd()): Promise<RunningRbldnsd> {
  if (!binary) throw new Error('rbldnsd is not installed (Debian: apt-get install rbldnsd)');
  const directory = mkdtempSync(join(tmpdir(), 'rbldnsd-'));
  // Run as root, rbldnsd drops to its own user (rbldns) inside the chroot: it must read the files.
  chmodSync(directory, 0o755);
  const zoneSpecs = zones.map((zone, index) => {
    const file = `zone${index}`;
    writeFileSync(join(directory, file), `${zone.lines.join('\n')}\n`, { mode: 0o644 });
    return `${zone.name}:${zone.type}:${file}`;
  });

  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freeUdpPort();
    // -n foreground, -b bind address/port, -r chroot dir holding the zone files.
    const args = ['-n', '-b', `127.0.0.1/${port}`, '-r', directory, ...zoneSpecs];
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await waitUntilAnswering(child, port, zones[0]!, 5_000, () => stderr);
    } catch (error) {
      child.kill('SIGTERM');
      await exited;
      if (/address already in use/i.test(stderr)) continue;
      rmSync(directory, { recursive: true, force: true });
      throw error;
    }
    let reloads = 0;
    return {
      host: '127.0.0.1',
      port,
      commandLine: [binary, ...args].join(' '),
      updateZone: (index, lines) => {
        const file = join(directory, `zone${index}`);
        writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o644 });
        // A rewrite within the same second keeps the old mtime: move it forward so the reload sees it.
        reloads += 1;
        const stamp = Date.now() / 1000 + reloads;
        utimesSync(file, stamp, stamp);
        child.kill('SIGHUP');
      },
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
  throw new Error('rbldnsd could not bind a free port on 127.0.0.1');
}
