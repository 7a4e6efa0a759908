// Polls until an MTA accepts connections on its port (never sleeps blind).
import { connect } from 'node:net';
import { waitFor } from '../../support/poll';

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export function waitForPort(host: string, port: number, what: string): Promise<boolean> {
  return waitFor(() => canConnect(host, port), { timeoutMs: 20_000, intervalMs: 100, what: `${what} to accept SMTP on ${host}:${port}` });
}
