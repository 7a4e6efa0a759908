// The in-memory copy of the relay IPs' steering states that Postfix policy answers read: loaded
// once, then re-read on each NOTIFY of a steering change and on a fallback timer.
import type { Logger } from 'pino';
import type { SteeringConfig } from '../config/steering';
import type { Database } from '../db/client';
import { loadSteeringRows, steeringChannel } from '../db/steering-queries';
import { chooseIp } from '../steering/choice';
import { usableStates, type IpSteeringState } from '../steering/ip-status';
import { VersionedSnapshot } from './versioned-snapshot';

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
  private readonly choices = new Map<string, SteeringIp | null>();
  private readonly changes: VersionedSnapshot;

  constructor(
    private readonly database: Database,
    private readonly config: SteeringConfig,
    private readonly options: { refreshSeconds: number; logger: Logger },
  ) {
    this.ips = steeringIps(config, new Map());
    // Steering rows carry no version: each NOTIFY (with an empty payload) re-reads every row.
    this.changes = new VersionedSnapshot(database, {
      name: 'steering',
      channel: steeringChannel,
      readChanges: () => this.reload(),
      refreshSeconds: options.refreshSeconds,
      logger: options.logger,
    });
  }

  get enabled(): boolean {
    return this.config.enabled && this.config.ips.length > 0;
  }

  async start(): Promise<void> {
    if (!this.enabled) return;
    await this.changes.start();
  }

  stop(): Promise<void> {
    return this.changes.stop();
  }

  /** Concurrent calls share one read and one more after it, so a change committed mid-read is not missed. */
  refresh(): Promise<void> {
    return this.changes.refresh();
  }

  private async reload(): Promise<void> {
    const rows = await loadSteeringRows(this.database.db);
    const before = this.ips.map((ip) => `${ip.ip}:${ip.state}`).join(' ');
    this.ips = steeringIps(this.config, new Map(rows.map((row) => [row.ip, row])));
    this.choices.clear();
    const after = this.ips.map((ip) => `${ip.ip}:${ip.state}`).join(' ');
    if (before !== after) this.options.logger.info({ ips: after }, 'steering snapshot changed');
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
