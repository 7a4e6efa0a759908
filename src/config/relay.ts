// The relay being watched: its sending IPs (for blocklist checks) and the domains it sends from.
import { z } from 'zod';
import { parseIpRange } from './ip-range';

const hostname = z
  .string()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i, {
    message: 'expected a domain name such as mail.example.com',
  });

/** The Postfix policy delegation server (check_policy_service); off unless enabled. */
export const policyServerConfig = z
  .object({
    enabled: z.boolean().default(false),
    host: z.string().min(1).default('127.0.0.1'),
    port: z.number().int().min(0).max(65_535).default(10_031),
    /**
     * Which request attribute names the sender: the SASL login (submission relays), the envelope
     * sender address, or the client's IP address looked up in clientAddressSenders (relays whose
     * senders are hosts, with no login and no header to trust).
     */
    senderFrom: z.enum(['sasl_username', 'sender', 'client_address']).default('sasl_username'),
    /** For senderFrom client_address: client IP → sender id. */
    clientAddressSenders: z.record(z.string(), z.string().min(1)).default({}),
    /**
     * Store one send event per accepted message (the volume behind every rate). Turn off when the
     * relay reports its deliveries through POST /api/v1/events instead, or they count twice.
     */
    recordSendEvents: z.boolean().default(true),
    /** Milliseconds between writes of accepted-message counts and send events to the database. */
    countFlushMs: z.number().int().min(10).max(60_000).default(1000),
    /**
     * Send events answered and not yet stored past which answers wait (backpressure): events are
     * never dropped. Answers also wait while one answered countFlushMs ago is not stored yet.
     */
    maxPendingSendEvents: z.number().int().min(1).max(1_000_000).default(50_000),
    /**
     * Who may connect: addresses and CIDR ranges (IPv4 or IPv6). The protocol has no
     * authentication, so anyone who reaches the port can ask, and forge END-OF-MESSAGE requests that
     * count toward a sender's limit and store send events: list the relays, nothing more. A
     * connection from elsewhere is closed at accept, counted and logged.
     */
    allowedClients: z.array(z.string()).default(['127.0.0.0/8', '::1/128']),
    /** Connections held at once; Postfix keeps one per smtpd process. */
    maxConnections: z.number().int().min(1).default(2000),
    /**
     * Connections held at once from one client address, so one host's idle connections cannot take
     * the others' places; at least the relay's smtpd process limit (Postfix's default_process_limit
     * is 100).
     */
    maxConnectionsPerClient: z.number().int().min(1).default(500),
    /**
     * Seconds a request may take to arrive whole, from its first byte (for a new connection, from
     * the connect). Postfix writes a request at once; a client trickling bytes (slowloris) is cut.
     */
    requestTimeoutSeconds: z.number().int().min(1).max(3600).default(10),
    /** An idle connection is closed after this (Postfix's own idle limit is 300 s). */
    idleTimeoutSeconds: z.number().int().min(1).default(600),
  })
  .strict()
  .superRefine((server, ctx) => {
    server.allowedClients.forEach((text, index) => {
      try {
        parseIpRange(text);
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: ['allowedClients', index],
          input: text,
          message: `${(error as Error).message} (expected e.g. 192.0.2.10, 192.0.2.0/24 or 2001:db8::/64)`,
        });
      }
    });
  });

export const relayConfig = z
  .object({
    policyServer: policyServerConfig.prefault({}),
    /** Seconds between full re-reads of the policy snapshot, behind LISTEN/NOTIFY. */
    snapshotRefreshSeconds: z.number().int().min(1).max(3600).default(30),
    /** Sending IPs: single addresses or CIDR ranges, IPv4 or IPv6. */
    ips: z.array(z.string()).default([]),
    /** Domains the relay sends from (envelope and header From), checked against domain lists. */
    domains: z.array(hostname).default([]),
    /** Largest range accepted in `ips`: each address is one check per zone. */
    maxRangeAddresses: z.number().int().positive().max(65_536).default(4096),
  })
  .strict()
  .superRefine((relay, ctx) => {
    relay.ips.forEach((text, index) => {
      try {
        const range = parseIpRange(text);
        if (range.size > BigInt(relay.maxRangeAddresses)) {
          ctx.addIssue({
            code: 'custom',
            path: ['ips', index],
            input: text,
            message: `holds ${range.size} addresses, more than relay.maxRangeAddresses (${relay.maxRangeAddresses}); list the sending addresses or a smaller range`,
          });
        }
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          path: ['ips', index],
          input: text,
          message: `${(error as Error).message} (expected e.g. 192.0.2.10, 192.0.2.0/24 or 2001:db8::/64)`,
        });
      }
    });
  });

export type RelayConfig = z.infer<typeof relayConfig>;
export type PolicyServerConfig = z.infer<typeof policyServerConfig>;
