// A real DNS server on 127.0.0.1 (dns2, UDP and TCP on one free port) for resolver and sweep tests.
import { Socket } from 'node:net';
import { Packet, createTCPServer, createUDPServer } from 'dns2';

export type TestDnsReply =
  | { kind: 'answer'; a?: string[]; txt?: string[]; delayMs?: number }
  | { kind: 'nxdomain' }
  | { kind: 'servfail' }
  /** Never answers: the client must time out. */
  | { kind: 'silent' };

export interface TestDnsQuery {
  name: string;
  type: 'A' | 'TXT' | 'OTHER';
  transport: 'udp' | 'tcp';
}

export interface TestDnsServer {
  host: '127.0.0.1';
  port: number;
  queries: TestDnsQuery[];
  close(): Promise<void>;
}

export type TestDnsHandler = (name: string, type: TestDnsQuery['type']) => TestDnsReply;

const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;

export async function startTestDnsServer(handler: TestDnsHandler): Promise<TestDnsServer> {
  const queries: TestDnsQuery[] = [];
  const handle = (request: Packet, send: (response: Packet) => Promise<Buffer>, client: unknown) => {
    const question = request.questions[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    const type = question.type === Packet.TYPE.A ? 'A' : question.type === Packet.TYPE.TXT ? 'TXT' : 'OTHER';
    queries.push({ name, type, transport: client instanceof Socket ? 'tcp' : 'udp' });
    const reply = handler(name, type);
    if (reply.kind === 'silent') return;
    const respond = () => {
      const response = Packet.createResponseFromRequest(request);
      response.header.ra = 1;
      if (reply.kind === 'nxdomain') response.header.rcode = RCODE_NXDOMAIN;
      else if (reply.kind === 'servfail') response.header.rcode = RCODE_SERVFAIL;
      else if (type === 'A') {
        for (const address of reply.a ?? []) {
          response.answers.push(Packet.createResourceFromQuestion(question, { type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 60, address }));
        }
      } else if (type === 'TXT') {
        for (const data of reply.txt ?? []) {
          response.answers.push(Packet.createResourceFromQuestion(question, { type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 60, data }));
        }
      }
      void send(response).catch(() => undefined);
    };
    // A slow server (for concurrency tests) answers later; the test never waits on a timer itself.
    if (reply.kind === 'answer' && reply.delayMs) setTimeout(respond, reply.delayMs);
    else respond();
  };

  // UDP takes a free port first; TCP then binds the same number (retry if another process has it).
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = createUDPServer(handle as never);
    await udp.listen(0, '127.0.0.1');
    const port = udp.address().port;
    const tcp = createTCPServer(handle as never);
    const connections = new Set<Socket>();
    tcp.on('connection', (socket: Socket) => {
      connections.add(socket);
      socket.on('close', () => connections.delete(socket));
    });
    const bound = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (!bound) {
      udp.close();
      continue;
    }
    return {
      host: '127.0.0.1',
      port,
      queries,
      close: async () => {
        await new Promise<void>((resolve) => udp.close(() => resolve()));
        await new Promise<void>((resolve) => {
          tcp.close(() => resolve());
          // An idle connection would hold close() open until dns2's 10 s idle timeout.
          for (const socket of connections) socket.destroy();
        });
      },
    };
  }
  throw new Error('no free port for the test DNS server');
}
