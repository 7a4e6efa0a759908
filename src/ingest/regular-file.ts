// Reads a file only when it is a regular one: reading a FIFO waits for a writer forever, a socket
// or a device is no mail, and a symlink loop has no end. Used by local stores and `warden analyze`.
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, stat } from 'node:fs/promises';

export type RegularFileRead =
  /** `identity` is device and inode: the same file reached by another name (a symlink) has the same one. */
  | { kind: 'file'; bytes: Buffer; identity: string }
  /** Not read, and why: the caller warns with the path. */
  | { kind: 'skipped'; reason: string };

export function fileIdentityOf(info: Pick<Stats, 'dev' | 'ino'>): string {
  return `${info.dev}:${info.ino}`;
}

/** Why a file that is not a regular one is not read, for the caller's warning. */
export function notRegularReason(info: Stats): string {
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

const skippedAs = (info: Stats): RegularFileRead => ({ kind: 'skipped', reason: notRegularReason(info) });

/** Explains a failed stat or open that means "skip", not "cannot read": null for a real error. */
export function skipReasonOf(error: unknown): string | null {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return 'a symlink loop';
  // open(2) on a UNIX socket, or on a device without a driver.
  if (code === 'ENXIO') return 'a socket or a device, not a regular file';
  return null;
}

function skippedOrThrow(error: unknown): RegularFileRead {
  const reason = skipReasonOf(error);
  if (reason) return { kind: 'skipped', reason };
  throw error;
}

// O_NONBLOCK: should the name be a FIFO by the time it is opened, open(2) returns instead of
// waiting for a writer; the descriptor's fstat then says what it is.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/** Reads `path` (following symlinks) when it is a regular file; throws only on a real read error. */
export async function readRegularFile(path: string): Promise<RegularFileRead> {
  let handle;
  try {
    // stat first, so that a device is never opened; the handle is checked again below, since the
    // name may have changed in between.
    const info = await stat(path);
    if (!info.isFile()) return skippedAs(info);
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    return skippedOrThrow(error);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) return skippedAs(info);
    return { kind: 'file', bytes: await handle.readFile(), identity: fileIdentityOf(info) };
  } finally {
    await handle.close();
  }
}

/**
 * `readRegularFile` for a path the caller already knows to be a regular file (from its stat, or from
 * the directory listing's d_type), so the stat that keeps a device from being opened is not made
 * again; the open descriptor is checked all the same, since the name may have changed in between.
 * Synchronous, without a hop to libuv's thread pool per step: for many small files in the page
 * cache, open + fstat + read + close cost about a fifth of the CPU (`warden analyze` reads a chunk
 * of files this way while the analysis threads work on the previous one).
 */
export function readKnownRegularFileSync(path: string): RegularFileRead {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    return skippedOrThrow(error);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return skippedAs(info);
    return { kind: 'file', bytes: readAll(fd, info.size), identity: fileIdentityOf(info) };
  } finally {
    closeSync(fd);
  }
}

/**
 * The file's bytes, as readFileSync reads them: fstat's `size` bytes (fewer should it have shrunk),
 * or, when fstat says 0, up to end of file, since procfs and some FUSE file systems report a
 * regular file of size 0 whose reads return its content (proc(5): most /proc files have size 0).
 */
function readAll(fd: number, size: number): Buffer {
  return size > 0 ? readSized(fd, size) : readToEnd(fd);
}

function readSized(fd: number, size: number): Buffer {
  const buffer = Buffer.allocUnsafe(size);
  let length = 0;
  while (length < size) {
    const read = readSync(fd, buffer, length, size - length, null);
    if (read === 0) break;
    length += read;
  }
  return buffer.subarray(0, length);
}

/** Read in chunks of this many bytes when the size is not known ahead (Node's readFileSync uses the same). */
const unknownSizeChunkBytes = 64 * 1024;

function readToEnd(fd: number): Buffer {
  const chunks: Buffer[] = [];
  for (;;) {
    const chunk = Buffer.allocUnsafe(unknownSizeChunkBytes);
    const read = readSync(fd, chunk, 0, chunk.length, null);
    if (read === 0) return Buffer.concat(chunks);
    chunks.push(chunk.subarray(0, read));
  }
}
