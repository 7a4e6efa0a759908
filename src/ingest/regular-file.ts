// Reads a file only when it is a regular one: reading a FIFO waits for a writer forever, a socket
// or a device is no mail, and a symlink loop has no end. Used by local stores and `warden analyze`.
import { constants, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';

export type RegularFileRead =
  /** `identity` is device and inode: the same file reached by another name (a symlink) has the same one. */
  | { kind: 'file'; bytes: Buffer; identity: string }
  /** Not read, and why: the caller warns with the path. */
  | { kind: 'skipped'; reason: string };

export function fileIdentityOf(info: Pick<Stats, 'dev' | 'ino'>): string {
  return `${info.dev}:${info.ino}`;
}

function notRegular(info: Stats): string {
  const what = info.isFIFO()
    ? 'a FIFO'
    : info.isSocket()
      ? 'a socket'
      : info.isCharacterDevice()
        ? 'a character device'
        : info.isBlockDevice()
          ? 'a block device'
          : info.isDirectory()
            ? 'a directory'
            : 'not a file';
  return `${what}, not a regular file`;
}

/** Explains a failed stat or open that means "skip", not "cannot read": null for a real error. */
export function skipReasonOf(error: unknown): string | null {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return 'a symlink loop';
  // open(2) on a UNIX socket, or on a device without a driver.
  if (code === 'ENXIO') return 'a socket or a device, not a regular file';
  return null;
}

/** Reads `path` (following symlinks) when it is a regular file; throws only on a real read error. */
export async function readRegularFile(path: string): Promise<RegularFileRead> {
  let handle;
  try {
    // stat first, so that a device is never opened; the handle is checked again below, since the
    // name may have changed in between.
    const info = await stat(path);
    if (!info.isFile()) return { kind: 'skipped', reason: notRegular(info) };
    // O_NONBLOCK: should the name be a FIFO by now, open(2) returns instead of waiting for a writer.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const reason = skipReasonOf(error);
    if (reason) return { kind: 'skipped', reason };
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return { kind: 'skipped', reason: notRegular(info) };
    return { kind: 'file', bytes: await handle.readFile(), identity: fileIdentityOf(info) };
  } finally {
    await handle.close();
  }
}
