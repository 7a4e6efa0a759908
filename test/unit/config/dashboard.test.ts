import { describe, expect, it } from 'vitest';
import { wardenConfigSchema } from '../../../src/config/schema';

describe('dashboard config', () => {
  it('defaults to enabled, no password, 12-hour sessions', () => {
    expect(wardenConfigSchema.parse({}).dashboard).toEqual({ enabled: true, sessionHours: 12 });
  });

  it('refuses a short password or session secret, naming the key', () => {
    const result = wardenConfigSchema.safeParse({ dashboard: { password: 'short', sessionSecret: 'also short' } });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((issue) => issue.message)).toEqual([
      'dashboard.password must be at least 12 characters',
      'dashboard.sessionSecret must be at least 32 characters',
    ]);
  });
});
