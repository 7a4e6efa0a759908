// Slows password guessing at the dashboard login: after `maxFailures` failed logins from one client
// within `windowMs`, that client is refused until the oldest failure leaves the window.
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly options: { maxFailures: number; windowMs: number } = { maxFailures: 10, windowMs: 15 * 60_000 }) {}

  /** Milliseconds until `client` may try again; 0 when it may try now. */
  retryAfterMs(client: string, now: Date): number {
    const recent = this.recent(client, now);
    if (recent.length < this.options.maxFailures) return 0;
    return recent[0]! + this.options.windowMs - now.getTime();
  }

  recordFailure(client: string, now: Date): void {
    this.failures.set(client, [...this.recent(client, now), now.getTime()]);
    // Bounded memory under a spray of clients: forget the oldest entries first.
    if (this.failures.size > 10_000) this.failures.delete(this.failures.keys().next().value!);
  }

  recordSuccess(client: string): void {
    this.failures.delete(client);
  }

  private recent(client: string, now: Date): number[] {
    const since = now.getTime() - this.options.windowMs;
    return (this.failures.get(client) ?? []).filter((at) => at > since);
  }
}
