// Names the API still accepts for one release after a rename: the answer carries RFC 9745's
// Deprecation header and the process logs the old name once, so an integrator sees it either way.
import type { Context } from 'hono';
import type { ApiEnv } from './env';

/** Each old name and the day it was deprecated. */
const deprecatedSince = {
  'sort=bounceRate': new Date('2026-12-03T00:00:00Z'),
} as const;

export type DeprecatedName = keyof typeof deprecatedSince;

const warned = new Set<DeprecatedName>();

/** Marks the answer as using a deprecated name and logs it the first time this process sees it. */
export function answerDeprecated(c: Context<ApiEnv>, name: DeprecatedName, replacement: string): void {
  // RFC 9745 section 2.1: the value is a Structured Field Date (RFC 9651 section 3.3.7), '@' and
  // the seconds since the epoch, of the day the name was deprecated.
  c.header('Deprecation', `@${Math.floor(deprecatedSince[name].getTime() / 1000)}`);
  if (warned.has(name)) return;
  warned.add(name);
  c.get('logger').warn({ deprecated: name, replacement }, `${name} is deprecated and goes in the next release; use ${replacement}`);
}
