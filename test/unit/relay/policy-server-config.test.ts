import { describe, expect, it } from 'vitest';
import { wardenConfigSchema } from '../../../src/config/schema';

describe('relay.policyServer config', () => {
  it('is off by default, on 127.0.0.1:10031, identifying senders by SASL login', () => {
    expect(wardenConfigSchema.parse({}).relay.policyServer).toMatchObject({
      enabled: false,
      host: '127.0.0.1',
      port: 10031,
      senderFrom: 'sasl_username',
      recordSendEvents: true,
      countFlushMs: 1000,
      maxPendingSendEvents: 50_000,
      allowedClients: ['127.0.0.0/8', '::1/128'],
      maxConnections: 2000,
      maxConnectionsPerClient: 500,
      requestTimeoutSeconds: 10,
    });
    expect(wardenConfigSchema.parse({}).relay.snapshotRefreshSeconds).toBe(30);
  });

  it('refuses an unknown key and an unknown sender source', () => {
    expect(wardenConfigSchema.safeParse({ relay: { policyServer: { enable: true } } }).success).toBe(false);
    expect(wardenConfigSchema.safeParse({ relay: { policyServer: { senderFrom: 'header' } } }).success).toBe(false);
  });

  it('maps client addresses to senders', () => {
    const config = wardenConfigSchema.parse({ relay: { policyServer: { senderFrom: 'client_address', clientAddressSenders: { '192.0.2.50': 'webshop-42' } } } });
    expect(config.relay.policyServer.clientAddressSenders['192.0.2.50']).toBe('webshop-42');
  });

  it('takes allowed clients as addresses and CIDR ranges, naming a bad one', () => {
    const parsed = wardenConfigSchema.parse({ relay: { policyServer: { allowedClients: ['192.0.2.7', '198.51.100.0/24', '2001:db8::/64'] } } });
    expect(parsed.relay.policyServer.allowedClients).toHaveLength(3);
    const hostBits = wardenConfigSchema.safeParse({ relay: { policyServer: { allowedClients: ['192.0.2.7/24'] } } });
    expect(hostBits.error?.issues[0]).toMatchObject({ path: ['relay', 'policyServer', 'allowedClients', 0], message: expect.stringMatching(/host bits set/) });
    expect(wardenConfigSchema.safeParse({ relay: { policyServer: { allowedClients: ['relay.example'] } } }).success).toBe(false);
  });
});
