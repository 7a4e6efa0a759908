// Who may hold a connection to the Postfix policy server: the allowed client networks, within a cap
// per client address and one in all. The policy protocol has no authentication (SMTPD_POLICY_README),
// so the port's reach is the only thing between a forger and a sender's counts.
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { parseIpRange } from '../config/ip-range';
import { policyConnectionsRefusedTotal } from '../metrics';

export type ConnectionRefusalReason = 'not_allowed' | 'client_limit' | 'total_limit';

export interface ConnectionGuardOptions {
  /** Addresses and CIDR ranges allowed to connect. */
  allowedClients: readonly string[];
  maxConnections: number;
  maxConnectionsPerClient: number;
  logger: Logger;
}

/** A flood of refused connections is logged once per this, with the count since the last line. */
const refusalLogEveryMs = 10_000;

/** An IPv4 client of a dual-stack listener shows as ::ffff:a.b.c.d: one client, one key. */
export function clientKeyOf(remoteAddress: string): string {
  return remoteAddress.startsWith('::ffff:') && isIPv4(remoteAddress.slice(7)) ? remoteAddress.slice(7) : remoteAddress;
}

export class PolicyConnectionGuard {
  private readonly allowed = new BlockList();
  private readonly connectionsByClient = new Map<string, number>();
  private open = 0;
  /** Refusals per reason since the last log line (warden_postfix_policy_connections_refused_total counts them all). */
  private readonly unlogged: Record<ConnectionRefusalReason, { count: number; loggedAt: number }> = {
    not_allowed: { count: 0, loggedAt: Number.NEGATIVE_INFINITY },
    client_limit: { count: 0, loggedAt: Number.NEGATIVE_INFINITY },
    total_limit: { count: 0, loggedAt: Number.NEGATIVE_INFINITY },
  };

  constructor(private readonly options: ConnectionGuardOptions) {
    for (const text of options.allowedClients) {
      const range = parseIpRange(text);
      const [network] = range.text.split('/') as [string];
      // BlockList matches IPv4-mapped IPv6 addresses against IPv4 ranges itself.
      this.allowed.addSubnet(network, range.prefix, range.version === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /**
   * Takes a place for a new connection from the address, or says why there is none. A connection
   * admitted must be released once, when it closes.
   */
  admit(remoteAddress: string | undefined): { client: string } | { refused: ConnectionRefusalReason; client: string } {
    const client = remoteAddress ? clientKeyOf(remoteAddress) : '';
    const family = isIPv4(client) ? 'ipv4' : isIPv6(client) ? 'ipv6' : undefined;
    let reason: ConnectionRefusalReason | undefined;
    if (!family || !this.allowed.check(client, family)) reason = 'not_allowed';
    else if (this.open >= this.options.maxConnections) reason = 'total_limit';
    else if ((this.connectionsByClient.get(client) ?? 0) >= this.options.maxConnectionsPerClient) reason = 'client_limit';
    if (reason) {
      this.refuse(reason, client);
      return { refused: reason, client };
    }
    this.open += 1;
    this.connectionsByClient.set(client, (this.connectionsByClient.get(client) ?? 0) + 1);
    return { client };
  }

  release(client: string): void {
    this.open -= 1;
    const count = (this.connectionsByClient.get(client) ?? 1) - 1;
    if (count > 0) this.connectionsByClient.set(client, count);
    else this.connectionsByClient.delete(client);
  }

  /** Connections held now, in all and from one client address. */
  held(client?: string): number {
    return client === undefined ? this.open : (this.connectionsByClient.get(clientKeyOf(client)) ?? 0);
  }

  private refuse(reason: ConnectionRefusalReason, client: string): void {
    policyConnectionsRefusedTotal.inc({ reason });
    const pending = this.unlogged[reason];
    pending.count += 1;
    const now = performance.now();
    if (now - pending.loggedAt < refusalLogEveryMs) return;
    const { maxConnections, maxConnectionsPerClient } = this.options;
    const fields = { client, reason, refusedSinceLastLine: pending.count, held: this.open, heldFromClient: this.connectionsByClient.get(client) ?? 0 };
    if (reason === 'not_allowed') {
      this.options.logger.warn(fields, 'policy connection refused: the client is not in relay.policyServer.allowedClients');
    } else {
      const limit = reason === 'total_limit' ? `maxConnections (${maxConnections})` : `maxConnectionsPerClient (${maxConnectionsPerClient})`;
      this.options.logger.warn(fields, `policy connection refused: ${limit} reached`);
    }
    pending.count = 0;
    pending.loggedAt = now;
  }
}
