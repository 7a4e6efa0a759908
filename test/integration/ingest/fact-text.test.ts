// Text a mail can carry that jsonb refuses (NUL, lone surrogates) must not stop a batch from storing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../../../src/db/client';
import { recentFacts } from '../../../src/db/facts';
import { recordFacts } from '../../../src/enforcement/facts';
import { testEngines } from '../../support/engines';

describe.each(testEngines())('fact text on $name', (engine) => {
  let database: Database;
  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.close());

  it('stores facts whose text holds NUL characters and lone surrogates, mended', async () => {
    const outcome = await recordFacts(database.db, [
      {
        dedupKey: 'text-1',
        kind: 'bounce',
        reason: 'user-unknown',
        hardBounce: true,
        recipient: 'gone@example.net',
        subject: 'cut \uD83D',
        diagnosticCode: '550 no\u0000 such user',
        source: 'test',
        occurredAt: new Date('2026-11-20T12:00:00Z'),
        details: { remoteMta: 'mx\u0000.example.net', quote: '\uDE00' },
      },
    ]);
    expect(outcome.stored).toBe(1);
    const [fact] = await recentFacts(database.db, { kinds: ['bounce'], limit: 10 });
    expect(fact).toMatchObject({ subject: 'cut \uFFFD', diagnosticCode: '550 no such user', details: { remoteMta: 'mx.example.net', quote: '\uFFFD' } });
  });
});
