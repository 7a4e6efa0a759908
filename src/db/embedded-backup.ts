// Backup and restore of the embedded database (PGlite): its whole data directory as one gzipped tar
// (PGlite's dumpDataDir). PGlite serves one process at a time, so both take the data directory's
// lock: a running `warden serve` on it has to be stopped first. PostgreSQL has pg_dump for this.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { WardenError } from '../errors';
import { lockDataDir } from './client';

const pgliteDirectory = (dataDir: string) => resolve(dataDir, 'pglite');
const lockPath = (dataDir: string) => resolve(dataDir, 'pglite.lock');
const holdsDatabase = (directory: string) => existsSync(join(directory, 'PG_VERSION'));

/** Writes the embedded database in `dataDir` to `file` (a .tar.gz); answers its size in bytes. */
export async function backupEmbeddedDatabase(dataDir: string, file: string): Promise<{ bytes: number }> {
  const directory = pgliteDirectory(dataDir);
  if (!holdsDatabase(directory)) throw new WardenError('E_BACKUP_NO_DATABASE', `no embedded database in ${resolve(dataDir)} (database.dataDir)`);
  const release = lockDataDir(lockPath(dataDir));
  try {
    const client = new PGlite(directory);
    let archive: Blob;
    try {
      await client.waitReady;
      archive = await client.dumpDataDir('gzip');
    } finally {
      await client.close();
    }
    const bytes = Buffer.from(await archive.arrayBuffer());
    // Written beside the target, then renamed: a backup cut short never takes the place of a good one.
    const partial = `${file}.partial`;
    try {
      await writeFile(partial, bytes, { mode: 0o600 });
      await rename(partial, file);
    } catch (error) {
      // Nor is one left beside it to be taken for a backup. Not recursive: a directory of that name
      // is not ours. The error reported is the one that stopped the backup.
      await rm(partial, { force: true }).catch(() => {});
      throw error;
    }
    return { bytes: bytes.length };
  } finally {
    release();
  }
}

/**
 * Makes the embedded database in `dataDir` from a backup. The target must hold no database: a
 * restore never overwrites one (move it away first). Migrations newer than the backup are applied
 * at the next start, as after an upgrade.
 */
export async function restoreEmbeddedDatabase(dataDir: string, file: string): Promise<void> {
  const directory = pgliteDirectory(dataDir);
  if (existsSync(directory) && readdirSync(directory).length > 0) {
    throw new WardenError('E_RESTORE_NOT_EMPTY', `${directory} already holds a database; move ${resolve(dataDir)} away (or set database.dataDir to a new folder) and restore again`);
  }
  const bytes = await readFile(file);
  await mkdir(resolve(dataDir), { recursive: true });
  const release = lockDataDir(lockPath(dataDir));
  try {
    // gzip's magic number (RFC 1952 §2.3.1): PGlite unpacks the tar itself either way.
    const gzipped = bytes[0] === 0x1f && bytes[1] === 0x8b;
    const client = new PGlite(directory, { loadDataDir: new Blob([bytes], { type: gzipped ? 'application/gzip' : 'application/x-tar' }) });
    try {
      await client.waitReady;
      await client.query('select 1');
    } finally {
      await client.close().catch(() => {});
    }
  } catch (error) {
    // Nothing half-restored is left to be mistaken for a database.
    rmSync(directory, { recursive: true, force: true });
    throw new WardenError('E_RESTORE_FAILED', `cannot restore ${file}: ${(error as Error).message}`, 500, { cause: error });
  } finally {
    release();
  }
}
