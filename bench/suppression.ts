// The relay's batch recipient check against a large suppression list, from memory.
//
//   npm run bench:suppression -- [--entries 100000] [--batches 300]
//
// Seeds N entries (relay-wide, a tenth of them scoped to a sender) in embedded PGlite, loads the
// in-memory list as `warden serve` does (time printed), then answers POST /api/v1/suppressions/check
// with 1,000 recipients (one in ten suppressed) through the app factory, in process: the route,
// its validation, hashing, the look-ups and the JSON answer, without a network hop. Printed: the
// load time, p50/p99 per batch of 1,000, recipients per second, and the bare check per recipient.
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createApp } from '../src/api/app';
import { wardenConfigSchema } from '../src/config/schema';
import { openDatabase } from '../src/db/client';
import { suppressionEntries } from '../src/db/schema';
import { SuppressionSnapshot } from '../src/relay/suppression-snapshot';
import { AddressKeyer } from '../src/suppression/address';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '100000' }, batches: { type: 'string', default: '300' } } });
const entryCount = Number(values.entries);
const batches = Number(values.batches);
const key = 'bench-suppression-key-0123456789abcdef0123';
const relayToken = 'relay-token-0123456789abcdef0';
const logger = pino({ level: 'silent' });

const database = await openDatabase({ dataDir: 'memory://' });
await database.migrate();
const keyer = new AddressKeyer(key);
const now = new Date();
const seedStarted = performance.now();
for (let start = 0; start < entryCount; start += 5000) {
  const rows = Array.from({ length: Math.min(5000, entryCount - start) }, (_, offset) => {
    const index = start + offset;
    const scoped = index % 10 === 0;
    return {
      recipientHash: keyer.hash(`suppressed${index}@example.org`)!,
      scope: scoped ? ('sender' as const) : ('relay' as const),
      scopeId: scoped ? `sender-${index % 100}` : '',
      reason: index % 3 === 0 ? ('hardBounce' as const) : ('complaint' as const),
      source: 'import' as const,
      origin: 'bench',
      createdAt: now,
      updatedAt: now,
      expiresAt: index % 3 === 0 ? new Date(now.getTime() + 30 * 86_400_000) : null,
    };
  });
  await database.db.insert(suppressionEntries).values(rows);
}
const seedMs = performance.now() - seedStarted;

const snapshot = new SuppressionSnapshot(database, keyer, { refreshSeconds: 3600, logger });
const loadStarted = performance.now();
await snapshot.start();
const loadMs = performance.now() - loadStarted;
const config = wardenConfigSchema.parse({ auth: { tokens: [{ name: 'relay', token: relayToken, scopes: ['relay'] }] }, suppression: { key } });
const app = createApp({ database, config, logger, jobs: [], suppressionSnapshot: snapshot });

/** 1,000 recipients, one in ten on the list (relay-wide or scoped to this sender). */
const batchOf = (round: number) =>
  JSON.stringify({
    sender: 'sender-7',
    recipients: Array.from({ length: 1000 }, (_, index) => (index % 10 === 0 ? `suppressed${(round * 1000 + index * 7 + 1) % entryCount}@example.org` : `someone${round}-${index}@example.net`)),
  });
const ask = (body: string) => app.request('/api/v1/suppressions/check', { method: 'POST', headers: { authorization: `Bearer ${relayToken}`, 'content-type': 'application/json' }, body });

for (let round = 0; round < 20; round++) await (await ask(batchOf(round))).json(); // warm-up
const bodies = Array.from({ length: batches }, (_, round) => batchOf(round + 20));
const times: number[] = [];
let suppressed = 0;
const cpuStarted = process.cpuUsage();
const started = performance.now();
for (const body of bodies) {
  const at = performance.now();
  const answer = (await (await ask(body)).json()) as { suppressed: number; recipients: unknown[] };
  times.push(performance.now() - at);
  if (answer.recipients.length !== 1000) throw new Error('not every recipient answered');
  suppressed += answer.suppressed;
}
const elapsedMs = performance.now() - started;
const cpu = process.cpuUsage(cpuStarted);
times.sort((a, b) => a - b);
const quantile = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;

const addresses = Array.from({ length: 100_000 }, (_, index) => `probe${index}@example.net`);
const checkStarted = performance.now();
for (const address of addresses) snapshot.check(address, 'sender-7', 'example.net', now);
const perCheckUs = ((performance.now() - checkStarted) * 1000) / addresses.length;

console.log(`suppression list: ${entryCount.toLocaleString('en')} entries (seeded in ${(seedMs / 1000).toFixed(1)} s), loaded into memory in ${loadMs.toFixed(0)} ms; heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MB`);
console.log(
  `POST /api/v1/suppressions/check, 1,000 recipients: p50 ${quantile(0.5).toFixed(2)} ms, p99 ${quantile(0.99).toFixed(2)} ms, ` +
    `${((batches * 1000) / (elapsedMs / 1000)).toLocaleString('en', { maximumFractionDigits: 0 })} recipients/s, ` +
    `${((cpu.user + cpu.system) / 1000 / batches).toFixed(2)} ms CPU per batch; ${suppressed} of ${batches * 1000} suppressed`,
);
console.log(`bare check (normalise, HMAC-SHA256, look-up): ${perCheckUs.toFixed(2)} µs per recipient`);
await snapshot.stop();
await database.close();
