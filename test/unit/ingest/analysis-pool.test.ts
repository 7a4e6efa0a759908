import type { Worker } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { attributionConfig } from '../../../src/config/attribution';
import { AnalysisPool, prepareInline } from '../../../src/ingest/analysis-pool';
import { messageKeyOf, type RawMessage } from '../../../src/ingest/message';
import { numberedMessages } from '../../support/mail-samples';

const options = { maxMessageBytes: 64 * 1024, holds: 'auto' as const, attribution: attributionConfig.parse({}), now: new Date('2026-11-25T12:00:00Z') };
const batch = (count: number): RawMessage[] =>
  numberedMessages(count, 'pool').map((raw, uid) => ({
    source: 'imap:fbl',
    folder: 'INBOX',
    uidValidity: 7n,
    uid,
    messageKey: messageKeyOf('imap:fbl', 'INBOX', 7n, uid),
    raw,
    size: raw.length,
    receivedAt: new Date('2026-11-24T08:00:00Z'),
  }));

async function until(condition: () => boolean, deadlineMs = 30_000) {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('AnalysisPool', () => {
  let pool: AnalysisPool | undefined;
  afterEach(() => pool?.close());

  it('prepares a batch in worker threads exactly as on the main thread, in order', async () => {
    pool = new AnalysisPool({ threads: 2, minBatch: 1, logger: pino({ level: 'silent' }) });
    const messages = batch(90);
    pool.warm(messages.length);
    await until(() => pool!.readyThreads === 2);
    const [threaded, inline] = await Promise.all([pool.prepare(messages, options), prepareInline(messages, options)]);
    expect(threaded).toHaveLength(messages.length);
    for (const [index, item] of threaded.entries()) {
      const expected = inline[index]!;
      expect(item.message).toBe(messages[index]);
      expect(item.contentHash).toBe(expected.contentHash);
      expect(item.facts).toEqual(expected.facts);
      expect(item.quarantine).toEqual(expected.quarantine);
      expect(item.headersOnly).toBe(expected.headersOnly);
      expect(gunzipSync(item.rawGzip).equals(messages[index]!.raw)).toBe(true);
    }
  });

  it('prepares small batches, and everything with no threads, on the main thread', async () => {
    pool = new AnalysisPool({ threads: 0, logger: pino({ level: 'silent' }) });
    pool.warm(500);
    const prepared = await pool.prepare(batch(3), options);
    expect(prepared).toHaveLength(3);
    expect(pool.readyThreads).toBe(0);
  });
  it('finishes a batch on the main thread when a worker dies under it, and keeps to the main thread after', async () => {
    const warnings: string[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line).msg) });
    pool = new AnalysisPool({ threads: 2, minBatch: 1, logger });
    // Large enough that the thread is still at it when it is stopped.
    const messages = batch(1000);
    pool.warm(messages.length);
    await until(() => pool!.readyThreads === 2);
    const inline = await prepareInline(messages, options);
    // The thread goes away with the batch in flight, as a crash in native code would take it.
    const threads = (pool as unknown as { workers: Array<{ worker: Worker }> }).workers;
    const preparing = pool.prepare(messages, options);
    await threads[0]!.worker.terminate();
    const prepared = await preparing;
    expect(prepared.map((item) => [item.message, item.contentHash, item.facts])).toEqual(inline.map((item) => [item.message, item.contentHash, item.facts]));
    expect(warnings).toEqual(['analysis worker failed: analyzing on the main thread from now on']);
    expect(pool.readyThreads).toBe(0);
    // Later batches do not wait for threads that will never come back.
    expect(await pool.prepare(messages.slice(0, 5), options)).toHaveLength(5);
    expect(pool.readyThreads).toBe(0);
  });
});
