// `warden backup <file>` and `warden restore <file>`: the embedded database (PGlite) to a file and back.
import { backupEmbeddedDatabase, restoreEmbeddedDatabase } from '../db/embedded-backup';
import type { CliCommand } from './command';

const postgresAdvice = 'the database is PostgreSQL (DATABASE_URL / database.url): back it up with pg_dump and restore it with pg_restore (README: Backup and restore)';

/**
 * A verb on the embedded database and one file: the file argument checked, the config read, and
 * PostgreSQL sent to its own tools. `act` returns the line to print.
 */
function embeddedDatabaseCommand(name: string, usage: string, act: (dataDir: string, file: string) => Promise<string>): CliCommand {
  return {
    name,
    usage,
    async run(args, ctx) {
      const [file, ...extra] = args;
      if (!file || file.startsWith('-') || extra.length > 0) {
        ctx.stderr(`warden ${name}: expected one file\n${usage}\n`);
        return 2;
      }
      const config = await ctx.loadConfig();
      if (config.database.url) {
        ctx.stderr(`warden ${name}: ${postgresAdvice}\n`);
        return 1;
      }
      ctx.stdout(`${await act(config.database.dataDir, file)}\n`);
      return 0;
    },
  };
}

const backupUsage = `Usage: warden backup <file>

Writes the embedded database (PGlite, in database.dataDir) to <file>, a gzipped tar of its data
directory, written beside the target and renamed into place. PGlite serves one process at a time:
stop warden serve first. For PostgreSQL use pg_dump (README: Backup and restore).`;

export const backupCommand = embeddedDatabaseCommand('backup', backupUsage, async (dataDir, file) => {
  const { bytes } = await backupEmbeddedDatabase(dataDir, file);
  return `embedded database in ${dataDir} written to ${file} (${bytes} bytes)`;
});

const restoreUsage = `Usage: warden restore <file>

Makes the embedded database in database.dataDir from a file that warden backup wrote. The data
directory must hold no database (move the old one away first); migrations newer than the backup
are applied at the next start. For PostgreSQL use pg_restore (README: Backup and restore).`;

export const restoreCommand = embeddedDatabaseCommand('restore', restoreUsage, async (dataDir, file) => {
  await restoreEmbeddedDatabase(dataDir, file);
  return `embedded database in ${dataDir} restored from ${file}`;
});
