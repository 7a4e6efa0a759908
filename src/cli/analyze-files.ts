// The files `warden analyze` reads: the directories walked in name order, the files read a chunk at
// a time (while the analysis threads work on the chunks before it), each chunk handed on in order.
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { sep } from 'node:path';
import { fileIdentityOf, notRegularReason, readKnownRegularFileSync, skipReasonOf } from '../ingest/regular-file';

/** A path to read (a regular file, by its stat or its directory listing), or why it is not read. */
type WalkEntry = { path: string } | { path: string; error: string } | { path: string; skipped: string };

/** What became of one path: its bytes, or why there are none. */
export type FileOutcome = { path: string; bytes: Buffer } | { path: string; error: string } | { path: string; skipped: string };

const messageOf = (cause: unknown) => (cause instanceof Error ? cause.message : String(cause));
const byName = (a: Dirent, b: Dirent) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Files under `path`, symlinks followed. A directory is walked once however many names reach it
 * (device and inode), so a symlink back up the tree ends instead of recursing without end. A name
 * the listing gives as a regular file is not stat-ed here; what is stat-ed here is not stat-ed again
 * by the read, which checks the open descriptor all the same.
 */
async function* filesUnder(path: string, walked: Set<string>): AsyncGenerator<WalkEntry> {
  let info;
  try {
    info = await stat(path);
  } catch (cause) {
    const skipped = skipReasonOf(cause);
    yield skipped ? { path, skipped } : { path, error: messageOf(cause) };
    return;
  }
  if (info.isFile()) {
    yield { path };
    return;
  }
  if (!info.isDirectory()) {
    yield { path, skipped: notRegularReason(info) };
    return;
  }
  const identity = fileIdentityOf(info);
  if (walked.has(identity)) {
    yield { path, skipped: 'a directory already walked (a symlink cycle or a second name for it)' };
    return;
  }
  walked.add(identity);
  let entries: Dirent[];
  try {
    entries = (await readdir(path, { withFileTypes: true })).sort(byName);
  } catch (cause) {
    yield { path, error: messageOf(cause) };
    return;
  }
  // The path as given, joined with the path below it (no normalising: "./inbox" stays "./inbox/...").
  const prefix = path.endsWith(sep) ? path : path + sep;
  for (const entry of entries) {
    if (entry.isFile()) yield { path: prefix + entry.name };
    else yield* filesUnder(prefix + entry.name, walked);
  }
}

async function* walkAll(paths: string[]): AsyncGenerator<WalkEntry> {
  const walked = new Set<string>();
  for (const path of paths) yield* filesUnder(path, walked);
}

type ReadOutcome = FileOutcome | { path: string; bytes: Buffer; identity: string };

function readEntry(entry: WalkEntry): ReadOutcome {
  if ('error' in entry || 'skipped' in entry) return entry;
  try {
    const file = readKnownRegularFileSync(entry.path);
    return file.kind === 'skipped' ? { path: entry.path, skipped: file.reason } : { path: entry.path, bytes: file.bytes, identity: file.identity };
  } catch (cause) {
    return { path: entry.path, error: messageOf(cause) };
  }
}

export interface ReadFilesOptions {
  /** A chunk closes at this many paths ... */
  chunkFiles: number;
  /** ... or at this many bytes. */
  chunkBytes: number;
}

/**
 * The outcome of every path under `paths`, in input order, in chunks. A file reached by a second
 * name (a symlink, a hard link) is read once: the first name keeps it, the others are skipped.
 * A chunk's files are read synchronously, one after the other: from the page cache that costs a
 * fifth of the CPU of reads through libuv's thread pool, and the consumer keeps the analysis threads
 * busy with the chunks already read meanwhile.
 */
export async function* readFiles(paths: string[], options: ReadFilesOptions): AsyncGenerator<FileOutcome[]> {
  const firstName = new Map<string, string>();
  let chunk: FileOutcome[] = [];
  let bytes = 0;
  for await (const entry of walkAll(paths)) {
    const read = readEntry(entry);
    if ('identity' in read) {
      const first = firstName.get(read.identity);
      if (first !== undefined) {
        chunk.push({ path: read.path, skipped: `the same file as ${first}` });
        continue;
      }
      firstName.set(read.identity, read.path);
      chunk.push({ path: read.path, bytes: read.bytes });
      bytes += read.bytes.length;
    } else {
      chunk.push(read);
    }
    if (chunk.length >= options.chunkFiles || bytes >= options.chunkBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
  }
  if (chunk.length > 0) yield chunk;
}
