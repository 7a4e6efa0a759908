// DNS transport for the DNSBL monitor: the only module that imports dns2.
// UDP with timeout and retries, TCP when the answer is truncated, A then TXT, bounded concurrency
// over all zones and a per-zone query rate.
import { readFileSync } from 'node:fs';
import { isIPv6, connect } from 'node:net';
import { randomInt } from 'node:crypto';
import { Packet, UDPClient } from 'dns2';
import type { DnsblAnswer, DnsErrorCode } from './interpret';
import { WardenError } from '../errors';

export interface ResolverOptions {
  nameserver: string;
  port: number;
  timeoutMs: number;
  /** Further attempts after a timeout, SERVFAIL or socket error. */
  retries: number;
  concurrency: number;
  /** Per rate key (zone); 0 = unlimited. */
  perZoneQueriesPerSecond: number;
}

export interface ResolverClock {
  /** Monotonic milliseconds. */
  now: () => number;
  sleep: (ms: number) => Promise<void>;
}

export const systemClock: ResolverClock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export interface LookupResult {
  answer: DnsblAnswer;
  /** Time on the wire for the A (and TXT) queries, without rate-limit waits. */
  durationMs: number;
  /** DNS messages sent, retries included. */
  queries: number;
  /** 'tcp' when a truncated UDP answer was retried over TCP. */
  transport: 'udp' | 'tcp';
}

/** The interface the sweep needs; tests and the CLI may pass another implementation. */
export interface DnsblLookupClient {
  lookup(name: string, rateKey: string): Promise<LookupResult>;
  /** Queries the client runs at once; the sweep keeps about that many lookups in flight. */
  readonly concurrency?: number;
}

const RCODE_NOERROR = 0;
const RCODE_SERVFAIL = 2;
const RCODE_NXDOMAIN = 3;

/** First `nameserver` of resolv.conf; 127.0.0.1 when there is none (glibc's default too). */
export function readSystemNameserver(readResolvConf: () => string = () => readFileSync('/etc/resolv.conf', 'utf8')): string {
  let text: string;
  try {
    text = readResolvConf();
  } catch {
    return '127.0.0.1';
  }
  for (const line of text.split('\n')) {
    const match = /^\s*nameserver\s+(\S+)/.exec(line);
    // A link-local IPv6 nameserver carries a %scope that dgram cannot use with an IP check.
    if (match?.[1] && !match[1].includes('%')) return match[1];
  }
  return '127.0.0.1';
}

class ResolverError extends WardenError {
  constructor(
    override readonly code: DnsErrorCode,
    message: string,
    readonly retryable: boolean,
  ) {
    super(code, message, 502);
  }
}

class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}
  async acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiter; `active` stays the same.
    if (next) next();
    else this.active--;
  }
}

/** Spaces queries of one key 1/qps apart; waits happen outside the concurrency slots. */
class PerKeyRateLimiter {
  private readonly nextSlot = new Map<string, number>();
  constructor(
    private readonly queriesPerSecond: number,
    private readonly clock: ResolverClock,
  ) {}
  async wait(key: string): Promise<void> {
    if (this.queriesPerSecond <= 0) return;
    const now = this.clock.now();
    const slot = Math.max(now, this.nextSlot.get(key) ?? now);
    this.nextSlot.set(key, slot + 1000 / this.queriesPerSecond);
    if (slot > now) await this.clock.sleep(slot - now);
  }
}

function buildQuery(name: string, type: 'A' | 'TXT'): Packet {
  const query = new Packet();
  query.header.id = randomInt(0x10000);
  query.header.rd = 1;
  query.questions.push(new Packet.Question(name, Packet.TYPE[type], Packet.CLASS.IN));
  return query;
}

/** RFC 7766 framing: 2-byte length prefix. One query per connection keeps it simple. */
function exchangeTcp(host: string, port: number, query: Packet, timeoutMs: number): Promise<Packet> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    let received = 0;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new ResolverError('E_DNS_TIMEOUT', `TCP query timed out after ${timeoutMs} ms`, true));
    }, timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(new ResolverError('E_DNS_NETWORK', `TCP: ${error.message}`, true));
    };
    socket.on('error', fail);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received < 2) return;
      const message = Buffer.concat(chunks);
      const length = message.readUInt16BE(0);
      if (message.length < 2 + length) return;
      clearTimeout(timer);
      socket.destroy();
      try {
        const response = Packet.parse(message.subarray(2, 2 + length));
        if (response.header.id !== query.header.id) throw new Error('TCP answer id does not match the query');
        resolve(response);
      } catch (error) {
        reject(new ResolverError('E_DNS_MALFORMED', (error as Error).message, true));
      }
    });
    socket.on('end', () => fail(new Error('connection closed before a full answer')));
    const body = query.toBuffer();
    const length = Buffer.alloc(2);
    length.writeUInt16BE(body.length);
    socket.end(Buffer.concat([length, body]));
  });
}

interface ExchangeResult {
  response: Packet;
  durationMs: number;
  messages: number;
  transport: 'udp' | 'tcp';
}

export class DnsblResolver implements DnsblLookupClient {
  private readonly slots: Semaphore;
  private readonly rateLimiter: PerKeyRateLimiter;
  private readonly udp: ReturnType<typeof UDPClient>;

  get concurrency(): number {
    return this.options.concurrency;
  }

  constructor(
    readonly options: ResolverOptions,
    private readonly clock: ResolverClock = systemClock,
  ) {
    this.slots = new Semaphore(options.concurrency);
    this.rateLimiter = new PerKeyRateLimiter(options.perZoneQueriesPerSecond, clock);
    // retryOverTCP is off: dns2's TCP client has no timeout, so truncation is handled here.
    this.udp = UDPClient({
      dns: options.nameserver,
      port: options.port,
      timeout: options.timeoutMs,
      retryOverTCP: false,
      socketType: isIPv6(options.nameserver) ? 'udp6' : 'udp4',
    });
  }

  /** A, then TXT when the A query returned addresses. NXDOMAIN = not listed. */
  async lookup(name: string, rateKey: string): Promise<LookupResult> {
    const a = await this.query(name, 'A', rateKey);
    if (a.answer.status !== 'answer') return a;
    const txt = await this.query(name, 'TXT', rateKey);
    const texts = txt.answer.status === 'answer' ? txt.answer.txt : [];
    return {
      // A failed TXT query leaves the A verdict standing: TXT only explains it.
      answer: { ...a.answer, txt: texts },
      durationMs: a.durationMs + txt.durationMs,
      queries: a.queries + txt.queries,
      transport: a.transport === 'tcp' || txt.transport === 'tcp' ? 'tcp' : 'udp',
    };
  }

  /** One question with rate limit, concurrency slot, retries and TCP fallback. */
  async query(name: string, type: 'A' | 'TXT', rateKey = name): Promise<LookupResult> {
    if (this.options.perZoneQueriesPerSecond > 0) await this.rateLimiter.wait(rateKey);
    await this.slots.acquire();
    try {
      const exchanged = await this.exchangeWithRetries(name, type);
      return {
        answer: toAnswer(exchanged.response, type),
        durationMs: exchanged.durationMs,
        queries: exchanged.messages,
        transport: exchanged.transport,
      };
    } catch (error) {
      const failure = error as ResolverError & { durationMs?: number; messages?: number };
      return {
        answer: { status: 'error', code: failure.code ?? 'E_DNS_NETWORK', message: failure.message },
        durationMs: failure.durationMs ?? 0,
        queries: failure.messages ?? 1,
        transport: 'udp',
      };
    } finally {
      this.slots.release();
    }
  }

  private async exchangeWithRetries(name: string, type: 'A' | 'TXT'): Promise<ExchangeResult> {
    const started = this.clock.now();
    let messages = 0;
    let lastError: ResolverError | undefined;
    for (let attempt = 0; attempt <= this.options.retries; attempt++) {
      try {
        messages++;
        let response = await this.exchangeUdp(name, type);
        let transport: 'udp' | 'tcp' = 'udp';
        // RFC 1035 §4.2.1 / RFC 7766 §5: a truncated UDP answer is retried over TCP.
        if (response.header.tc) {
          messages++;
          transport = 'tcp';
          response = await exchangeTcp(this.options.nameserver, this.options.port, buildQuery(name, type), this.options.timeoutMs);
        }
        if (response.header.rcode === RCODE_SERVFAIL) {
          throw new ResolverError('E_DNS_SERVFAIL', `resolver answered SERVFAIL for a ${type} query`, true);
        }
        return { response, durationMs: this.clock.now() - started, messages, transport };
      } catch (error) {
        lastError =
          error instanceof ResolverError
            ? error
            : (error as NodeJS.ErrnoException).code === 'ETIMEDOUT'
              ? new ResolverError('E_DNS_TIMEOUT', `no answer from ${this.options.nameserver}:${this.options.port} within ${this.options.timeoutMs} ms`, true)
              : new ResolverError('E_DNS_NETWORK', (error as Error).message, true);
        if (!lastError.retryable) break;
      }
    }
    const attempts = this.options.retries + 1;
    throw Object.assign(
      new ResolverError(lastError!.code, `${lastError!.message} (${attempts} attempt${attempts === 1 ? '' : 's'})`, false),
      { durationMs: this.clock.now() - started, messages },
    );
  }

  private exchangeUdp(name: string, type: 'A' | 'TXT'): Promise<Packet> {
    return this.udp(name, type);
  }
}

function toAnswer(response: Packet, type: 'A' | 'TXT'): DnsblAnswer {
  const rcode = response.header.rcode;
  if (rcode === RCODE_NXDOMAIN) return { status: 'nxdomain' };
  if (rcode !== RCODE_NOERROR) {
    return { status: 'error', code: 'E_DNS_RCODE', message: `resolver answered rcode ${rcode}` };
  }
  if (type === 'A') {
    const addresses = response.answers
      .filter((record) => record.type === Packet.TYPE.A && typeof record.address === 'string')
      .map((record) => record.address as string);
    return addresses.length > 0 ? { status: 'answer', addresses, txt: [] } : { status: 'nodata' };
  }
  const txt = response.answers
    .filter((record) => record.type === Packet.TYPE.TXT)
    .map((record) => (Array.isArray(record.data) ? record.data.join('') : (record.data ?? '')));
  return txt.length > 0 ? { status: 'answer', addresses: [], txt } : { status: 'nodata' };
}

/** A resolver from the `dnsbl.resolver` config; a null nameserver means /etc/resolv.conf. */
export function createDnsblResolver(
  config: Omit<ResolverOptions, 'nameserver'> & { nameserver: string | null },
  deps: { readResolvConf?: () => string; clock?: ResolverClock } = {},
): DnsblResolver {
  const nameserver = config.nameserver ?? readSystemNameserver(deps.readResolvConf);
  return new DnsblResolver({ ...config, nameserver }, deps.clock);
}
