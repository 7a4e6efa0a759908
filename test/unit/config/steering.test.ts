// Config key `steering`: each IP must be one the blocklist monitor checks, named once, with a
// master.cf service name for its transport.
import { describe, expect, it } from 'vitest';
import { wardenConfigSchema } from '../../../src/config/schema';

const issues = (settings: object) => {
  const result = wardenConfigSchema.safeParse(settings);
  return result.success ? [] : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('steering config', () => {
  it('is off by default, with a one-hour quiet period and a 24-hour blame window', () => {
    expect(wardenConfigSchema.parse({}).steering).toMatchObject({ enabled: false, ips: [], listingSeverity: 'error', quietPeriodMinutes: 60, blameWindowHours: 24 });
  });

  it('accepts IPs inside relay.ips ranges', () => {
    expect(issues({ relay: { ips: ['192.0.2.0/28', '2001:db8::25'] }, steering: { ips: [{ ip: '192.0.2.3', transport: 'out-a' }, { ip: '2001:db8::25', transport: 'out-v6', weight: 2 }] } })).toEqual([]);
  });

  it('refuses an IP the blocklist monitor does not check, a repeated IP or transport, and a bad transport name', () => {
    expect(
      issues({
        relay: { ips: ['192.0.2.10', '192.0.2.11'] },
        steering: {
          ips: [
            { ip: '192.0.2.10', transport: 'out-a' },
            { ip: '192.0.2.10', transport: 'out-b' },
            { ip: '192.0.2.11', transport: 'out-a' },
            { ip: '198.51.100.7', transport: 'out c' },
          ],
        },
      }).sort(),
    ).toEqual([
      'steering.ips.1.ip: 192.0.2.10 is already listed (steering.ips[0])',
      'steering.ips.2.transport: out-a is already listed (steering.ips[0])',
      'steering.ips.3.ip: 198.51.100.7 is not in relay.ips, so its listings are never checked; add it there',
      'steering.ips.3.transport: expected a master.cf service name such as out-a',
    ]);
    expect(issues({ relay: { ips: ['192.0.2.10'] }, steering: { ips: [{ ip: '198.51.100.7', transport: 'out-c' }] } })).toEqual([
      'steering.ips.0.ip: 198.51.100.7 is not in relay.ips, so its listings are never checked; add it there',
    ]);
  });
});
