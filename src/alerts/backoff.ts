// Retry delays: exponential with full jitter, capped (the AWS Architecture Blog's "full jitter":
// receivers recovering from an outage are not hit by every sender at the same instant).

export interface BackoffPolicy {
  baseSeconds: number;
  capSeconds: number;
}

/**
 * Milliseconds to wait after the given number of failed attempts (1 = the first failed).
 * `random` is a value in [0, 1); pass Math.random at the edge and a constant in tests.
 */
export function retryDelayMs(failedAttempts: number, policy: BackoffPolicy, random: number): number {
  const exponent = Math.min(Math.max(failedAttempts - 1, 0), 30);
  const ceilingMs = Math.min(policy.capSeconds, policy.baseSeconds * 2 ** exponent) * 1000;
  // Never retry sooner than half the ceiling: a burst of failures still spreads, but waits grow.
  return Math.round(ceilingMs / 2 + (ceilingMs / 2) * Math.min(Math.max(random, 0), 1));
}

const maxRetryAfterMs = 86_400_000;

/**
 * The wait a receiver asks for with Retry-After (RFC 9110 §10.2.3: delay-seconds or an HTTP-date,
 * the date read against the response's own Date when it has one), in milliseconds; null when the
 * header is absent or unreadable. At most a day, so a misconfigured receiver cannot park alerts
 * indefinitely (giveUpAfterHours still applies).
 */
export function retryAfterMs(value: string | null | undefined, responseDateMs: number): number | null {
  const text = value?.trim();
  if (!text) return null;
  // An HTTP-date names its day or month; Date.parse alone would take '-5' or '1.5' for dates.
  const ms = /^\d+$/.test(text) ? Number(text) * 1000 : /[a-z]{3}/i.test(text) ? Date.parse(text) - responseDateMs : Number.NaN;
  if (!Number.isFinite(ms)) return null;
  return Math.min(Math.max(ms, 0), maxRetryAfterMs);
}
