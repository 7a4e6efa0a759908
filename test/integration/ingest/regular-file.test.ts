// A regular file whose size fstat gives as 0 while its reads return content (procfs, some FUSE file
// systems) is read to its end, as Node's readFileSync reads it; an empty file is still empty.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readKnownRegularFileSync, readRegularFile, type RegularFileRead } from '../../../src/ingest/regular-file';

const dir = mkdtempSync(join(tmpdir(), 'warden-regular-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const textOf = (read: RegularFileRead) => {
  if (read.kind !== 'file') throw new Error(`skipped: ${read.reason}`);
  return read.bytes.toString('utf8');
};

describe.skipIf(process.platform !== 'linux')('reading a regular file that fstat says is empty', () => {
  it('reads /proc/self/status, a regular file of size 0, to its end', async () => {
    const info = statSync('/proc/self/status');
    expect(info.isFile()).toBe(true);
    expect(info.size).toBe(0);
    for (const status of [textOf(readKnownRegularFileSync('/proc/self/status')), textOf(await readRegularFile('/proc/self/status'))]) {
      expect(status).toMatch(/^Name:\t/);
      expect(status).toContain(`\nPid:\t${process.pid}\n`);
      expect(status).toMatch(/\n$/);
    }
  });

  it('reads one over several chunks of 64 KiB: /proc/self/smaps ends with its last mapping whole', () => {
    const smaps = textOf(readKnownRegularFileSync('/proc/self/smaps'));
    expect(smaps.length).toBeGreaterThan(64 * 1024);
    expect(smaps).toMatch(/\nVmFlags:[ a-z]*\n$/);
  });

  it('reads an empty file as empty', () => {
    const empty = join(dir, 'empty.eml');
    writeFileSync(empty, '');
    expect(readKnownRegularFileSync(empty)).toMatchObject({ kind: 'file', bytes: Buffer.alloc(0) });
  });
});
