// A TCP proxy between a client and a server that can cut every connection, or cut on its own once
// the server has sent a given number of bytes (a connection lost in the middle of a FETCH), or
// stall: accept connections and never answer (a server that hangs, or packets dropped on the way).
import { createServer, connect, type Socket } from 'node:net';

export interface CuttingProxy {
  port: number;
  /** Bytes forwarded from the server so far, over all connections. */
  serverBytes(): number;
  /** Cut every connection once this many more server bytes have passed; null to stop cutting. */
  cutAfter(bytes: number | null): void;
  cuts(): number;
  /** Cut every open connection now. */
  cutNow(): void;
  /**
   * true: nothing more is forwarded either way on open connections, and new ones are accepted and
   * never answered (a server that hangs, or packets dropped on the way); false: forwarded again.
   */
  stall(on: boolean): void;
  close(): Promise<void>;
}

export async function startCuttingProxy(target: { host: string; port: number }): Promise<CuttingProxy> {
  const sockets = new Set<Socket>();
  let forwarded = 0;
  let cutAt: number | null = null;
  let cuts = 0;
  let stalled = false;
  const cutAll = () => {
    cuts++;
    cutAt = null;
    for (const socket of sockets) socket.destroy();
  };
  const server = createServer((client) => {
    if (stalled) {
      sockets.add(client);
      client.on('close', () => sockets.delete(client)).on('error', () => client.destroy());
      return;
    }
    const upstream = connect(target.port, target.host);
    sockets.add(client);
    sockets.add(upstream);
    const forget = () => {
      sockets.delete(client);
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', forget).on('error', forget);
    upstream.on('close', forget).on('error', forget);
    client.on('data', (chunk) => {
      if (!stalled) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (stalled) return;
      forwarded += chunk.length;
      if (cutAt !== null && forwarded >= cutAt) {
        // Half of this chunk goes through: the client sees a literal cut in the middle.
        client.write(chunk.subarray(0, chunk.length >> 1), () => cutAll());
        return;
      }
      client.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    serverBytes: () => forwarded,
    cutAfter: (bytes) => {
      cutAt = bytes === null ? null : forwarded + bytes;
    },
    cuts: () => cuts,
    cutNow: cutAll,
    stall: (on) => {
      stalled = on;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
