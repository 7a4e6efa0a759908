// The Postfix policy server (check_policy_service): a TCP listener answering each request from
// the policy snapshot and the hourly counter. It fails open: whatever goes wrong, Postfix gets DUNNO.
// Only the allowed client networks get a connection, within the connection caps (policy-connection-guard.ts).
import { createServer, isIP, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { PolicyServerConfig } from '../config/relay';
import type { SendEventInput } from '../db/send-events';
import { policyDecisionTally, policyRequestTimeoutsTotal, suppressedRecipientsTotal } from '../metrics';
import type { EffectivePolicy } from '../reputation/effective-policy';
import type { HourlyCounter } from './hourly-counter';
import { domainOf } from '../analysis/addresses';
import { PolicyConnectionGuard } from './policy-connection-guard';
import type { PolicySnapshot } from './policy-snapshot';
import { formatAction, isEndOfMessage, PolicyRequestReader, type PolicyAttributes, type PolicyRequest, type PostfixAction } from './postfix-protocol';
import { refusalFor } from './refusal';
import { suppressedRecipientRefusal, type SuppressionSnapshot } from './suppression-snapshot';
import type { UnsubscribeLinkMaker } from '../suppression/one-click';

const dunno: PostfixAction = { kind: 'DUNNO' };
/** The policy_context values (main.cf) asking for a one-click unsubscribe header instead of a decision. */
const unsubscribeContexts = new Map<string, 'List-Unsubscribe' | 'List-Unsubscribe-Post'>([
  ['list-unsubscribe', 'List-Unsubscribe'],
  ['list-unsubscribe-post', 'List-Unsubscribe-Post'],
]);
const dunnoAnswer = formatAction(dunno);
const dunnoAnswerBytes = Buffer.from(dunnoAnswer, 'latin1');
/** Connections still open this long after close() are cut (Postfix reconnects on its next request). */
const closeGraceMs = 5000;

/**
 * The answer for a message from a sender under a policy, given what it sent this hour and this UTC
 * day: the refusal (refusal.ts) as a Postfix access(5) action, or DUNNO.
 */
export function postfixActionFor(sender: string, policy: EffectivePolicy, acceptedThisHour: number, acceptedToday = acceptedThisHour): PostfixAction {
  const refusal = refusalFor(sender, policy, acceptedThisHour, acceptedToday);
  if (!refusal) return dunno;
  return refusal.action === 'reject'
    ? { kind: 'REJECT', status: refusal.status, text: refusal.text }
    : { kind: 'DEFER_IF_PERMIT', status: refusal.status, text: refusal.text };
}

export interface PostfixPolicyServerDeps {
  config: PolicyServerConfig;
  snapshot: PolicySnapshot;
  counter: HourlyCounter;
  logger: Logger;
  /** Store one send event per accepted message (off when the relay reports events itself). */
  recordSendEvents: boolean;
  /**
   * Listed-IP steering: accepted mail gets FILTER <transport>: for the sender's IP, and its send
   * event carries that IP. Absent, or with no usable IP: DUNNO, and the relay's default transport.
   */
  steering?: { choose(sender: string): { ip: string; transport: string } | null };
  /** The suppression list: with it, a suppressed recipient is refused at RCPT TO. */
  suppression?: SuppressionSnapshot;
  /** One-click unsubscribe header values (RFC 8058), prepended at DATA when asked (see `unsubscribeHeader`). */
  unsubscribeLinks?: UnsubscribeLinkMaker;
  clock?: () => Date;
}

export class PostfixPolicyServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly clock: () => Date;
  readonly guard: PolicyConnectionGuard;
  readonly stats = { connections: 0, requests: 0, malformed: 0, rejected: 0, deferred: 0, steered: 0, requestTimeouts: 0 };
  /** Connections whose requests wait unread until the send events already answered are stored. */
  heldConnections = 0;

  constructor(private readonly deps: PostfixPolicyServerDeps) {
    this.clock = deps.clock ?? (() => new Date());
    this.guard = new PolicyConnectionGuard({ ...deps.config, logger: deps.logger });
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.deps.config.port, this.deps.config.host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting; open connections get the answers in flight, then are closed. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.end();
    const cut = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
    }, closeGraceMs);
    await closed;
    clearTimeout(cut);
  }

  private accept(socket: Socket): void {
    const admitted = this.guard.admit(socket.remoteAddress);
    if ('refused' in admitted) {
      // Closed before a byte is read: Postfix tries again (smtpd_policy_service_try_limit), then
      // applies smtpd_policy_service_default_action.
      socket.destroy();
      return;
    }
    this.stats.connections += 1;
    this.sockets.add(socket);
    socket.setTimeout(this.deps.config.idleTimeoutSeconds * 1000, () => socket.end());
    const reader = new PolicyRequestReader();
    const log = this.deps.logger.child({ client: `${socket.remoteAddress}:${socket.remotePort}` });
    const requestClock = this.requestClock(socket, log);
    // A new connection's first request is due within the timeout too: Postfix connects to ask.
    requestClock.start();

    // Every answer is decided without waiting, so answers leave in request order, batched per read.
    const answerChunk = (chunk: Buffer) => {
      const requests = reader.push(chunk);
      if (reader.overflowed) {
        this.stats.malformed += 1;
        log.warn('policy request line too long; answering DUNNO and closing the connection');
        requestClock.stop();
        socket.end(formatAction(dunno));
        return;
      }
      // The clock runs from a request's first byte to its last: a request ended restarts it.
      if (requests.length > 0) requestClock.stop();
      if (reader.inRequest) requestClock.start();
      let out = '';
      for (const request of requests) {
        const action = this.answer(request, log);
        policyDecisionTally[action.kind] += 1;
        out += formatAction(action);
      }
      // The usual answer, one DUNNO, goes out as bytes made once instead of a string encoded per write.
      if (out && !socket.destroyed) socket.write(out === dunnoAnswer ? dunnoAnswerBytes : out);
    };
    // Backpressure: while the counter is not accepting (send events answered a flush interval ago
    // are not stored yet, or too many wait), requests are not read, so their answers wait instead
    // of their events being dropped. Postfix waits up to smtpd_policy_service_timeout for them.
    let held: Buffer[] | undefined;
    const onData = (chunk: Buffer) => {
      if (held) return void held.push(chunk);
      if (this.deps.counter.accepting()) return answerChunk(chunk);
      held = [chunk];
      // The client has sent; the wait is ours, not a slow request.
      requestClock.stop();
      socket.pause();
      this.heldConnections += 1;
      void this.deps.counter.whenAccepting().then(() => {
        this.heldConnections -= 1;
        const chunks = held!;
        held = undefined;
        for (const [index, waiting] of chunks.entries()) {
          if (held) {
            (held as Buffer[]).push(...chunks.slice(index));
            break;
          }
          onData(waiting);
        }
        if (!held) socket.resume();
      });
    };
    socket.on('data', onData);
    socket.on('error', (error) => log.debug({ err: error }, 'policy connection error'));
    socket.on('close', () => {
      requestClock.stop();
      this.sockets.delete(socket);
      this.guard.release(admitted.client);
    });
  }

  /** Cuts the connection when a request has not arrived whole within requestTimeoutSeconds (slowloris). */
  private requestClock(socket: Socket, log: Logger) {
    const timeoutMs = this.deps.config.requestTimeoutSeconds * 1000;
    let timer: NodeJS.Timeout | undefined;
    const cut = () => {
      timer = undefined;
      this.stats.requestTimeouts += 1;
      policyRequestTimeoutsTotal.inc();
      log.warn({ requestTimeoutSeconds: this.deps.config.requestTimeoutSeconds, bytesRead: socket.bytesRead }, 'policy request not received whole in time; connection cut');
      socket.destroy();
    };
    return {
      start: () => {
        timer ??= setTimeout(cut, timeoutMs);
      },
      stop: () => {
        clearTimeout(timer);
        timer = undefined;
      },
    };
  }

  private senderOf(attributes: PolicyAttributes): string | undefined {
    const { senderFrom, clientAddressSenders } = this.deps.config;
    const value =
      senderFrom === 'sasl_username' ? attributes.sasl_username
      : senderFrom === 'sender' ? attributes.sender?.toLowerCase()
      : clientAddressSenders[attributes.client_address ?? ''];
    return value ? value : undefined;
  }

  private answer(request: PolicyRequest, log: Logger): PostfixAction {
    this.stats.requests += 1;
    if (!request.ok) {
      this.stats.malformed += 1;
      log.warn({ error: request.error }, 'malformed policy request; answering DUNNO');
      return dunno;
    }
    const attributes = request.attributes;
    if (attributes.request !== 'smtpd_access_policy') {
      this.stats.malformed += 1;
      log.warn({ request: attributes.request ?? null }, 'policy request without request=smtpd_access_policy; answering DUNNO');
      return dunno;
    }
    const suppressed = this.deps.suppression ? this.suppressedRecipient(this.deps.suppression, attributes, log) : undefined;
    if (suppressed) return suppressed;
    const unsubscribe = unsubscribeContexts.get(attributes.policy_context ?? '');
    if (unsubscribe) return this.unsubscribeHeader(unsubscribe, attributes, log);
    const sender = this.senderOf(attributes);
    // Unauthenticated or null-sender mail: not ours to judge (the relay's own restrictions are),
    // but it still leaves by a usable IP.
    if (!sender) return this.steer(attributes.sender || attributes.client_address || '', log) ?? dunno;
    try {
      const now = this.clock();
      const policy = this.deps.snapshot.lookup(sender, domainOf(attributes.sender ?? ''), now, attributes.client_address || undefined);
      const limited = policy.action !== 'suspend' && (policy.limitPerHour !== null || policy.limitPerDay !== null);
      const accepted = limited ? this.deps.counter.currentForDecision(sender, now, log) : { hour: 0, day: 0 };
      return this.settle(sender, attributes, policy, accepted, now, log);
    } catch (error) {
      log.error({ err: error, sender }, 'policy decision failed; answering DUNNO (fail open)');
      return dunno;
    }
  }

  /**
   * The refusal of a suppressed recipient, whoever sends (a relay-wide entry stops every sender).
   * Asked at RCPT TO, it refuses that recipient alone and the message goes to the others; at the
   * end of DATA Postfix names the recipient only when the message has one, and then the message
   * is refused. Fails open: an error lets the recipient through.
   */
  private suppressedRecipient(suppression: SuppressionSnapshot, attributes: PolicyAttributes, log: Logger): PostfixAction | undefined {
    const state = attributes.protocol_state?.toUpperCase();
    const recipient = attributes.recipient;
    if (!recipient || (state !== 'RCPT' && state !== 'END-OF-MESSAGE')) return undefined;
    try {
      const check = suppression.check(recipient, this.senderOf(attributes), domainOf(attributes.sender ?? ''), this.clock());
      if (!check.suppressed) return undefined;
      this.stats.rejected += 1;
      suppressedRecipientsTotal.inc({ via: 'postfix' });
      // The entry, never the address: logs hold no recipient.
      log.info({ entryId: check.entry!.id, reason: check.entry!.reason, scope: check.entry!.scope, state, queueId: attributes.queue_id }, 'suppressed recipient refused');
      return { kind: 'REJECT', ...suppressedRecipientRefusal };
    } catch (error) {
      log.error({ err: error }, 'suppression check failed; letting the recipient through (fail open)');
      return undefined;
    }
  }

  /**
   * One of the two one-click unsubscribe headers (RFC 8058), asked for by policy_context at DATA
   * (access(5): PREPEND only before the content) for a message with one recipient, which Postfix
   * names then. Postfix takes one action per request, so each header is its own
   * check_policy_service. DUNNO when there is nothing to add (several recipients, no link configured).
   */
  private unsubscribeHeader(header: 'List-Unsubscribe' | 'List-Unsubscribe-Post', attributes: PolicyAttributes, log: Logger): PostfixAction {
    const make = this.deps.unsubscribeLinks;
    const recipient = attributes.recipient;
    if (!make || !recipient || attributes.protocol_state?.toUpperCase() !== 'DATA') return dunno;
    try {
      const values = make(recipient, this.senderOf(attributes), domainOf(attributes.sender ?? ''));
      if (!values) return dunno;
      return { kind: 'PREPEND', header: header === 'List-Unsubscribe' ? `List-Unsubscribe: ${values.listUnsubscribe}` : `List-Unsubscribe-Post: ${values.listUnsubscribePost}` };
    } catch (error) {
      log.error({ err: error }, 'one-click unsubscribe header failed; answering DUNNO');
      return dunno;
    }
  }

  private settle(sender: string, attributes: PolicyAttributes, policy: EffectivePolicy, accepted: { hour: number; day: number }, now: Date, log: Logger): PostfixAction {
    const action = postfixActionFor(sender, policy, accepted.hour, accepted.day);
    if (action.kind === 'REJECT') this.stats.rejected += 1;
    else if (action.kind === 'DEFER_IF_PERMIT') this.stats.deferred += 1;
    if (action.kind !== 'DUNNO') {
      log.info({ sender, action: action.kind, reason: policy.reason, source: policy.source, tier: policy.tier, client: attributes.client_address, queueId: attributes.queue_id, state: attributes.protocol_state }, 'policy refused a message');
      return action;
    }
    const steered = this.steer(sender, log);
    if (isEndOfMessage(attributes)) {
      // Counted once per message, at the end of DATA, and only when accepted here.
      this.deps.counter.add(sender, now, this.deps.recordSendEvents ? sendEventOf(sender, attributes, now, steered?.ip) : undefined);
    }
    return steered ?? action;
  }

  /** FILTER to the transport of the sender's IP; null when not steering (the relay's default applies). */
  private steer(sender: string, log: Logger): (PostfixAction & { kind: 'FILTER'; ip: string }) | null {
    if (!this.deps.steering) return null;
    try {
      const chosen = this.deps.steering.choose(sender);
      if (!chosen) return null;
      this.stats.steered += 1;
      return { kind: 'FILTER', transport: chosen.transport, ip: chosen.ip };
    } catch (error) {
      log.error({ err: error, sender }, 'steering choice failed; answering without FILTER');
      return null;
    }
  }
}

/**
 * One send event per message: the recipient domain is known only when the message has one
 * recipient. The IP is the steered one when steering chose it, else the address the relay received on.
 */
function sendEventOf(sender: string, attributes: PolicyAttributes, now: Date, steeredIp?: string): SendEventInput {
  const recipientDomain = domainOf(attributes.recipient ?? '') ?? 'unknown';
  const id = attributes.queue_id || attributes.instance || `${now.getTime()}-${Math.random().toString(36).slice(2)}`;
  return {
    messageId: `postfix:${attributes.server_address ?? ''}:${id}`,
    recipientKey: `@${recipientDomain}`,
    sender,
    senderDomain: domainOf(attributes.sender ?? '') ?? 'unknown',
    recipientDomain,
    ip: steeredIp ?? (attributes.server_address || 'unknown'),
    at: now,
    clientAddress: attributes.client_address && isIP(attributes.client_address) ? attributes.client_address : undefined,
    saslUsername: attributes.sasl_username || undefined,
  };
}
