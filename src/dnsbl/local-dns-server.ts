// A small DNS server on a loopback port (UDP and TCP on one port) answering from a function: serves
// blocklist zones to the demo and to the resolver tests, so dns2 stays in this folder.
import { Socket } from 'node:net';
import { Packet, createTCPServer, createUDPServer } from 'dns2';

export type LocalDnsReply =
  /** `mx` with an empty exchange is a null MX (RFC 7505): the domain accepts no mail. */
  | { kind: 'answer'; a?: string[]; txt?: string[]; mx?: Array<{ priority: number; exchange: string }>; delayMs?: number }
  | { kind: 'nxdomain' }
  | { kind: 'servfail' }
  /** RCODE 5: a resolver that will not serve us (an ACL, an open-resolver block). */
  | { kind: 'refused' }
  /** Never answers: the client must time out. */
  | { kind: 'silent' };

export interface LocalDnsQuery {
  /** Lower-cased, without the trailing dot. */
  name: string;
  type: 'A' | 'TXT' | 'MX' | 'OTHER';
  transport: 'udp' | 'tcp';
}

export type LocalDnsHandler = (name: string, type: LocalDnsQuery['type']) => LocalDnsReply;

export interface LocalDnsServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface LocalDnsServerOptions {
  answer: LocalDnsHandler;
  /** Called for every question before it is answered (tests record them). */
  onQuery?: (query: LocalDnsQuery) => void;
  host?: string;
  /** 0 (default) takes a free port. */
  port?: number;
}

const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;
const RCODE_REFUSED = 5;

export async function startLocalDnsServer({ answer, onQuery, host = '127.0.0.1', port: wanted = 0 }: LocalDnsServerOptions): Promise<LocalDnsServer> {
  const handle = (request: Packet, send: (response: Packet) => Promise<Buffer>, client: unknown) => {
    const question = request.questions[0];
    if (!question) return;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    const type = question.type === Packet.TYPE.A ? 'A' : question.type === Packet.TYPE.TXT ? 'TXT' : question.type === Packet.TYPE.MX ? 'MX' : 'OTHER';
    onQuery?.({ name, type, transport: client instanceof Socket ? 'tcp' : 'udp' });
    const reply = answer(name, type);
    if (reply.kind === 'silent') return;
    const respond = () => {
      const response = Packet.createResponseFromRequest(request);
      response.header.ra = 1;
      if (reply.kind === 'nxdomain') response.header.rcode = RCODE_NXDOMAIN;
      else if (reply.kind === 'servfail') response.header.rcode = RCODE_SERVFAIL;
      else if (reply.kind === 'refused') response.header.rcode = RCODE_REFUSED;
      else if (type === 'A') {
        for (const address of reply.a ?? []) {
          response.answers.push(Packet.createResourceFromQuestion(question, { type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 60, address }));
        }
      } else if (type === 'TXT') {
        for (const data of reply.txt ?? []) {
          response.answers.push(Packet.createResourceFromQuestion(question, { type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 60, data }));
        }
      } else if (type === 'MX') {
        for (const { priority, exchange } of reply.mx ?? []) {
          response.answers.push(Packet.createResourceFromQuestion(question, { type: Packet.TYPE.MX, class: Packet.CLASS.IN, ttl: 60, priority, exchange }));
        }
      }
      void send(response).catch(() => undefined);
    };
    // A slow server (for concurrency tests) answers later.
    if (reply.kind === 'answer' && reply.delayMs) setTimeout(respond, reply.delayMs);
    else respond();
  };

  // UDP takes a free port first; TCP then binds the same number (retry if another process has it).
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = createUDPServer(handle as never);
    await udp.listen(wanted, host);
    const port = udp.address().port;
    const tcp = createTCPServer(handle as never);
    const connections = new Set<Socket>();
    tcp.on('connection', (socket: Socket) => {
      connections.add(socket);
      socket.on('close', () => connections.delete(socket));
    });
    const bound = await new Promise<boolean>((resolve) => {
      tcp.once('error', () => resolve(false));
      tcp.listen(port, host, () => resolve(true));
    });
    if (!bound) {
      udp.close();
      if (wanted !== 0) break;
      continue;
    }
    return {
      host,
      port,
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
  throw new Error(wanted === 0 ? `no free port for a DNS server on ${host}` : `cannot listen for DNS on ${host}:${wanted} (TCP port taken)`);
}
