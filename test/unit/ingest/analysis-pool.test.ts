import type { Worker } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { attributionConfig } from '../../../src/config/attribution';
import { analyzeMbox } from '../../../src/analysis/analyze';
import { AnalysisPool } from '../../../src/ingest/analysis-pool';
import { messageKeyOf, prepareMessage, type RawMessage } from '../../../src/ingest/message';
import { numberedMessages } from '../../support/mail-samples';
import { fixture } from '../analysis/fixture';

const options = { maxMessageBytes: 64 * 1024 * 1024, holds: 'auto' as const, attribution: attributionConfig.parse({}), now: new Date('2026-11-25T12:00:00Z') };
const rawMessage = (raw: Buffer, uid: number): RawMessage => ({
  source: 'imap:fbl',
  folder: 'INBOX',
  uidValidity: 7n,
  uid,
  messageKey: messageKeyOf('imap:fbl', 'INBOX', 7n, uid),
  raw,
  size: raw.length,
  receivedAt: new Date('2026-11-24T08:00:00Z'),
});
const batch = (count: number): RawMessage[] => numberedMessages(count, 'pool').map(rawMessage);
const onThisThread = (messages: RawMessage[]) => messages.map((message) => prepareMessage(message, options));

/** A real bounce with 20 MB of bounce text: about 1.5 s of analysis. */
function slowBounce(uid: number): RawMessage {
  const text = fixture('dsn-postfix-userunknown.eml').toString('latin1');
  const filler = 'The mail system could not deliver the message to maria.lopez@shop.example today.\n'.repeat(250_000);
  return rawMessage(Buffer.from(text.replace('This is the mail system', filler + 'This is the mail system'), 'latin1'), uid);
}

async function until(condition: () => boolean, deadlineMs = 30_000) {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function expectSamePreparation(prepared: Awaited<ReturnType<AnalysisPool['prepare']>>, expected: ReturnType<typeof onThisThread>) {
  expect(prepared).toHaveLength(expected.length);
  for (const [index, item] of prepared.entries()) {
    expect(item.message).toBe(expected[index]!.message);
    expect(item.contentHash).toBe(expected[index]!.contentHash);
    expect(item.facts).toEqual(expected[index]!.facts);
    expect(item.quarantine).toEqual(expected[index]!.quarantine);
    expect(item.headersOnly).toBe(expected[index]!.headersOnly);
    expect(gunzipSync(item.rawGzip).equals(item.message.raw)).toBe(true);
  }
}

describe('AnalysisPool', () => {
  let pool: AnalysisPool | undefined;
  afterEach(() => pool?.close());

  it('prepares a batch in worker threads exactly as prepareMessage does, in order', async () => {
    pool = new AnalysisPool({ threads: 2, logger: pino({ level: 'silent' }) });
    const messages = batch(90);
    expectSamePreparation(await pool.prepare(messages, options), onThisThread(messages));
  });

  it('prepares a batch of one in a worker thread too', async () => {
    pool = new AnalysisPool({ threads: 1, logger: pino({ level: 'silent' }) });
    const messages = batch(1);
    expectSamePreparation(await pool.prepare(messages, options), onThisThread(messages));
    expect(pool.readyThreads).toBe(1);
  });

  it('quarantines a message that runs past the budget and prepares the rest of the batch', async () => {
    const warnings: Array<{ msg: string; uid?: number }> = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    pool = new AnalysisPool({ threads: 1, budgetMs: 200, logger });
    const messages = batch(6);
    messages.splice(2, 0, slowBounce(99));
    const prepared = await pool.prepare(messages, options);
    expect(prepared[2]!.quarantine).toEqual({ code: 'E_ANALYSIS_BUDGET', reason: 'analysis took over 200 ms: stopped, message kept whole' });
    expect(prepared[2]!.facts).toEqual([]);
    expect(gunzipSync(prepared[2]!.rawGzip).equals(messages[2]!.raw)).toBe(true);
    const others = messages.filter((_, index) => index !== 2);
    expectSamePreparation(prepared.filter((_, index) => index !== 2), onThisThread(others));
    expect(warnings.map((line) => [line.msg, line.uid])).toEqual([['message analysis over budget: quarantined', 99]]);
  });

  it('answers the facts of each mbox file in order, and E_ANALYSIS_BUDGET for a file that runs past the budget', async () => {
    pool = new AnalysisPool({ threads: 1, budgetMs: 200, logger: pino({ level: 'silent' }) });
    const files = batch(4).map((message) => message.raw);
    files.splice(1, 0, slowBounce(99).raw);
    const analyses = await pool.analyzeMboxes(files);
    expect(analyses[1]).toEqual([{ error: { code: 'E_ANALYSIS_BUDGET', message: 'analysis took over 200 ms: stopped' } }]);
    const others = files.filter((_, index) => index !== 1);
    const answered = analyses.filter((_, index) => index !== 1).map((analysis) => analysis.map((message) => ('facts' in message ? { facts: message.facts.map((fact) => JSON.parse(fact)) } : message)));
    expect(answered).toEqual(others.map((file) => analyzeMbox(file).map((result) => (result.ok ? { facts: result.facts } : { error: { code: result.error.code, message: result.error.message } }))));
    expect(answered[0]![0]).toMatchObject({ facts: [expect.objectContaining({ kind: expect.any(String) })] });
  });

  it('holds each message of an mbox file, not the whole file, to the budget', async () => {
    pool = new AnalysisPool({ threads: 1, budgetMs: 250, logger: pino({ level: 'silent' }) });
    // Thousands of quick messages in one file: together far past the budget, each well within it.
    const bounce = fixture('dsn-postfix-userunknown.eml').toString('latin1').replace(/\r\n/g, '\n');
    const mbox = Buffer.from(Array.from({ length: 3000 }, (_, index) => `From MAILER-DAEMON Tue Nov 24 08:00:00 2026\nX-Copy: ${index}\n${bounce}\n`).join(''), 'latin1');
    const [analysis] = await pool.analyzeMboxes([mbox]);
    expect(analysis).toHaveLength(3000);
    expect(analysis!.map((message) => ('facts' in message ? { facts: message.facts.map((fact) => JSON.parse(fact)) } : message))).toEqual(
      analyzeMbox(mbox).map((result) => (result.ok ? { facts: result.facts } : { error: { code: result.error.code, message: result.error.message } })),
    );
  });

  it('finishes a batch in a fresh worker when its worker dies under it', async () => {
    pool = new AnalysisPool({ threads: 2, logger: pino({ level: 'silent' }) });
    pool.warm();
    await until(() => pool!.readyThreads === 2);
    // Large enough that the thread is still at it when it is stopped.
    const messages = batch(1000);
    const threads = (pool as unknown as { workers: Array<{ worker: Worker }> }).workers;
    const preparing = pool.prepare(messages, options);
    // The thread goes away with the batch in flight, as a crash in native code would take it.
    await threads[0]!.worker.terminate();
    expectSamePreparation(await preparing, onThisThread(messages));
    expect(pool.readyThreads).toBe(2);
  });
});
