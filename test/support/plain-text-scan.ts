// Every place a plain address could rest in the database: each text, varchar, char and jsonb column
// of every table in the public schema, and the raw reports kept gzipped in ingested_messages.
import { gunzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../../src/db/client';

/** Where each needle (matched case-insensitively) is found: `table.column` per hit. */
export async function findInDatabase(db: Db, needles: string[]): Promise<Map<string, string[]>> {
  const columns = await queryRows<{ table_name: string; column_name: string }>(
    db,
    sql`select c.table_name, c.column_name from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and t.table_type = 'BASE TABLE' and c.data_type in ('text', 'character varying', 'character', 'jsonb', 'json')
      order by c.table_name, c.column_name`,
  );
  if (columns.length < 20) throw new Error(`found only ${columns.length} text columns: the scan reads nothing`);
  const found = new Map<string, string[]>(needles.map((needle) => [needle, []]));
  for (const { table_name: table, column_name: column } of columns) {
    for (const needle of needles) {
      const [row] = await queryRows<{ n: string | number }>(
        db,
        sql`select count(*) as n from ${sql.identifier(table)} where strpos(lower(${sql.identifier(column)}::text), ${needle.toLowerCase()}) > 0`,
      );
      if (Number(row!.n) > 0) found.get(needle)!.push(`${table}.${column}`);
    }
  }
  const raws = await queryRows<{ id: string | number; raw_gzip: Buffer | Uint8Array }>(db, sql`select id, raw_gzip from ingested_messages where raw_gzip is not null`);
  for (const raw of raws) {
    const text = gunzipSync(Buffer.from(raw.raw_gzip)).toString('latin1').toLowerCase();
    for (const needle of needles) if (text.includes(needle.toLowerCase())) found.get(needle)!.push(`ingested_messages.raw_gzip#${raw.id}`);
  }
  return found;
}
