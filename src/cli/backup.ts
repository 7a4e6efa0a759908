// `warden backup <file>` and `warden restore <file>`: the embedded database (PGlite) to a file and back.
import { backupEmbeddedDatabase, restoreEmbeddedDatabase } from '../db/embedded-backup';
import type { CliCommand, CliContext } from './command';

const postgresAdvice = 'the database is PostgreSQL (DATABASE_URL / database.url): back it up with pg_dump and restore it with pg_restore (README: Backup and restore)';

async function fileArgument(name: string, args: string[], usage: string, ctx: CliContext): Promise<{ file: string; dataDir: string } | number> {
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
  return { file, dataDir: config.database.dataDir };
}

const backupUsage = `Usage: warden backup <file>

Writes the embedded database (PGlite, in database.dataDir) to <file>, a gzipped tar of its data
directory, written beside the target and renamed into place. PGlite serves one process at a time:
stop warden serve first. For PostgreSQL use pg_dump (README: Backup and restore).`;

export const backupCommand: CliCommand = {
  name: 'backup',
  usage: backupUsage,
  async run(args, ctx) {
    const parsed = await fileArgument('backup', args, backupUsage, ctx);
    if (typeof parsed === 'number') return parsed;
    const { bytes } = await backupEmbeddedDatabase(parsed.dataDir, parsed.file);
    ctx.stdout(`embedded database in ${parsed.dataDir} written to ${parsed.file} (${bytes} bytes)\n`);
    return 0;
  },
};

const restoreUsage = `Usage: warden restore <file>

Makes the embedded database in database.dataDir from a file that warden backup wrote. The data
directory must hold no database (move the old one away first); migrations newer than the backup
are applied at the next start. For PostgreSQL use pg_restore (README: Backup and restore).`;

export const restoreCommand: CliCommand = {
  name: 'restore',
  usage: restoreUsage,
  async run(args, ctx) {
    const parsed = await fileArgument('restore', args, restoreUsage, ctx);
    if (typeof parsed === 'number') return parsed;
    await restoreEmbeddedDatabase(parsed.dataDir, parsed.file);
    ctx.stdout(`embedded database in ${parsed.dataDir} restored from ${parsed.file}\n`);
    return 0;
  },
};
