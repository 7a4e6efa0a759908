// deploy/relay-warden.service as systemd reads it: `systemd-analyze verify` (Debian's systemd package).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../../support/warden-process';

const required = process.env.CI === 'true';
const analyzer = spawnSync('sh', ['-c', 'command -v systemd-analyze'], { encoding: 'utf8' }).stdout.trim() || undefined;
if (!analyzer && !required) console.warn('NOTICE: systemd-analyze is not installed; skipping the unit file check (apt-get install systemd).');

const unitPath = join(projectRoot, 'deploy', 'relay-warden.service');
const unit = readFileSync(unitPath, 'utf8');
const installedBin = '/opt/relay-warden/node_modules/.bin/warden';

/** verify checks that ExecStart exists: the copy runs this checkout's command instead of the installed one. */
function verify(text: string) {
  const dir = mkdtempSync(join(tmpdir(), 'warden-unit-'));
  const path = join(dir, 'relay-warden.service');
  writeFileSync(path, text.replace(`ExecStart=${installedBin}`, `ExecStart=${join(projectRoot, 'bin', 'warden.mjs')}`));
  const result = spawnSync(analyzer!, ['verify', path], { encoding: 'utf8' });
  // verify also reads the units this one names (network-online.target, ...) and may warn about other
  // installed units: only the lines about this file count.
  const ours = `${result.stdout}${result.stderr}`.split('\n').filter((line) => line.includes('relay-warden.service'));
  return { status: result.status, problems: ours };
}

describe.skipIf(!analyzer && !required)('deploy/relay-warden.service', () => {
  it('passes systemd-analyze verify without a warning', () => {
    if (!analyzer) throw new Error('systemd-analyze is required when CI=true (apt-get install systemd)');
    expect(unit).toContain(`ExecStart=${installedBin} serve`);
    expect(verify(unit)).toEqual({ status: 0, problems: [] });
  });

  it('is checked for real: a misspelt setting is reported', () => {
    if (!analyzer) throw new Error('systemd-analyze is required when CI=true (apt-get install systemd)');
    const { problems } = verify(unit.replace('ProtectSystem=strict', 'ProtectSystem=strickt'));
    expect(problems.join('\n')).toMatch(/protect system value.*strickt/i);
  });

  it('runs as its own user, read-only but for its data directory, restarted on failure, stopped by SIGTERM', () => {
    const settings = unit.split('\n');
    for (const line of ['User=relay-warden', 'ProtectSystem=strict', 'ReadWritePaths=/var/lib/relay-warden', 'WorkingDirectory=/var/lib/relay-warden', 'Restart=on-failure', 'KillSignal=SIGTERM', 'RestartPreventExitStatus=78']) {
      expect(settings).toContain(line);
    }
  });
});
