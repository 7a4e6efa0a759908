import { describe, expect, it } from 'vitest';
import { dnsblConfig } from '../../../src/config/dnsbl';
import { zoneCatalogue } from '../../../src/dnsbl/catalogue';
import { readSystemNameserver } from '../../../src/dnsbl/resolver';
import { selectZones } from '../../../src/dnsbl/zones';

describe('dnsbl config', () => {
  it('parses an empty object to complete defaults', () => {
    expect(dnsblConfig.parse({})).toEqual({
      enabled: true,
      resolver: { nameserver: null, port: 53, timeoutMs: 2000, retries: 2, concurrency: 32, perZoneQueriesPerSecond: 20 },
      enable: [],
      disable: [],
      customZones: [],
      historyDays: 30,
      confirmations: 2,
      schedule: '*/15 * * * *',
    });
  });

  it('reads the example config section', () => {
    expect(dnsblConfig.parse({ disable: [], dqsKey: 'abcdefghijklmnopqrstuvwxyz' })).toMatchObject({ disable: [], dqsKey: 'abcdefghijklmnopqrstuvwxyz' });
  });

  it('rejects unknown keys', () => {
    expect(() => dnsblConfig.parse({ resolvr: {} })).toThrow();
    expect(() => dnsblConfig.parse({ resolver: { timeout: 5 } })).toThrow();
  });

  it('accepts a custom zone with catalogue defaults filled in', () => {
    const config = dnsblConfig.parse({
      customZones: [{ id: 'local', name: 'Local', zone: 'bl.example.test', kinds: ['ipv4', 'ipv6'], usage: { access: 'free', summary: 'ours' } }],
    });
    expect(config.customZones[0]).toMatchObject({ codes: [], status: 'active', keyed: false, defaultSeverity: 'warning' });
  });
});

describe('zone catalogue', () => {
  it('has unique ids and documents every code inside 127/8', () => {
    expect(new Set(zoneCatalogue.map((zone) => zone.id)).size).toBe(zoneCatalogue.length);
    for (const zone of zoneCatalogue) {
      for (const code of [...zone.codes.map((entry) => entry.code), ...zone.refusedCodes.map((entry) => entry.code)]) {
        expect(code, zone.id).toMatch(/^127\./);
      }
    }
  });

  it('covers the lists the monitor promises, with delisting pages for live ones', () => {
    const ids = zoneCatalogue.map((zone) => zone.id);
    for (const id of ['spamhaus-zen', 'spamhaus-zen-dqs', 'spamhaus-dbl', 'barracuda', 'spamcop', 'uceprotect-l1', 'uceprotect-l2', 'uceprotect-l3', 'psbl', 'mailspike-bl', 'surbl-multi', 'uribl-multi', 'sorbs']) {
      expect(ids).toContain(id);
    }
    for (const zone of zoneCatalogue.filter((entry) => entry.status === 'active')) expect(zone.delistUrl, zone.id).toBeDefined();
    expect(zoneCatalogue.filter((zone) => zone.kinds.includes('ipv6')).length).toBeGreaterThan(0);
  });

  it('marks SORBS dead and leaves dead lists out of the defaults', () => {
    expect(zoneCatalogue.find((zone) => zone.id === 'sorbs')).toMatchObject({ status: 'dead', enabledByDefault: false });
    expect(zoneCatalogue.filter((zone) => zone.status === 'dead' && zone.enabledByDefault)).toEqual([]);
  });
});

describe('selectZones', () => {
  const base = dnsblConfig.parse({});

  it('selects the default live zones without keyed ones', () => {
    const ids = selectZones(base).map((zone) => zone.definition.id);
    expect(ids).toContain('spamhaus-zen');
    expect(ids).not.toContain('spamhaus-zen-dqs');
    expect(ids).not.toContain('sorbs');
  });

  it('switches Spamhaus to the DQS zones when a key is set, keeping the key out of the public zone name', () => {
    const zones = selectZones({ ...base, dqsKey: 'abcdef0123456789' });
    const zen = zones.find((zone) => zone.definition.id === 'spamhaus-zen-dqs');
    expect(zen?.queryZone).toBe('abcdef0123456789.zen.dq.spamhaus.net');
    expect(zen?.definition.zone).toBe('zen.dq.spamhaus.net');
    expect(zones.map((zone) => zone.definition.id)).not.toContain('spamhaus-zen');
  });

  it('enables, disables and adds custom zones', () => {
    const config = dnsblConfig.parse({
      enable: ['uceprotect-l2'],
      disable: ['psbl'],
      customZones: [{ id: 'local', name: 'Local', zone: 'bl.example.test', kinds: ['ipv4'], usage: { access: 'free', summary: 'ours' } }],
    });
    const ids = selectZones(config).map((zone) => zone.definition.id);
    expect(ids).toEqual(expect.arrayContaining(['uceprotect-l2', 'local']));
    expect(ids).not.toContain('psbl');
  });

  it('refuses to enable a dead list, an unknown id or a keyed zone without a key', () => {
    expect(() => selectZones({ ...base, enable: ['sorbs'] })).toThrow(/dead: 2024-06/);
    expect(() => selectZones({ ...base, enable: ['nope'] })).toThrow(/unknown zone id "nope"/);
    expect(() => selectZones({ ...base, enable: ['spamhaus-dbl-dqs'] })).toThrow(/needs dnsbl.dqsKey/);
  });
});

describe('readSystemNameserver', () => {
  it('takes the first usable nameserver line', () => {
    expect(readSystemNameserver(() => '# comment\nsearch example\nnameserver fe80::1%eth0\nnameserver 10.0.0.53\nnameserver 10.0.0.54\n')).toBe('10.0.0.53');
  });

  it('falls back to 127.0.0.1 without a file or a nameserver line', () => {
    expect(readSystemNameserver(() => 'search example\n')).toBe('127.0.0.1');
    expect(
      readSystemNameserver(() => {
        throw new Error('ENOENT');
      }),
    ).toBe('127.0.0.1');
  });
});
