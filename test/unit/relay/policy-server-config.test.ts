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
});
