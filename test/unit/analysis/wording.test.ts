// The wording tables (src/analysis/wording/<reason>.txt) are data: read, checked, and tried in rank order.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REASONS, TEXT_RULES, WORDING_PHRASES, reasonFromText } from '../../../src/analysis/reasons';
import { readWordingTables, wordingRules } from '../../../src/analysis/wording';

function folderWith(files: Record<string, string>): URL {
  const dir = mkdtempSync(join(tmpdir(), 'wording-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return pathToFileURL(dir + '/');
}

describe('wording tables', () => {
  it('give every phrase a reason of the taxonomy, a rank and where it was seen', () => {
    expect(WORDING_PHRASES.length).toBeGreaterThan(400);
    for (const phrase of WORDING_PHRASES) {
      expect(REASONS).toContain(phrase.reason);
      expect(phrase.seen, phrase.at).not.toBe('');
    }
    expect(TEXT_RULES.length).toBe(new Set(WORDING_PHRASES.map((phrase) => phrase.rank)).size);
  });

  it('try phrases from the lowest rank up, whatever file they are in', () => {
    const folder = folderWith({
      'hostunknown.txt': '# broad\n200\thost .* not found\tgeneral\n',
      'networkerror.txt': '100\thost not found, try again\tPostfix, a resolver SERVFAIL\n',
    });
    const rules = wordingRules(readWordingTables(REASONS, folder));
    const first = (text: string) => rules.find(([, pattern]) => pattern.test(text))?.[0];
    expect(first('host not found, try again')).toBe('networkerror');
    expect(first('host mx.example not found')).toBe('hostunknown');
  });

  it('join the phrases of one rank into one pattern', () => {
    const folder = folderWith({ 'speeding.txt': '10\trate limit\tgeneral\n10\tslow down\tgeneral\n' });
    const [[reason, pattern]] = wordingRules(readWordingTables(REASONS, folder)) as [[string, RegExp]];
    expect(reason).toBe('speeding');
    expect(pattern.source).toBe('rate limit|slow down');
  });

  it.each([
    ['a file named after no reason', { 'bouncy.txt': '10\tx\tgeneral\n' }, /bouncy is not a reason/],
    ['a line without where seen', { 'speeding.txt': '10\trate limit\n' }, /speeding.txt:1: expected rank<TAB>pattern<TAB>where seen/],
    ['a rank that is no number', { 'speeding.txt': 'ten\trate limit\tgeneral\n' }, /speeding.txt:1/],
    ['a pattern that does not compile', { 'speeding.txt': '# c\n10\trate (limit\tgeneral\n' }, /speeding.txt:2: Invalid regular expression/],
  ])('refuse %s', (_name, files, message) => {
    expect(() => readWordingTables(REASONS, folderWith(files))).toThrow(message);
  });

  it('refuse two reasons at one rank', () => {
    const folder = folderWith({ 'speeding.txt': '10\trate limit\tgeneral\n', 'blocked.txt': '10\tblocked\tgeneral\n' });
    expect(() => wordingRules(readWordingTables(REASONS, folder))).toThrow(/rank 10 holds blocked \(blocked.txt:1\) and speeding \(speeding.txt:1\)/);
  });

  it('are what the analyzer reads diagnostics with', () => {
    expect(reasonFromText('421 4.7.1 Messages to a@mac.com deferred due to excessive volume')).toBe('speeding');
    expect(reasonFromText('Host or domain name not found. Name service error for name=x.example type=MX: Host not found, try again')).toBe('networkerror');
  });
});
