// What the demo prints: one line per thing that happens (a listing, a sender stopped, an alert
// received), and a short status line every few seconds while anything changes.
import type { ReceivedAlert } from './alert-receiver';
import type { TrafficStats } from './traffic';
import type { WardenApi } from './warden-api';

export class DemoConsole {
  private readonly started = Date.now();
  constructor(private readonly write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  line(text: string): void {
    const seconds = Math.floor((Date.now() - this.started) / 1000);
    const stamp = `${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
    this.write(`[${stamp}] ${text}`);
  }

  plain(text: string): void {
    this.write(text);
  }

  alert(alert: ReceivedAlert): void {
    const signature = alert.signatureValid ? 'signature ok' : 'BAD SIGNATURE, answered 401';
    this.line(`webhook ← ${alert.kind.toUpperCase()} [${alert.severity}] ${alert.title} (${signature})`);
  }
}

/** Polls the API and reports changes: listings that appear or go, senders throttled or suspended. */
export class WardenWatcher {
  private listed = new Set<string>();
  private actions = new Map<string, string>();
  private lastStatusAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    private readonly api: WardenApi,
    private readonly out: DemoConsole,
    private readonly traffic: () => TrafficStats | undefined,
    private readonly alertsReceived: () => number,
    private readonly statusEveryMs = 10_000,
  ) {}

  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      this.polling ??= this.poll()
        .catch((error: Error) => this.out.line(`(could not read the API: ${error.message})`))
        .finally(() => (this.polling = undefined));
    }, intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
  }

  private async poll(): Promise<void> {
    const [ips, throttled, suspended, quarantined] = await Promise.all([
      this.api.listedIps(),
      this.api.sendersWith('throttle'),
      this.api.sendersWith('suspend'),
      this.api.count('/api/v1/quarantine'),
    ]);
    const listedNow = new Set(ips.flatMap((ip) => ip.zones.map((zone) => `${ip.ip} on ${zone.zoneId} (${zone.codes.join(', ')})`)));
    for (const entry of listedNow) if (!this.listed.has(entry)) this.out.line(`blocklist: ${entry} confirmed listed`);
    for (const entry of this.listed) if (!listedNow.has(entry)) this.out.line(`blocklist: ${entry.replace(/ \(.*/, '')} delisted`);
    this.listed = listedNow;
    for (const [list, action] of [[throttled, 'throttled'], [suspended, 'suspended']] as const) {
      for (const sender of list) {
        if (this.actions.get(sender.id) === action) continue;
        this.actions.set(sender.id, action);
        this.out.line(`sender ${sender.id} ${action}: ${sender.reason}`);
      }
    }
    const stats = this.traffic();
    const status =
      `status: ${listedNow.size} listings · ${throttled.length} throttled, ${suspended.length} suspended · ` +
      `${quarantined} quarantined · ${this.alertsReceived()} alerts received` +
      (stats ? ` · relay sent ${stats.accepted}, refused ${stats.deferred + stats.rejected} · mailed ${stats.complaintsMailed} complaints, ${stats.bouncesMailed} bounces` : '');
    if (Date.now() - this.lastStatusAt >= this.statusEveryMs) {
      this.out.line(status);
      this.lastStatusAt = Date.now();
    }
  }
}
