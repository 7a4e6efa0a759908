// Opens the database: PostgreSQL through postgres.js when a URL is given, embedded PGlite otherwise.
// Both are driven through the same drizzle schema and queries; only this file knows which it is.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import { WardenError } from '../errors';
import { packageRoot } from '../package-root';
import * as schema from './schema';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Engine = 'pglite' | 'postgres';

export interface Database {
  db: Db;
  engine: Engine;
  /** Applies pending migrations; safe when several instances start at once. */
  migrate(): Promise<void>;
  /** Migrations applied and expected, for readiness. */
  migrationStatus(): Promise<{ applied: number; expected: number }>;
  /**
   * Calls onNotify with each payload NOTIFY sends on the channel, from any connection or instance.
   * Resolves once listening; the returned function stops it.
   */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** postgres:// URL; when absent, PGlite. */
  url?: string;
  /** PGlite data directory; `memory://` keeps everything in memory (tests). */
  dataDir?: string;
  /** PostgreSQL: connections held at most. Default 10. */
  poolSize?: number;
}

export const migrationsFolder = join(packageRoot, 'drizzle');
// Any constant works; it only has to be the same for every instance of Relay Warden.
const migrationLockKey = 7_780_001;

function expectedMigrations(): number {
  const journal = JSON.parse(readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8')) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

/** Rows of a raw query, whichever driver ran it (postgres.js returns an array, PGlite `{rows}`). */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/** A round trip to the database: throws when it cannot answer. */
export async function pingDatabase(db: Db): Promise<void> {
  await db.execute(sql`select 1`);
}

/** A transaction on PostgreSQL that can also take rows by COPY FROM STDIN. */
export interface CopyTransaction {
  db: Db;
  /** Streams rows in COPY text format (tab-separated, `\N` for null, one row per line). */
  copyIn(table: string, columns: string[], rows: string): Promise<void>;
}

/**
 * Runs `work` in a transaction that can COPY, on PostgreSQL; undefined on PGlite (its driver has
 * no COPY FROM STDIN). A refused COPY surfaces as the next statement's error (SQLSTATE 25P02,
 * transaction aborted), not as its own: postgres.js never settles a COPY stream the server
 * refused after its end (porsager/postgres#1173), so copyIn does not wait for that, and the
 * statement after it learns the outcome.
 */
export function inCopyTransaction<T>(db: Db, work: (tx: CopyTransaction) => Promise<T>): Promise<T> | undefined {
  const client = (db as { $client?: unknown }).$client as postgres.Sql | undefined;
  if (typeof client?.begin !== 'function') return undefined;
  return client.begin(async (sql) => {
    const copyIn = async (table: string, columns: string[], rows: string) => {
      const stream = await sql.unsafe(`copy ${table} (${columns.join(', ')}) from stdin`).writable();
      await new Promise<void>((resolve, reject) => stream.write(rows, (error) => (error ? reject(error) : resolve())));
      stream.end();
      // Node calls the stream's final step (which sends CopyDone) on a later tick; a statement
      // sent before it would be refused as "during copy".
      await new Promise((resolve) => setImmediate(resolve));
    };
    // drizzle reads the client's type parsers, which a transaction's handle does not carry.
    const txClient = Object.assign(sql, { options: client.options }) as unknown as postgres.Sql;
    return work({ db: drizzlePostgres({ client: txClient, schema }) as unknown as Db, copyIn });
  }) as Promise<T>;
}

/** The error and its causes (drizzle wraps a driver's error as the cause of its "Failed query"). */
function* errorChain(error: unknown): Generator<{ code?: unknown; message?: unknown }> {
  for (let depth = 0; error && typeof error === 'object' && depth < 8; depth++) {
    yield error as { code?: unknown; message?: unknown };
    // Node reports a refused connect to a name with several addresses as an AggregateError.
    for (const inner of (error as { errors?: unknown[] }).errors ?? []) yield* errorChain(inner);
    error = (error as { cause?: unknown }).cause;
  }
}

/** A SQLSTATE (five characters) or a driver's code. */
const codesOf = (error: unknown) => [...errorChain(error)].map((link) => (typeof link.code === 'string' ? link.code : ''));

// Socket errors, and postgres.js's own codes for a connection that closed, was ended or timed out.
const unreachableCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE',
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
]);
// SQLSTATE class 08 (connection exception), 57P01-57P03 (shutting down, crashed, starting up) and
// 53300 (too many connections): the server cannot serve now but may soon (PostgreSQL appendix A).
const unavailableSqlStates = new Set(['57P01', '57P02', '57P03', '53300']);

/** Whether the database could not be reached or cannot serve now: worth retrying later. */
export function databaseUnavailable(error: unknown): boolean {
  return codesOf(error).some((code) => unreachableCodes.has(code) || unavailableSqlStates.has(code) || /^08[0-9A-Z]{3}$/.test(code));
}

/** Whether PostgreSQL itself refused the statement (a SQLSTATE anywhere in the chain), other than for being unavailable. */
export function databaseRefusedStatement(error: unknown): boolean {
  return !databaseUnavailable(error) && codesOf(error).some((code) => /^[0-9A-Z]{5}$/.test(code));
}

/**
 * PostgreSQL's message when it refused a value (SQLSTATE class 22, data exception: a NUL byte, a
 * number out of range, a date it cannot hold), else undefined.
 */
export function databaseRefusedValue(error: unknown): string | undefined {
  const refusal = [...errorChain(error)].find((link) => typeof link.code === 'string' && /^22[0-9A-Z]{3}$/.test(link.code));
  return refusal ? `${String(refusal.message)} (SQLSTATE ${String(refusal.code)})` : undefined;
}

async function appliedMigrations(db: Db): Promise<number> {
  const [exists] = await queryRows<{ present: boolean }>(
    db,
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  );
  if (!exists?.present) return 0;
  const [row] = await queryRows<{ count: number | string }>(db, sql`select count(*) as count from drizzle.__drizzle_migrations`);
  return Number(row?.count ?? 0);
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const expected = expectedMigrations();
  if (options.url) {
    const client = postgres(options.url, { max: options.poolSize ?? 10, onnotice: () => {}, connect_timeout: 10 });
    const db = drizzlePostgres({ client, schema }) as unknown as Db;
    try {
      await client`select 1`;
    } catch (error) {
      await client.end({ timeout: 1 });
      throw new WardenError('E_DB_CONNECT', `cannot connect to PostgreSQL: ${(error as Error).message}`, 503, { cause: error });
    }
    return {
      db,
      engine: 'postgres',
      async migrate() {
        // A session-level advisory lock on one reserved connection: instances starting together
        // apply migrations one after another instead of racing on the same DDL.
        const lock = await client.reserve();
        try {
          await lock`select pg_advisory_lock(${migrationLockKey})`;
          await migratePostgres(drizzlePostgres({ client }), { migrationsFolder });
        } finally {
          await lock`select pg_advisory_unlock(${migrationLockKey})`.catch(() => {});
          lock.release();
        }
      },
      migrationStatus: async () => ({ applied: await appliedMigrations(db), expected }),
      // postgres.js keeps one extra connection for LISTEN and re-listens after a reconnect.
      async listen(channel, onNotify) {
        const { unlisten } = await client.listen(channel, onNotify);
        return unlisten;
      },
      close: () => client.end({ timeout: 5 }),
    };
  }
  const dataDir = options.dataDir ?? './data';
  let client: PGlite;
  let releaseLock = () => {};
  if (dataDir.startsWith('memory://')) {
    client = new PGlite(dataDir);
  } else {
    const directory = resolve(dataDir, 'pglite');
    mkdirSync(directory, { recursive: true });
    releaseLock = lockDataDir(resolve(dataDir, 'pglite.lock'));
    client = new PGlite(directory);
  }
  try {
    await client.waitReady;
  } catch (error) {
    releaseLock();
    throw new WardenError(
      'E_DB_CONNECT',
      `cannot open the embedded database in ${dataDir}: ${(error as Error).message} (is another Relay Warden using this data directory?)`,
      503,
      { cause: error },
    );
  }
  return wrapPglite(client, expected, releaseLock);
}

/** A Database over a PGlite instance already open (tests clone a migrated template this way). */
export function wrapPglite(client: PGlite, expected = expectedMigrations(), releaseLock = () => {}): Database {
  const db = drizzlePglite({ client, schema }) as unknown as Db;
  return {
    db,
    engine: 'pglite',
    migrate: () => migratePglite(drizzlePglite({ client }), { migrationsFolder }),
    migrationStatus: async () => ({ applied: await appliedMigrations(db), expected }),
    listen: (channel, onNotify) => client.listen(channel, onNotify),
    close: async () => {
      await client.close();
      releaseLock();
    },
  };
}

/**
 * PGlite is a single-process database: two processes on one data directory would corrupt it.
 * A lock file with the owner's pid refuses the second one; a lock left by a dead process is taken over.
 */
export function lockDataDir(lockPath: string): () => void {
  try {
    writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
  } catch {
    const owner = Number(readFileSync(lockPath, 'utf8'));
    let alive = false;
    try {
      if (owner > 0 && owner !== process.pid) {
        process.kill(owner, 0);
        alive = true;
      }
    } catch {
      alive = false;
    }
    if (alive) {
      throw new WardenError(
        'E_DB_LOCKED',
        `the embedded database in ${lockPath.replace(/\/pglite\.lock$/, '')} is in use by process ${owner}; stop it first, or use PostgreSQL (DATABASE_URL) to run several processes`,
        503,
      );
    }
    writeFileSync(lockPath, String(process.pid));
  }
  return () => rmSync(lockPath, { force: true });
}
