// A real DNS server on 127.0.0.1 for resolver and sweep tests: the shared loopback server, with
// every query recorded.
import { startLocalDnsServer, type LocalDnsHandler, type LocalDnsQuery, type LocalDnsReply } from '../../src/dnsbl/local-dns-server';

export type TestDnsReply = LocalDnsReply;
export type TestDnsQuery = LocalDnsQuery;
export type TestDnsHandler = LocalDnsHandler;

export interface TestDnsServer {
  host: '127.0.0.1';
  port: number;
  queries: TestDnsQuery[];
  close(): Promise<void>;
}

export async function startTestDnsServer(handler: TestDnsHandler): Promise<TestDnsServer> {
  const queries: TestDnsQuery[] = [];
  const server = await startLocalDnsServer({ answer: handler, onQuery: (query) => queries.push(query) });
  return { host: '127.0.0.1', port: server.port, queries, close: () => server.close() };
}
