// The pure parts of suppression: address normalisation and keying, which facts suppress, the
// full-mailbox rule, entry merging and scope, the in-memory list, one-click tokens, redaction, CSV.
import { describe, expect, it } from 'vitest';
import { suppressionConfig } from '../../../src/config/suppression';
import { AddressKeyer, normaliseAddress, writtenForms } from '../../../src/suppression/address';
import { parseCsvEntries, csvHeader, csvLine } from '../../../src/suppression/csv';
import { automaticScope, mergeEntry, type EntryWrite } from '../../../src/suppression/entries';
import { SuppressionList } from '../../../src/suppression/list';
import { mintToken, readToken, unsubscribeHeaders } from '../../../src/suppression/one-click';
import { redactBytes, redactText } from '../../../src/suppression/redaction';
import { isRedactedRecipient, mailboxFullDue, verdictOf } from '../../../src/suppression/verdict';

const keyer = new AddressKeyer('unit-test-key-0123456789abcdef0123456789');

describe('addresses', () => {
  it('normalises case, angle brackets, a trailing dot and IDN domains to one form', () => {
    expect(normaliseAddress(' <Lee.Chen@Example.NET.> ')).toBe('lee.chen@example.net');
    expect(normaliseAddress('lee@Bücher.example')).toBe('lee@xn--bcher-kva.example');
    expect(normaliseAddress('lee@xn--bcher-kva.example')).toBe('lee@xn--bcher-kva.example');
    for (const text of ['', 'no-at-sign', '@example.net', 'lee@', 'lee@localhost', 'a b@example.net']) expect(normaliseAddress(text), text).toBeNull();
  });

  it('hashes one recipient to one 64-hex HMAC whatever its form, and differently under another key', () => {
    const hash = keyer.hash('LEE@bücher.example')!;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(keyer.hash('lee@xn--bcher-kva.example')).toBe(hash);
    expect(new AddressKeyer('another-key-0123456789abcdef0123456789ab').hash('lee@bücher.example')).not.toBe(hash);
    expect(writtenForms('Lee@Bücher.example').sort()).toEqual(['lee@bücher.example', 'lee@xn--bcher-kva.example']);
  });
});

describe('which facts suppress', () => {
  const bounce = (reason: string, hardBounce: boolean) => verdictOf({ kind: 'bounce', recipient: 'r@example.net', reason, hardBounce });

  it('suppresses on a complaint naming its recipient, an opt-out as an unsubscribe, never on not-spam', () => {
    expect(verdictOf({ kind: 'complaint', recipient: 'r@example.net', feedbackType: 'abuse' })).toEqual({ kind: 'suppress', reason: 'complaint' });
    expect(verdictOf({ kind: 'complaint', recipient: 'r@example.net', feedbackType: 'opt-out' })).toEqual({ kind: 'suppress', reason: 'unsubscribe' });
    expect(verdictOf({ kind: 'complaint', recipient: 'r@example.net', feedbackType: 'not-spam' })).toEqual({ kind: 'none' });
    expect(verdictOf({ kind: 'complaint', recipient: 'r@example.net', feedbackType: 'auth-failure' })).toEqual({ kind: 'none' });
  });

  it('says a complaint whose recipient was redacted suppresses nobody', () => {
    for (const recipient of ['', null, 'redacted@isp.example', 'xxxxxxxx@hotmail.example', '****@isp.example', 'r***@isp.example']) {
      expect(verdictOf({ kind: 'complaint', recipient, feedbackType: 'abuse' }), String(recipient)).toEqual({ kind: 'redacted' });
    }
    expect(isRedactedRecipient('rex@example.net')).toBe(false);
  });

  it('suppresses a hard bounce caused by the address, never one blaming our IP or content', () => {
    for (const reason of ['userunknown', 'hostunknown', 'hasmoved', 'notaccept']) expect(bounce(reason, true), reason).toEqual({ kind: 'suppress', reason: 'hardBounce' });
    for (const reason of ['blocked', 'spamdetected', 'policyviolation', 'badreputation', 'toomanyconn', 'securityerror', 'contenterror']) {
      expect(bounce(reason, true), reason).toEqual({ kind: 'none' });
    }
    expect(bounce('notaccept', false)).toEqual({ kind: 'none' });
    expect(bounce('mailboxfull', false)).toEqual({ kind: 'count', reason: 'mailboxFull' });
    expect(verdictOf({ kind: 'delay', recipient: 'r@example.net', reason: 'mailboxfull' })).toEqual({ kind: 'none' });
  });

  it('gives up on a full mailbox at 3 bounces spread over 3 days within 30', () => {
    const rule = { bounces: 3, overDays: 3, withinDays: 30 };
    const at = (day: number, hour = 8) => new Date(Date.UTC(2026, 3, day, hour));
    expect(mailboxFullDue([at(1), at(2)], rule)).toBe(false);
    expect(mailboxFullDue([at(1), at(2), at(4)], rule)).toBe(true);
    expect(mailboxFullDue([at(1, 8), at(1, 9), at(1, 10)], rule)).toBe(false);
    expect(mailboxFullDue([at(1), at(2), at(3, 7)], rule)).toBe(false);
    // The first is more than 30 days before the latest: two left in the window.
    expect(mailboxFullDue([new Date(Date.UTC(2026, 1, 1)), at(2), at(6)], rule)).toBe(false);
  });
});

describe('entries', () => {
  const now = new Date('2026-04-10T00:00:00Z');
  const write = (expiresAt: Date | null): EntryWrite => ({ recipientHash: 'a'.repeat(64), scope: 'relay', scopeId: '', reason: 'hardBounce', source: 'mailbox', origin: 'x', expiresAt });
  const stored = (expiresAt: Date | null, removedAt: Date | null = null) => ({ ...write(expiresAt), id: 1, createdAt: now, removedAt });

  it('keeps whichever lasts longer; a removed or expired entry is replaced', () => {
    const later = new Date('2026-05-10T00:00:00Z');
    const sooner = new Date('2026-04-20T00:00:00Z');
    expect(mergeEntry(stored(null), write(later), now)).toBeNull();
    expect(mergeEntry(stored(later), write(sooner), now)).toBeNull();
    expect(mergeEntry(stored(sooner), write(later), now)).toEqual(write(later));
    expect(mergeEntry(stored(sooner), write(null), now)).toEqual(write(null));
    expect(mergeEntry(stored(null, now), write(sooner), now)).toEqual(write(sooner));
    expect(mergeEntry(stored(new Date('2026-04-01T00:00:00Z')), write(sooner), now)).toEqual(write(sooner));
  });

  it('narrows an automatic scope to whom the report is attributed, relay-wide when to nobody', () => {
    expect(automaticScope('sender', { sender: 'shop-7', senderDomain: 'Shop.example' })).toEqual({ scope: 'sender', scopeId: 'shop-7' });
    expect(automaticScope('sender', { sender: null, senderDomain: 'Shop.example' })).toEqual({ scope: 'domain', scopeId: 'shop.example' });
    expect(automaticScope('domain', { sender: null, senderDomain: null })).toEqual({ scope: 'relay', scopeId: '' });
    expect(automaticScope('relay', { sender: 'shop-7', senderDomain: 'shop.example' })).toEqual({ scope: 'relay', scopeId: '' });
  });

  it('reads the configured expiry per reason', () => {
    const config = suppressionConfig.parse({ key: 'k'.repeat(32) });
    expect(config.reasons.complaint).toEqual({ scope: 'relay', expiresAfterDays: null });
    expect(config.reasons.hardBounce.expiresAfterDays).toBe(30);
    expect(suppressionConfig.parse({ key: '' }).key).toBeUndefined();
    expect(() => suppressionConfig.parse({ oneClick: { baseUrl: 'http://warden.example.com' } })).toThrow(/https/);
  });
});

describe('the in-memory list', () => {
  const row = (id: number, hash: string, scope: 'relay' | 'sender' | 'domain', scopeId = '', expiresAt: Date | null = null, removedAt: Date | null = null) =>
    ({ id, recipientHash: hash, scope, scopeId, reason: 'complaint' as const, expiresAt, removedAt });
  const now = Date.parse('2026-04-10T00:00:00Z');

  it('matches a relay-wide entry for every sender, a scoped one for its sender or domain only', () => {
    const list = new SuppressionList();
    list.apply(row(1, 'h1', 'relay'));
    list.apply(row(2, 'h2', 'sender', 'shop-7'));
    list.apply(row(3, 'h3', 'domain', 'shop.example'));
    expect(list.match('h1', undefined, undefined, now)?.id).toBe(1);
    expect(list.match('h2', 'shop-7', undefined, now)?.id).toBe(2);
    expect(list.match('h2', 'shop-8', 'shop.example', now)).toBeUndefined();
    expect(list.match('h3', 'anyone', 'shop.example', now)?.id).toBe(3);
    expect(list.match('h3', 'anyone', 'other.example', now)).toBeUndefined();
  });

  it('drops removed and forgotten rows, and skips expired entries at lookup', () => {
    const list = new SuppressionList();
    list.apply(row(1, 'h1', 'relay', '', new Date(now - 1)));
    expect(list.match('h1', undefined, undefined, now)).toBeUndefined();
    list.apply(row(2, 'h2', 'relay'));
    list.apply(row(2, 'h2', 'relay', '', null, new Date(now)));
    list.apply({ ...row(1, 'h1', 'relay'), recipientHash: null });
    expect(list.size).toBe(0);
    expect(list.match('h2', undefined, undefined, now)).toBeUndefined();
  });
});

describe('one-click tokens', () => {
  const key = keyer.derive('one-click unsubscribe v1');
  const claims = { recipientHash: keyer.hash('kim@example.org')!, scope: 'sender' as const, scopeId: 'shop-7' };

  it('reads back what it signed, and nothing altered, cut or signed with another key', () => {
    const token = mintToken(key, claims);
    expect(readToken(key, token)).toEqual(claims);
    const [payload, mac] = token.split('.') as [string, string];
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    for (let at = 0; at < payload.length; at += 7) expect(readToken(key, `${flip(payload, at)}.${mac}`)).toBeNull();
    expect(readToken(key, `${payload}.${flip(mac, 3)}`)).toBeNull();
    expect(readToken(key, payload)).toBeNull();
    expect(readToken(key, `${payload}.${mac}x`)).toBeNull();
    expect(readToken(new AddressKeyer('another-key-0123456789abcdef0123456789ab').derive('one-click unsubscribe v1'), token)).toBeNull();
    expect(readToken(keyer.derive('something else'), token)).toBeNull();
  });

  it('makes the RFC 8058 header values', () => {
    expect(unsubscribeHeaders('https://warden.example.com', 'abc.def')).toEqual({
      listUnsubscribe: '<https://warden.example.com/unsubscribe/abc.def>',
      listUnsubscribePost: 'List-Unsubscribe=One-Click',
    });
  });
});

describe('redaction', () => {
  it('replaces the address in any case, never part of a longer one', () => {
    const forms = ['r@example.net'];
    expect(redactText('550 5.1.1 <R@Example.NET>: User unknown; bar@example.net and r@example.network stay', forms, 'X')).toBe(
      '550 5.1.1 <X>: User unknown; bar@example.net and r@example.network stay',
    );
  });

  it('replaces UTF-8 forms in raw bytes and leaves other bytes as they were', () => {
    const raw = Buffer.concat([Buffer.from('To: lee@bücher.example\r\nX: '), Buffer.from([0xe9, 0xff]), Buffer.from('\r\n')]);
    const redacted = redactBytes(raw, writtenForms('lee@bücher.example'), '[gone]');
    expect(redacted.toString('latin1')).toBe(`To: [gone]\r\nX: ${Buffer.from([0xe9, 0xff]).toString('latin1')}\r\n`);
    expect(redactBytes(raw, ['nobody@example.net'], 'x')).toBe(raw);
  });
});

describe('CSV of hashes', () => {
  it('round-trips entries, quoting a scope id with a comma, and names bad rows by line', () => {
    const hash = keyer.hash('a@example.net')!;
    const text = csvHeader + csvLine({ recipientHash: hash, scope: 'sender', scopeId: 'shop,7', reason: 'complaint', expiresAt: null }) + 'not-a-hash,relay,,complaint,\r\n' + `${hash},relay,,nonsense,\r\n`;
    expect(parseCsvEntries(text)).toEqual([
      { line: 2, entry: { recipientHash: hash, scope: 'sender', scopeId: 'shop,7', reason: 'complaint', expiresAt: null } },
      { line: 3, error: expect.stringContaining('recipient_hash') },
      { line: 4, error: expect.stringContaining('reason') },
    ]);
    expect(parseCsvEntries('a,b\r\n')).toEqual([{ line: 1, error: expect.stringContaining('header') }]);
  });

  it('lower-cases a domain scope id, keeps a sender id as written, drops a relay scope id, and refuses a scope without its id', () => {
    const hash = keyer.hash('a@example.net')!;
    const text = `${csvHeader}${hash},domain,Shop.Example,,\r\n${hash},sender,Shop-7,,\r\n${hash},relay,ignored,,\r\n${hash},sender,,,\r\n${hash},domain, ,,\r\n`;
    expect(parseCsvEntries(text)).toEqual([
      { line: 2, entry: { recipientHash: hash, scope: 'domain', scopeId: 'shop.example', reason: 'manual', expiresAt: null } },
      { line: 3, entry: { recipientHash: hash, scope: 'sender', scopeId: 'Shop-7', reason: 'manual', expiresAt: null } },
      { line: 4, entry: { recipientHash: hash, scope: 'relay', scopeId: '', reason: 'manual', expiresAt: null } },
      { line: 5, error: expect.stringContaining('scope_id') },
      { line: 6, error: expect.stringContaining('scope_id') },
    ]);
  });
});
