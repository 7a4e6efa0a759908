// The in-memory copy of the relay IPs' steering states that Postfix policy answers read: loaded
// once, then re-read on each NOTIFY of a steering change and on a fallback timer.
import type { Logger } from 'pino';
import type { SteeringConfig } from '../config/steering';
import type { Database } from '../db/client';
import { loadSteeringRows, steeringChannel } from '../db/steering-queries';
import { chooseIp } from '../steering/choice';
import { usableStates, type IpSteeringState } from '../steering/ip-status';

/** Senders whose choice is remembered; past it the memory starts over. */
const maxCachedChoices = 100_000;

export interface SteeringIp {
  ip: string;
  transport: string;
  weight: number;
  state: IpSteeringState;
  effectiveWeight: number;
}

/** The usable IPs and the one a sender's new mail leaves by; `chosen` is null when none is usable. */
export interface SteeringAnswer {
  ips: SteeringIp[];
  usable: SteeringIp[];
  chosen: SteeringIp | null;
}

/** Usable IPs from configured IPs and stored states; an IP with no stored state is active. */
export function steeringIps(config: SteeringConfig, stored: ReadonlyMap<string, { state: IpSteeringState; weightShare: number }>): SteeringIp[] {
  return config.ips.map((entry) => {
    const row = stored.get(entry.ip);
    const state = row?.state ?? 'active';
    const share = usableStates.has(state) ? (row?.weightShare ?? 1) : 0;
    return { ip: entry.ip, transport: entry.transport, weight: entry.weight, state, effectiveWeight: entry.weight * share };
  });
}

export function steeringAnswer(ips: SteeringIp[], sender: string): SteeringAnswer {
  const usable = ips.filter((ip) => ip.effectiveWeight > 0);
  return { ips, usable, chosen: chooseIp(sender, usable) };
}

export class SteeringSnapshot {
  private ips: SteeringIp[];
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private refreshing: Promise<void> | undefined;
  private refreshAgain = false;
  private readonly choices = new Map<string, SteeringIp | null>();

  constructor(
    private readonly database: Database,
    private readonly config: SteeringConfig,
    private readonly options: { refreshSeconds: number; logger: Logger },
  ) {
    this.ips = steeringIps(config, new Map());
  }

  get enabled(): boolean {
    return this.config.enabled && this.config.ips.length > 0;
  }

  async start(): Promise<void> {
    if (!this.enabled) return;
    this.unlisten = await this.database.listen(steeringChannel, () => void this.refresh());
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.options.refreshSeconds * 1000);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.unlisten?.().catch(() => {});
    await this.refreshing?.catch(() => {});
  }

  /** Concurrent calls share one read and one more after it, so a change committed mid-read is not missed. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      try {
        do {
          this.refreshAgain = false;
          const rows = await loadSteeringRows(this.database.db);
          const before = this.ips.map((ip) => `${ip.ip}:${ip.state}`).join(' ');
          this.ips = steeringIps(this.config, new Map(rows.map((row) => [row.ip, row])));
          this.choices.clear();
          const after = this.ips.map((ip) => `${ip.ip}:${ip.state}`).join(' ');
          if (before !== after) this.options.logger.info({ ips: after }, 'steering snapshot changed');
        } while (this.refreshAgain);
      } catch (error) {
        // Answers keep using what is loaded; the next NOTIFY or timer tries again.
        this.options.logger.error({ err: error }, 'steering snapshot refresh failed');
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** The IP a sender's new mail leaves by, or null (steering off, or no IP usable). */
  choose(sender: string): SteeringIp | null {
    if (!this.enabled) return null;
    // A choice hashes the sender once per IP; a sender's next messages reuse it until the IPs change.
    const cached = this.choices.get(sender);
    if (cached !== undefined) return cached;
    if (this.choices.size >= maxCachedChoices) this.choices.clear();
    const chosen = steeringAnswer(this.ips, sender).chosen;
    this.choices.set(sender, chosen);
    return chosen;
  }

  answer(sender: string): SteeringAnswer {
    return steeringAnswer(this.ips, sender);
  }
}
