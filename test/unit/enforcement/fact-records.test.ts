import { describe, expect, it } from 'vitest';
import type { SendsByMessageId } from '../../../src/db/send-events';
import { factRecordOf, type FactInput } from '../../../src/enforcement/fact-records';

const at = new Date('2026-11-20T12:00:00Z');
const noSends: SendsByMessageId = new Map();
const bounce = (fields: Partial<FactInput>): FactInput => ({ dedupKey: 'k', kind: 'bounce', hardBounce: true, reason: 'hasmoved', source: 'test', occurredAt: at, ...fields });
const keysOf = (input: FactInput, sends = noSends) => factRecordOf(input, sends).increments.map((increment) => `${increment.dimension}:${increment.key}`);

describe('what a stored fact adds', () => {
  it('counts a hard bounce against the sender, its domain, the recipient domain, the IP and the relay', () => {
    expect(keysOf(bounce({ sender: 'alice', senderDomain: 'shop.example', recipient: 'bob@gmail.example', ip: '192.0.2.1' }))).toEqual([
      'sender:alice', 'sender_domain:shop.example', 'recipient_domain:gmail.example', 'ip:192.0.2.1', 'relay:all',
    ]);
  });

  it('counts a block of our IP against the IP and the receiver, never the sender', () => {
    const record = factRecordOf(bounce({ reason: 'blocked', sender: 'alice', senderDomain: 'shop.example', recipient: 'bob@gmail.example', ip: '192.0.2.1' }), noSends);
    expect(record.row.counted).toBe('blocked');
    expect(record.increments.map((increment) => increment.dimension)).toEqual(['recipient_domain', 'ip', 'relay']);
  });

  it('stores no domain for an address with nothing after its @, and counts nothing under an empty key', () => {
    const record = factRecordOf(bounce({ sender: 'alice', recipient: 'bob@' }), noSends);
    expect(record.row.recipientDomain).toBeNull();
    expect(record.increments.map((increment) => increment.dimension)).toEqual(['sender', 'relay']);
  });

  it('attributes a fact naming no sender through the send log, and fingerprints a counted complaint from it', () => {
    const sends: SendsByMessageId = new Map([
      ['<m1@relay.example>', { sender: 'carol', senderDomain: 'shop.example', ip: '192.0.2.9', clientAddress: '198.51.100.7', saslUsername: 'carol', fingerprint: 'tpl-1' }],
    ]);
    const complaint: FactInput = { dedupKey: 'c', kind: 'complaint', feedbackType: 'abuse', originalMessageId: '<m1@relay.example>', source: 'test', occurredAt: at };
    const record = factRecordOf(complaint, sends);
    expect(record.row).toMatchObject({ sender: 'carol', senderDomain: 'shop.example', ip: '192.0.2.9', counted: 'complaints' });
    expect(record.fingerprints).toEqual([
      { kind: 'client', value: '198.51.100.7' },
      { kind: 'sasl', value: 'carol' },
      { kind: 'content', value: 'tpl-1' },
    ]);
    // A not-spam report counts nothing and is no campaign evidence.
    expect(factRecordOf({ ...complaint, feedbackType: 'not-spam' }, sends)).toMatchObject({ increments: [], fingerprints: [] });
  });
});
