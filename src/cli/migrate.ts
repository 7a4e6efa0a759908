import { openDatabase } from '../db/client';
import type { CliCommand } from './command';

export const migrateCommand: CliCommand = {
  name: 'migrate',
  usage: `Usage: warden migrate [--config warden.yaml]

Applies the SQL migrations in drizzle/ to the configured database (PostgreSQL with DATABASE_URL,
embedded PGlite otherwise). Safe to run while other instances start: they take turns.`,
  async run(args, ctx) {
    if (args.length > 0) {
      ctx.stderr(`warden migrate: unexpected argument ${args[0]}\n`);
      return 2;
    }
    const config = await ctx.loadConfig();
    const database = await openDatabase(config.database);
    try {
      const before = await database.migrationStatus();
      await database.migrate();
      const after = await database.migrationStatus();
      ctx.stdout(`${database.engine}: ${after.applied - before.applied} migration(s) applied, ${after.applied} of ${after.expected} in place\n`);
      return 0;
    } finally {
      await database.close();
    }
  },
};
