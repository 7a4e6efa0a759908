// Backup and restore as the README tells an operator to do it: `warden backup` / `warden restore` for
// the embedded database, pg_dump / pg_restore for PostgreSQL. Every table has the same rows after.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';
import { openDatabase, queryRows, type Database } from '../../../src/db/client';
import { recordFacts } from '../../../src/enforcement/facts';
import { storeSendEvents } from '../../../src/db/send-events';
import { createTestDatabase, postgresTestUrl } from '../../support/postgres';

const run = promisify(execFile);
const postgresServer = postgresTestUrl();

async function fill(db: Database['db']) {
  const sentAt = new Date('2026-11-20T10:00:00Z');
  await storeSendEvents(
    db,
    Array.from({ length: 300 }, (_, i) => ({
      messageId: `<m${i}@relay.example>`, recipientKey: `user${i}@gmail.example`, sender: `sender-${i % 7}`, senderDomain: `s${i % 7}.example`,
      recipientDomain: i % 2 ? 'gmail.example' : 'outlook.example', ip: '192.0.2.10', at: new Date(sentAt.getTime() + i * 1000),
    })),
  );
  await recordFacts(
    db,
    Array.from({ length: 12 }, (_, i) => ({
      kind: 'complaint' as const, feedbackType: 'abuse', dedupKey: `fbl-${i}`, sender: `sender-${i % 7}`, senderDomain: `s${i % 7}.example`,
      recipient: `user${i}@gmail.example`, source: 'test', occurredAt: new Date(sentAt.getTime() + 60_000),
    })),
  );
}

/** Rows per table, every table of the schema and the migrations journal. */
async function counts(database: Database): Promise<Record<string, number>> {
  const tables = await queryRows<{ name: string }>(
    database.db,
    sql`select quote_ident(schemaname) || '.' || quote_ident(tablename) as name from pg_tables where schemaname in ('public', 'drizzle') order by 1`,
  );
  const result: Record<string, number> = {};
  for (const { name } of tables) {
    const [row] = await queryRows<{ count: number | string }>(database.db, sql.raw(`select count(*) as count from ${name}`));
    result[name] = Number(row!.count);
  }
  return result;
}

async function cli(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (text) => void (stdout += text), stderr: (text) => void (stderr += text) });
  return { code, stdout, stderr };
}

describe('backup and restore', () => {
  it('restores the embedded database from warden backup with the same rows in every table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-backup-'));
    const configFor = (name: string) => {
      const path = join(dir, `${name}.yaml`);
      writeFileSync(path, `database:\n  dataDir: ${join(dir, name)}\n`);
      return path;
    };
    const original = await openDatabase({ dataDir: join(dir, 'original') });
    await original.migrate();
    await fill(original.db);
    const before = await counts(original);
    await original.close();
    expect(before['public.send_events']).toBe(300);
    expect(before['public.mail_facts']).toBe(12);

    const file = join(dir, 'warden-backup.tar.gz');
    const backup = await cli(['--config', configFor('original'), 'backup', file]);
    expect(backup).toMatchObject({ code: 0, stderr: '' });
    expect(statSync(file).size).toBeGreaterThan(1000);
    expect(existsSync(`${file}.partial`)).toBe(false);

    const restoredConfig = configFor('restored');
    expect(await cli(['--config', restoredConfig, 'restore', file])).toMatchObject({ code: 0, stderr: '' });
    const restored = await openDatabase({ dataDir: join(dir, 'restored') });
    try {
      const migrations = before['drizzle.__drizzle_migrations'];
      expect(await restored.migrationStatus()).toEqual({ applied: migrations, expected: migrations });
      expect(await counts(restored)).toEqual(before);
    } finally {
      await restored.close();
    }

    // A restore never overwrites a database.
    const again = await cli(['--config', restoredConfig, 'restore', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('E_RESTORE_NOT_EMPTY');
  }, 180_000);

  it('reports a backup that cannot take its place and leaves no .partial file behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-backup-'));
    const database = await openDatabase({ dataDir: join(dir, 'data') });
    await database.migrate();
    await database.close();
    writeFileSync(join(dir, 'warden.yaml'), `database:\n  dataDir: ${join(dir, 'data')}\n`);
    // The archive is written to <target>.partial, then renamed onto the target: a directory there
    // (not empty) makes the rename fail once the .partial file is whole.
    const target = join(dir, 'backup.tar.gz');
    mkdirSync(target);
    writeFileSync(join(target, 'keep.txt'), 'not a backup');
    const backup = await cli(['--config', join(dir, 'warden.yaml'), 'backup', target]);
    expect(backup.code).toBe(1);
    // The error that stopped the backup, not one from cleaning up after it.
    expect(backup.stderr).toMatch(/^warden backup: (EISDIR|ENOTEMPTY)\b.*rename .*backup\.tar\.gz\.partial/);
    expect(existsSync(`${target}.partial`)).toBe(false);
    expect(readdirSync(target)).toEqual(['keep.txt']);
    expect(readdirSync(dir).sort()).toEqual(['backup.tar.gz', 'data', 'warden.yaml']);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('refuses to back up a data directory with no database in it, and a PostgreSQL one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-backup-'));
    writeFileSync(join(dir, 'warden.yaml'), `database:\n  dataDir: ${join(dir, 'empty')}\n`);
    const empty = await cli(['--config', join(dir, 'warden.yaml'), 'backup', join(dir, 'x.tar.gz')]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('E_BACKUP_NO_DATABASE: no embedded database in');
    writeFileSync(join(dir, 'pg.yaml'), 'database:\n  url: postgres://warden@db.invalid/warden\n');
    const pg = await cli(['--config', join(dir, 'pg.yaml'), 'backup', join(dir, 'x.tar.gz')]);
    expect(pg.code).toBe(1);
    expect(pg.stderr).toContain('back it up with pg_dump');
  });

  it.skipIf(!postgresServer)('restores PostgreSQL from pg_dump -Fc with pg_restore, as README says, with the same rows', async () => {
    const source = await createTestDatabase(postgresServer!);
    const target = await createTestDatabase(postgresServer!);
    try {
      const original = await openDatabase({ url: source.url });
      await original.migrate();
      await fill(original.db);
      const before = await counts(original);
      await original.close();
      const file = join(mkdtempSync(join(tmpdir(), 'warden-pgdump-')), 'warden.dump');
      await run('pg_dump', ['--format=custom', `--file=${file}`, source.url]);
      await run('pg_restore', ['--no-owner', `--dbname=${target.url}`, file]);
      const restored = await openDatabase({ url: target.url });
      try {
        expect(await counts(restored)).toEqual(before);
        expect(before['public.send_events']).toBe(300);
      } finally {
        await restored.close();
      }
    } finally {
      await source.drop();
      await target.drop();
    }
  }, 180_000);

  it.skipIf(!postgresServer)('holds at most database.poolSize connections to PostgreSQL', async () => {
    const testDb = await createTestDatabase(postgresServer!);
    const database = await openDatabase({ url: testDb.url, poolSize: 2 });
    try {
      const backends = await Promise.all(Array.from({ length: 6 }, () => queryRows<{ pid: number }>(database.db, sql`select pg_backend_pid() as pid, pg_sleep(0.2)`)));
      expect(new Set(backends.map(([row]) => row!.pid)).size).toBe(2);
    } finally {
      await database.close();
      await testDb.drop();
    }
  });
});
