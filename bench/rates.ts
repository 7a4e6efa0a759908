// Reputation evaluation at scale: N send events and 50,000 complaints/bounces over 30 days for
// 100,000 senders in PostgreSQL, then a full evaluation pass, timed.
//
//   npm run bench:rates -- [--events 1000000,10000000] [--senders 100000] [--facts 50000]
//   (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; a scratch database is
//   created and dropped per size)
//
// Events and facts are generated inside PostgreSQL and the rollups built with the same
// aggregation the incremental path performs, so loading 10 M rows takes minutes, not hours; the
// ingest path's own throughput is measured separately on 100,000 events through storeSendEvents.
import { parseArgs } from 'node:util';
import { reputationConfig } from '../src/config/reputation';
import { openDatabase } from '../src/db/client';
import { recordFacts } from '../src/enforcement/facts';
import { storeSendEvents } from '../src/db/send-events';
import { evaluateReputation } from '../src/enforcement/evaluation';
import { createTestDatabase } from '../test/support/postgres';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000,10000000' },
    senders: { type: 'string', default: '100000' },
    facts: { type: 'string', default: '50000' },
  },
});
const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const senders = Number(values.senders);
const facts = Number(values.facts);
const now = new Date();
const rules = reputationConfig.parse({});
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await fn();
  return [result, performance.now() - started];
}

for (const eventCount of values.events.split(',').map(Number)) {
  const scratch = await createTestDatabase(server);
  const database = await openDatabase({ url: scratch.url });
  try {
    await database.migrate();
    const { db } = database;
    const exec = (text: string) => db.execute(text as never);
    const [, loadMs] = await timed(async () => {
      await exec(`
        insert into send_events (message_id, recipient_key, sender, sender_domain, recipient_domain, ip, at)
        select 'bench-' || g, '@r', 's' || s, 'd' || (s % 5000) || '.example',
               (array['gmail.com','yahoo.com','outlook.com','icloud.com'])[1 + g % 4], '192.0.2.' || (g % 256),
               timestamptz '${now.toISOString()}' - random() * interval '30 days'
        -- A third of the volume comes from 1% of the senders, as on a real relay.
        from (select g, case when g % 3 = 0 then g % ${Math.max(1, Math.floor(senders / 100))} else g % ${senders} end as s
              from generate_series(1, ${eventCount}) g) e`);
      // 70% of the complaints and bounces fall on 1% of senders: the abusers a relay has.
      await exec(`
        insert into mail_facts (dedup_key, kind, reason, hard_bounce, feedback_type, counted, sender, sender_domain, source, occurred_at)
        select 'bench-fact-' || g,
               case when g % 5 < 3 then 'complaint' else 'bounce' end,
               case when g % 5 < 3 then 'feedback' else 'userunknown' end,
               g % 5 >= 3, case when g % 5 < 3 then 'abuse' end,
               case when g % 5 < 3 then 'complaints' else 'hardBounces' end,
               's' || s, 'd' || (s % 5000) || '.example', 'bench',
               timestamptz '${now.toISOString()}' - random() * interval '30 days'
        from (select g, case when g % 10 < 7 then g % ${Math.max(1, Math.floor(senders / 100))} else (g * 7919) % ${senders} end as s
              from generate_series(1, ${facts}) g) f`);
      for (const [table, bucket] of [
        ['hourly_rollups', (column: string) => `date_trunc('hour', ${column})`],
        ['daily_rollups', (column: string) => `date_trunc('day', ${column}, 'UTC')`],
      ] as const) {
        const column = table === 'hourly_rollups' ? 'hour' : 'day';
        for (const [dimension, key] of [['sender', 'sender'], ['sender_domain', 'sender_domain'], ['recipient_domain', 'recipient_domain'], ['ip', 'ip']]) {
          // In time order, as a relay's traffic writes them: a window's rows lie together on disk.
          await exec(`insert into ${table} (dimension, key, ${column}, sent) select '${dimension}', ${key}, ${bucket('at')}, count(*) from send_events group by 2, 3 order by 3, 2`);
        }
        for (const [dimension, key] of [['sender', 'sender'], ['sender_domain', 'sender_domain']]) {
          await exec(`
            insert into ${table} (dimension, key, ${column}, complaints, hard_bounces)
            select '${dimension}', ${key}, ${bucket('occurred_at')}, count(*) filter (where counted = 'complaints'), count(*) filter (where counted = 'hardBounces')
            from mail_facts group by 2, 3
            on conflict (dimension, key, ${column}) do update set complaints = ${table}.complaints + excluded.complaints, hard_bounces = ${table}.hard_bounces + excluded.hard_bounces`);
        }
      }
      await exec('analyze');
    });
    const rows = (await db.execute(
      `select (select count(*) from hourly_rollups where dimension = 'sender') as hourly, (select count(*) from daily_rollups where dimension = 'sender') as daily` as never,
    )) as unknown as { hourly: string; daily: string }[];
    const heapBefore = process.memoryUsage().heapUsed;
    const [first, firstMs] = await timed(() => evaluateReputation(db, rules, now));
    const heapPeak = process.memoryUsage().heapUsed;
    // Every subject again with state stored, at the same instant (no counts moved since the first
    // pass): the floor of what a rules change costs; a later one also re-reads what moved meanwhile.
    const changedRules = { ...rules, releaseAfterHours: rules.releaseAfterHours + 1 };
    const [rerun, rerunMs] = await timed(() => evaluateReputation(db, changedRules, now));
    const [second, secondMs] = await timed(() => evaluateReputation(db, changedRules, new Date(now.getTime() + 60_000)));
    // A minute of traffic: 10,000 sends from 5,000 senders and 100 complaints, through the same
    // functions the API and the mailbox job call, then the pass that follows.
    const minuteLater = new Date(now.getTime() + 120_000);
    await storeSendEvents(db, Array.from({ length: 10_000 }, (_, i) => ({
      messageId: `minute-${i}`, recipientKey: '@r', sender: `s${(i * 20) % senders}`, senderDomain: `d${((i * 20) % senders) % 5000}.example`,
      recipientDomain: 'gmail.com', ip: '192.0.2.1', at: minuteLater,
    })));
    await recordFacts(db, Array.from({ length: 100 }, (_, i) => ({
      dedupKey: `minute-fact-${i}`, kind: 'complaint' as const, feedbackType: 'abuse', sender: `s${i * 7}`, source: 'bench', occurredAt: minuteLater,
    })));
    const [third, thirdMs] = await timed(() => evaluateReputation(db, changedRules, new Date(minuteLater.getTime() + 1000)));
    // An hour later every sender with sends in the hour that left the 24-hour window is re-read.
    const [fourth, fourthMs] = await timed(() => evaluateReputation(db, changedRules, new Date(now.getTime() + 3_600_000)));
    // A day later the 7- and 30-day windows have moved for nearly every sender: their stored
    // counts are shifted by the day that left, not summed anew.
    const dayLater = new Date(now.getTime() + 25 * 3_600_000);
    const [fifth, fifthMs] = await timed(() => evaluateReputation(db, changedRules, dayLater));
    // Last, a rules change with a volume floor of 1 send: every sender with traffic is re-decided
    // (most are under the default floor, where no rule can act). This is the pass whose cost must
    // grow with the number of senders and not with the events behind them.
    const everyoneRules = { ...changedRules, minVolume: 1 };
    const [everyone, everyoneMs] = await timed(() => evaluateReputation(db, everyoneRules, dayLater));
    const phases = (r: typeof first) => JSON.stringify({ readStatsMs: r.readStatsMs, decideMs: r.decideMs, writeMs: r.writeMs });
    console.log(`\n${eventCount.toLocaleString('en')} send events, ${facts.toLocaleString('en')} facts, ${senders.toLocaleString('en')} senders`);
    console.log(`  load (server-side) + rollups        ${seconds(loadMs)}`);
    console.log(`  sender rollup rows: hourly ${Number(rows[0]!.hourly).toLocaleString('en')}, daily ${Number(rows[0]!.daily).toLocaleString('en')}`);
    console.log(`  first full pass (no state stored yet)              ${seconds(firstMs)}  senders ${first.senders}, domains ${first.domains}, throttled ${first.throttled}, suspended ${first.suspended}, warned ${first.warned}; ${phases(first)}`);
    console.log(`  full pass after a rules change, same instant      ${seconds(rerunMs)}  senders ${rerun.senders}, domains ${rerun.domains}, changed ${rerun.changed}; ${phases(rerun)}`);
    console.log(`  pass a quiet minute later                          ${seconds(secondMs)}  subjects read ${second.senders + second.domains}; ${phases(second)}`);
    console.log(`  pass after a minute of traffic (10k sends, 100 complaints) ${seconds(thirdMs)}  subjects read ${third.senders + third.domains}, changed ${third.changed}; ${phases(third)}`);
    console.log(`  pass an hour later (24h window moved)              ${seconds(fourthMs)}  subjects read ${fourth.senders + fourth.domains}; ${phases(fourth)}`);
    console.log(`  pass a day later (7d and 30d windows moved)        ${seconds(fifthMs)}  subjects read ${fifth.senders + fifth.domains}; ${phases(fifth)}`);
    console.log(`  full pass re-deciding every sender (floor 1 send), a day later ${seconds(everyoneMs)}  senders ${everyone.senders}, domains ${everyone.domains}, changed ${everyone.changed}; ${phases(everyone)}`);
    console.log(`  heap during pass 1: +${((heapPeak - heapBefore) / 1048576).toFixed(0)} MiB`);
  } finally {
    await database.close();
    await scratch.drop();
  }
}

// The incremental path: 100,000 events through the same function the API calls, in batches of 5,000.
{
  const scratch = await createTestDatabase(server);
  const database = await openDatabase({ url: scratch.url });
  try {
    await database.migrate();
    const batch = (offset: number) =>
      Array.from({ length: 5000 }, (_, i) => ({
        messageId: `ingest-${offset + i}`,
        recipientKey: `@r`,
        sender: `s${(offset + i) % senders}`,
        senderDomain: `d${((offset + i) % senders) % 5000}.example`,
        recipientDomain: 'gmail.com',
        ip: `192.0.2.${i % 256}`,
        at: new Date(now.getTime() - ((offset + i) % 86_400) * 1000),
      }));
    const [, ms] = await timed(async () => {
      for (let offset = 0; offset < 100_000; offset += 5000) await storeSendEvents(database.db, batch(offset));
    });
    console.log(`\nincremental ingest: 100,000 send events in ${seconds(ms)} = ${Math.round(100_000 / (ms / 1000)).toLocaleString('en')} events/s (events + 4 rollup dimensions x hourly and daily)`);
  } finally {
    await database.close();
    await scratch.drop();
  }
}
