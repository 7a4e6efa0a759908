// A real DNS server on 127.0.0.1 for resolver and sweep tests: the shared loopback server, with
// every query recorded.
import { startLocalDnsServer, type LocalDnsHandler, type LocalDnsQuery } from '../../src/dnsbl/local-dns-server';

export interface TestDnsServer {
  host: '127.0.0.1';
  port: number;
  queries: LocalDnsQuery[];
  close(): Promise<void>;
}

export async function startTestDnsServer(handler: LocalDnsHandler): Promise<TestDnsServer> {
  const queries: LocalDnsQuery[] = [];
  const server = await startLocalDnsServer({ answer: handler, onQuery: (query) => queries.push(query) });
  return { host: '127.0.0.1', port: server.port, queries, close: () => server.close() };
}
