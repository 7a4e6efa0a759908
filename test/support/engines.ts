// The storage engines every storage test runs on: PGlite in memory always, PostgreSQL when available.
import { PGlite } from '@electric-sql/pglite';
import { openDatabase, wrapPglite, type Database } from '../../src/db/client';
import { createTestDatabase, postgresTestUrl } from './postgres';

export interface TestEngine {
  name: 'pglite' | 'postgres';
  /** A migrated, empty database; close() also drops it. */
  open(): Promise<Database>;
}

let shared: Promise<PGlite> | undefined;

export function testEngines(): TestEngine[] {
  const engines: TestEngine[] = [
    {
      name: 'pglite',
      // Starting PGlite costs seconds, so a test file shares one migrated instance and each
      // open() empties its tables instead.
      async open() {
        shared ??= (async () => {
          const client = new PGlite('memory://');
          await wrapPglite(client).migrate();
          return client;
        })();
        const client = await shared;
        const { rows } = await client.query<{ name: string }>(
          `select quote_ident(tablename) as name from pg_tables where schemaname = 'public'`,
        );
        if (rows.length > 0) await client.exec(`truncate ${rows.map((r) => r.name).join(', ')} restart identity cascade`);
        const database = wrapPglite(client);
        return { ...database, close: async () => {} };
      },
    },
  ];
  const serverUrl = postgresTestUrl();
  if (serverUrl) {
    engines.push({
      name: 'postgres',
      async open() {
        const testDb = await createTestDatabase(serverUrl);
        const database = await openDatabase({ url: testDb.url });
        await database.migrate();
        return {
          ...database,
          async close() {
            await database.close();
            await testDb.drop();
          },
        };
      },
    });
  }
  return engines;
}
