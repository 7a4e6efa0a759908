// One bounce reaching us several times (delivered twice, or as copies cut short at different
// points) is stored as every copy but counted once; reports naming no original message never merge.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attributionConfig } from '../../../src/config/attribution';
import { queryRows, type Database } from '../../../src/db/client';
import { storeMessages } from '../../../src/ingest/batch';
import { windowStats } from '../../../src/db/rollups';
import { messageKeyOf, prepareMessage, type RawMessage } from '../../../src/ingest/message';
import { testEngines } from '../../support/engines';

const dsn = readFileSync(fileURLToPath(new URL('../../fixtures/mail/dsn-postfix-userunknown.eml', import.meta.url)), 'latin1');
const now = new Date('2026-03-10T12:00:00Z');
const attribution = attributionConfig.parse({});

let uid = 0;
function prepared(text: string) {
  const raw = Buffer.from(text, 'latin1');
  uid++;
  const message: RawMessage = { source: 'local:fbl', folder: '', uidValidity: null, uid: null, messageKey: messageKeyOf('local:fbl', '', null, `copy-${uid}`), raw, size: raw.length };
  return prepareMessage(message, { maxMessageBytes: 1024 * 1024, holds: 'auto', attribution, now });
}

/** The DSN cut short in its returned headers' last line, `keep` characters into it (no closing boundary). */
const truncatedCopy = (keep: number) => dsn.slice(0, dsn.indexOf('Date: Tue, 10 Mar 2026 08:14:57') + keep);
/** The same DSN as a second delivery adds a header of its own: other bytes, same report. */
const redelivered = `Delivered-To: bounces+acme@relay.example\n${dsn}`;
/** A Postfix DSN for the same recipient and status that names no original message. */
const withoutMessageId = (queueId: string) => dsn.replace(/^Message-ID: .*\n/m, '').replaceAll('4Xb2kL0Q3vz9sQ', queueId);

describe.each(testEngines())('duplicate reports on $name', (engine) => {
  let database: Database;
  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.close());

  const hardBounces = async (sender: string) => (await windowStats(database.db, 'sender', now, [sender])).get(sender)?.['24h'].hardBounces ?? 0;
  const count = async (query: ReturnType<typeof sql>) => Number((await queryRows<{ n: string }>(database.db, query))[0]!.n);

  it('counts three truncated copies and a second delivery of one DSN as one hard bounce, and keeps every copy', async () => {
    const copies = [truncatedCopy(0), truncatedCopy(12), truncatedCopy(40)].map(prepared);
    expect(new Set(copies.map((copy) => copy.contentHash)).size).toBe(3);
    for (const copy of copies) expect(copy.facts).toMatchObject([{ kind: 'bounce', hardBounce: true, sender: 'acme', recipient: 'maria.lopez@shop.example', originalMessageId: 'spring-2026-0042@acme.example' }]);

    const first = await storeMessages(database.db, copies, null, now);
    expect(first).toMatchObject({ claimed: 3, duplicates: 0, facts: 1 });
    // A later batch: the copy already in the table is found there.
    const later = await storeMessages(database.db, [prepared(redelivered)], null, now);
    expect(later).toMatchObject({ claimed: 1, facts: 0 });

    expect(await hardBounces('acme')).toBe(1);
    expect(await count(sql`select count(*) as n from mail_facts`)).toBe(1);
    expect(await count(sql`select count(*) as n from ingested_messages where outcome = 'stored' and raw_gzip is not null`)).toBe(4);
  });

  it('never merges DSNs that name no original message, nor DSNs about different messages', async () => {
    const other = dsn.replace('spring-2026-0042@acme.example', 'spring-2026-0043@acme.example');
    const outcome = await storeMessages(database.db, [prepared(withoutMessageId('1AAAAAAAAAAAAA')), prepared(withoutMessageId('2BBBBBBBBBBBBB')), prepared(dsn), prepared(other)], null, now);
    expect(outcome).toMatchObject({ claimed: 4, facts: 4 });
    expect(await hardBounces('acme')).toBe(4);
  });
});
