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
