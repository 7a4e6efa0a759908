import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findCatalogueZone } from '../../../src/dnsbl/catalogue';
import { interpretAnswer, type DnsblAnswer } from '../../../src/dnsbl/interpret';
import { zoneDefinitionSchema, type ZoneDefinition } from '../../../src/config/dnsbl-zone';

function zone(id: string): ZoneDefinition {
  const found = findCatalogueZone(id);
  if (!found) throw new Error(`no catalogue zone ${id}`);
  return found;
}
const listed = (...addresses: string[]): DnsblAnswer => ({ status: 'answer', addresses, txt: ['see https://example.test/'] });

describe('interpretAnswer', () => {
  it('reads NXDOMAIN and an empty NOERROR as clear', () => {
    expect(interpretAnswer(zone('spamhaus-zen'), { status: 'nxdomain' }).outcome).toBe('clear');
    expect(interpretAnswer(zone('spamhaus-zen'), { status: 'nodata' }).outcome).toBe('clear');
  });

  it('names every ZEN code with its Spamhaus list and severity', () => {
    const expected: Record<string, [RegExp, string]> = {
      '127.0.0.2': [/^SBL:/, 'critical'],
      '127.0.0.3': [/CSS/, 'critical'],
      '127.0.0.4': [/^XBL/, 'critical'],
      '127.0.0.9': [/DROP/, 'critical'],
      '127.0.0.10': [/^PBL/, 'error'],
      '127.0.0.11': [/^PBL/, 'error'],
    };
    for (const [code, [meaning, severity]] of Object.entries(expected)) {
      const result = interpretAnswer(zone('spamhaus-zen'), listed(code));
      expect(result.outcome, code).toBe('listed');
      expect(result.meanings[0]?.meaning, code).toMatch(meaning);
      expect(result.severity, code).toBe(severity);
      expect(result.txt).toEqual(['see https://example.test/']);
    }
  });

  it('takes the highest severity of several ZEN codes', () => {
    const result = interpretAnswer(zone('spamhaus-zen'), listed('127.0.0.11', '127.0.0.4'));
    expect(result.codes).toEqual(['127.0.0.11', '127.0.0.4']);
    expect(result.severity).toBe('critical');
  });

  it.each([
    ['127.255.255.252', /typing error/],
    ['127.255.255.254', /public or open resolver.*dqsKey/],
    ['127.255.255.255', /excessive number of queries/],
  ])('treats Spamhaus %s as refused, never as a listing', (code, explanation) => {
    for (const id of ['spamhaus-zen', 'spamhaus-dbl', 'spamhaus-zen-dqs']) {
      const result = interpretAnswer(zone(id), listed(code));
      expect(result.outcome).toBe('refused');
      expect(result.severity).toBeNull();
      expect(result.codes).toEqual([code]);
      expect(result.explanation).toMatch(explanation);
    }
  });

  it('treats URIBL 127.0.0.1 as refused', () => {
    const result = interpretAnswer(zone('uribl-multi'), listed('127.0.0.1'));
    expect(result.outcome).toBe('refused');
    expect(result.explanation).toMatch(/resolver of your own/);
  });

  it('decodes URIBL and SURBL bitmasks', () => {
    const uribl = interpretAnswer(zone('uribl-multi'), listed('127.0.0.14'));
    expect(uribl.outcome).toBe('listed');
    expect(uribl.meanings.map((meaning) => meaning.meaning)).toEqual([
      expect.stringMatching(/black/),
      expect.stringMatching(/grey/),
      expect.stringMatching(/red/),
    ]);
    expect(uribl.severity).toBe('error');
    const surbl = interpretAnswer(zone('surbl-multi'), listed('127.0.0.80'));
    expect(surbl.meanings.map((meaning) => meaning.meaning)).toEqual([expect.stringMatching(/MW/), expect.stringMatching(/ABUSE/)]);
    expect(surbl.severity).toBe('critical');
  });

  it('reports undocumented bits of a bitmask answer with the zone default severity', () => {
    const result = interpretAnswer(zone('surbl-multi'), listed('127.0.0.40'));
    expect(result.meanings.map((meaning) => meaning.meaning)).toEqual([expect.stringMatching(/PH/), 'Undocumented bits 32 in answer 127.0.0.40']);
  });

  it('decodes the DBL codes in 127.0.1.x', () => {
    const result = interpretAnswer(zone('spamhaus-dbl'), listed('127.0.1.102'));
    expect(result.outcome).toBe('listed');
    expect(result.meanings[0]?.meaning).toMatch(/abused legitimate/);
    expect(result.severity).toBe('error');
  });

  it('counts an undocumented 127/8 code as a listing at the zone default severity', () => {
    const result = interpretAnswer(zone('barracuda'), listed('127.0.0.77'));
    expect(result.outcome).toBe('listed');
    expect(result.meanings[0]?.meaning).toBe('Listed with undocumented code 127.0.0.77');
    expect(result.severity).toBe('error');
  });

  it('reads a Mailspike good-reputation level as clear, with its meaning kept', () => {
    const result = interpretAnswer(zone('mailspike-rep'), listed('127.0.0.18'));
    expect(result.outcome).toBe('clear');
    expect(result.meanings[0]?.meaning).toMatch(/H3/);
    expect(interpretAnswer(zone('mailspike-rep'), listed('127.0.0.10')).outcome).toBe('listed');
  });

  it('reads an answer outside 127/8 as unknown, never listed', () => {
    const result = interpretAnswer(zone('spamhaus-zen'), listed('203.0.113.7'));
    expect(result.outcome).toBe('unknown');
    expect(result.explanation).toMatch(/outside 127\.0\.0\.0\/8/);
  });

  it('keeps the 127/8 part of a mixed answer and says what it ignored', () => {
    const result = interpretAnswer(zone('spamcop'), listed('203.0.113.7', '127.0.0.2'));
    expect(result.outcome).toBe('listed');
    expect(result.codes).toEqual(['127.0.0.2']);
    expect(result.explanation).toMatch(/203\.0\.113\.7/);
  });

  it('reports DNS failures as error with the code', () => {
    const result = interpretAnswer(zone('psbl'), { status: 'error', code: 'E_DNS_TIMEOUT', message: 'no answer' });
    expect(result).toMatchObject({ outcome: 'error', explanation: 'E_DNS_TIMEOUT: no answer', severity: null });
  });

  it('never reports a listing for any answer set without a 127/8 address', () => {
    const outside = fc.ipV4().filter((address) => !address.startsWith('127.'));
    fc.assert(
      fc.property(fc.constantFrom(...['spamhaus-zen', 'uribl-multi', 'surbl-multi', 'barracuda']), fc.array(outside, { minLength: 1, maxLength: 4 }), (id, addresses) => {
        expect(interpretAnswer(zone(id), listed(...addresses)).outcome).toBe('unknown');
      }),
    );
  });

  it('never reports a listing when a refused code is among the answers', () => {
    const anyLoopback = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `127.${a}.${b}.${c}`);
    fc.assert(
      fc.property(fc.array(anyLoopback, { maxLength: 3 }), (others) => {
        expect(interpretAnswer(zone('spamhaus-zen'), listed('127.255.255.254', ...others)).outcome).toBe('refused');
      }),
    );
  });

  it('applies a custom zone from config the same way', () => {
    const custom = zoneDefinitionSchema.parse({
      id: 'local-list',
      name: 'Local list',
      zone: 'BL.Example.Test.',
      kinds: ['ipv4'],
      codes: [{ code: '127.0.0.5', meaning: 'Local: seen in our traps', severity: 'error' }],
      usage: { access: 'free', summary: 'ours' },
    });
    expect(custom.zone).toBe('bl.example.test');
    expect(interpretAnswer(custom, listed('127.0.0.5')).severity).toBe('error');
  });
});
