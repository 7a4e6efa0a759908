// The relay's recipient checks against a large suppression list: in process, then over loopback as
// relays ask them.
//
//   npm run bench:suppression -- [--entries 100000] [--batches 300] [--seconds 5]
//     [--connections 1,4,16] [--policy-connections 1,50] [--only in-process|http|policy]
//
// A child process serves: it seeds N entries (relay-wide, a tenth of them scoped to a sender) in
// embedded PGlite, in memory, and builds the relay's state as `warden serve` does (relayState and
// policyServerOf in src/service.ts: the list loaded into memory, time printed); this process
// drives it, so load generator and server do not share an event loop. Printed, with the load
// average before and after:
//   1. in process, in the serving process before it listens: POST /api/v1/suppressions/check with
//      1,000 recipients (one in ten suppressed) through the app factory (route, validation, hashing,
//      look-ups, JSON; no network hop), p50/p99 per batch, recipients/s; and the bare check per recipient;
//   2. over HTTP (@hono/node-server, keep-alive connections, one request in flight each, at each of
//      --connections): the same batches of 1,000, p50/p99 per batch and recipients/s; then one
//      recipient a request, as Haraka's plugin asks at RCPT TO (the same body and headers), requests/s
//      and p50/p99; then that request to a route mounted in the same app behind the same middleware
//      that parses the body and checks nothing (the HTTP layer's ceiling);
//   3. the Postfix policy server: RCPT-stage requests as Postfix writes them, over persistent
//      connections, one request in flight each as an smtpd has (at each of --policy-connections),
//      decisions/s and p50/p99.
// Every answer over the network is checked (the suppressed ones refused with the documented 550
// 5.7.1, the others let through); wrong answers are counted and must be 0. Each network line also
// gives the serving process's CPU time per recipient or decision, which reads the same on a busy
// machine (its CPU while idle is printed first: it weighs on those at low rates).
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { serve } from '@hono/node-server';
import pino from 'pino';
import { createApp, type WardenApp } from '../src/api/app';
import { wardenConfigSchema } from '../src/config/schema';
import { openDatabase, type Database } from '../src/db/client';
import { suppressionEntries } from '../src/db/schema';
import { suppressedRecipientRefusal, type SuppressionSnapshot } from '../src/relay/suppression-snapshot';
import { policyServerOf, relayState } from '../src/service';
import { AddressKeyer } from '../src/suppression/address';
import { postfixRequest } from '../test/support/policy-client';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '100000' },
    /** Batches of 1,000 timed in process; as many distinct batches are sent over HTTP, in turn. */
    batches: { type: 'string', default: '300' },
    /** Seconds per run over the network. */
    seconds: { type: 'string', default: '5' },
    /** Keep-alive HTTP connections, one run at each count. */
    connections: { type: 'string', default: '1,4,16' },
    /** Persistent policy connections (an smtpd process each), one run at each count. */
    'policy-connections': { type: 'string', default: '1,50' },
    /** Run one part: `in-process`, `http` or `policy`. */
    only: { type: 'string' },
    serve: { type: 'boolean', default: false },
  },
});
const entryCount = Number(values.entries);
const batches = Number(values.batches);
const seconds = Number(values.seconds);
const counts = (text: string) => text.split(',').map(Number);
const runs = (part: string) => values.only === undefined || values.only === part;
const key = 'bench-suppression-key-0123456789abcdef0123';
const relayToken = 'relay-token-0123456789abcdef0';
/** The sender as a relay names it (the SASL login) and its envelope domain; no entry is scoped to it. */
const sender = 'sender-7';
const senderDomain = 'shop.example';
const batchSize = 1000;
const checkPath = '/api/v1/suppressions/check';
/** A route mounted in the bench's app, behind the same middleware, that parses the body and checks nothing. */
const echoPath = '/api/v1/bench/echo';

/** A recipient on the list, relay-wide (entries whose index is a multiple of ten are scoped to other senders). */
const suppressedAddress = (n: number) => `suppressed${(n % Math.floor(entryCount / 10)) * 10 + 1 + (n % 9)}@example.org`;
/** A recipient off the list. */
const freeAddress = (n: number) => `someone${n}@example.net`;
/** One in ten recipients is suppressed: those at a multiple of ten. */
const isSuppressed = (index: number) => index % 10 === 0;

async function seed(database: Database, keyer: AddressKeyer): Promise<void> {
  const now = new Date();
  for (let start = 0; start < entryCount; start += 5000) {
    const rows = Array.from({ length: Math.min(5000, entryCount - start) }, (_, offset) => {
      const index = start + offset;
      const scoped = index % 10 === 0;
      return {
        recipientHash: keyer.hash(`suppressed${index}@example.org`)!,
        scope: scoped ? ('sender' as const) : ('relay' as const),
        scopeId: scoped ? `sender-${index % 100}` : '',
        reason: index % 3 === 0 ? ('hardBounce' as const) : ('complaint' as const),
        source: 'import' as const,
        origin: 'bench',
        createdAt: now,
        updatedAt: now,
        expiresAt: index % 3 === 0 ? new Date(now.getTime() + 30 * 86_400_000) : null,
      };
    });
    await database.db.insert(suppressionEntries).values(rows);
  }
}

/** The recipients of batch `round`: 1,000, those at a multiple of ten on the list. */
const recipientsOf = (round: number) =>
  Array.from({ length: batchSize }, (_, index) => (isSuppressed(index) ? suppressedAddress(round * batchSize + index) : freeAddress(round * batchSize + index)));
const batchBody = (round: number) => JSON.stringify({ sender, senderDomain, recipients: recipientsOf(round) });

/** The q-quantile of latencies sorted ascending (NaN when there are none). */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

interface InProcessFigures {
  p50: number;
  p99: number;
  recipientsPerSecond: number;
  cpuMsPerBatch: number;
  suppressed: number;
  perCheckUs: number;
}

/** The check through the app factory, without a network hop, then the bare check per recipient. */
async function inProcessFigures(app: WardenApp, snapshot: SuppressionSnapshot): Promise<InProcessFigures> {
  const ask = (body: string) => app.request(checkPath, { method: 'POST', headers: { authorization: `Bearer ${relayToken}`, 'content-type': 'application/json' }, body });
  for (let round = 0; round < 20; round++) await (await ask(batchBody(round))).json(); // warm-up
  const bodies = Array.from({ length: batches }, (_, round) => batchBody(round + 20));
  const times: number[] = [];
  let suppressed = 0;
  const cpuStarted = process.cpuUsage();
  const started = performance.now();
  for (const body of bodies) {
    const at = performance.now();
    const answer = (await (await ask(body)).json()) as { suppressed: number; recipients: unknown[] };
    times.push(performance.now() - at);
    if (answer.recipients.length !== batchSize) throw new Error('not every recipient answered');
    suppressed += answer.suppressed;
  }
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuStarted);
  times.sort((a, b) => a - b);
  const now = new Date();
  const addresses = Array.from({ length: 100_000 }, (_, index) => `probe${index}@example.net`);
  const checkStarted = performance.now();
  for (const address of addresses) snapshot.check(address, sender, 'example.net', now);
  const perCheckUs = ((performance.now() - checkStarted) * 1000) / addresses.length;
  return {
    p50: quantile(times, 0.5),
    p99: quantile(times, 0.99),
    recipientsPerSecond: (batches * batchSize) / (elapsedMs / 1000),
    cpuMsPerBatch: (cpu.user + cpu.system) / 1000 / batches,
    suppressed,
    perCheckUs,
  };
}

interface Ready {
  httpPort: number;
  policyPort: number;
  entries: number;
  seedSeconds: number;
  loadMs: number;
  heapMb: number;
  inProcess?: InProcessFigures;
}

/** The serving process: the list seeded and loaded, the relay's state and both listeners as `warden serve` has them. */
async function runServer(): Promise<void> {
  const config = wardenConfigSchema.parse({
    server: { host: '127.0.0.1', port: 0 },
    database: { dataDir: 'memory://' },
    auth: { tokens: [{ name: 'relay', token: relayToken, scopes: ['relay'] }] },
    suppression: { key },
    relay: { policyServer: { enabled: true, port: 0 } },
  });
  // Per-request info lines off (a refused recipient is logged at info), as in a production
  // deployment at this rate.
  const logger = pino({ level: 'warn' });
  const database = await openDatabase(config.database);
  await database.migrate();
  const seedStarted = performance.now();
  await seed(database, new AddressKeyer(key));
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const state = relayState(database, config, logger);
  const { policySnapshot, steeringSnapshot, counter } = state;
  const suppressionSnapshot = state.suppressionSnapshot!;
  await policySnapshot.start();
  await steeringSnapshot.start();
  const loadStarted = performance.now();
  await suppressionSnapshot.start();
  const loadMs = performance.now() - loadStarted;
  counter.start();
  const app = createApp({ database, config, logger, jobs: [], policySnapshot, hourlyCounter: counter, suppressionSnapshot });
  // The HTTP layer's ceiling for one recipient a request: the same request, the same middleware, no check.
  app.post(echoPath, async (c) => c.json({ recipients: ((await c.req.json()) as { recipients: string[] }).recipients.length }));
  const inProcess = runs('in-process') ? await inProcessFigures(app, suppressionSnapshot) : undefined;
  const policyServer = policyServerOf(config, state, logger);
  const policyAddress = await policyServer.listen();
  const server = serve({ fetch: app.fetch, hostname: config.server.host, port: config.server.port }, (info) => {
    const ready: Ready = { httpPort: info.port, policyPort: policyAddress.port, entries: suppressionSnapshot.size.entries, seedSeconds, loadMs, heapMb: process.memoryUsage().heapUsed / 1048576, inProcess };
    process.send!(ready);
  });
  process.on('message', async (message) => {
    // CPU time of the serving process, so the cost per request reads the same on a busy machine.
    if (message === 'cpu') return void process.send!({ cpu: process.cpuUsage() });
    server.close();
    await policyServer.close();
    await counter.stop();
    await policySnapshot.stop();
    await steeringSnapshot.stop();
    await suppressionSnapshot.stop();
    await database.close();
    process.exit(0);
  });
}

interface RunFigures {
  /** Requests answered. */
  count: number;
  perSecond: number;
  p50: number;
  p99: number;
  /** Recipients answered wrongly (or requests that failed). */
  wrong: number;
}

/**
 * A request over the network and a check of its answer, by the loop `lane`: the number of
 * recipients answered wrongly.
 */
type Exchange = (sequence: number, lane: number) => Promise<number>;

/** `connections` loops, each asking, waiting for the answer and checking it, then asking again, for `duration` seconds. */
async function closedLoop(connections: number, duration: number, exchange: Exchange): Promise<RunFigures> {
  const latencies: number[] = [];
  let sequence = 0;
  let wrong = 0;
  const started = performance.now();
  const deadline = started + duration * 1000;
  const loop = async (_: unknown, lane: number) => {
    while (performance.now() < deadline) {
      const at = performance.now();
      wrong += await exchange(sequence++, lane);
      latencies.push(performance.now() - at);
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { count: latencies.length, perSecond: latencies.length / elapsed, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), wrong };
}

interface CheckAnswer {
  suppressed: number;
  recipients: { recipient: string; suppressed: boolean }[];
  refusal: { code: string; status: string; text: string };
}

/**
 * A POST (to the check route unless told) as Haraka's plugin sends it (integrations/haraka/relay_warden.js,
 * exports.request): a kept-alive connection per request in flight, bearer token, JSON body with its
 * length, the answer read whole and parsed.
 */
function postJson<T>(agent: Agent, port: number, payload: string, path = checkPath): Promise<T> {
  return new Promise((resolve, reject) => {
    const headers = { authorization: `Bearer ${relayToken}`, accept: 'application/json', 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) };
    const request = httpRequest(new URL(`http://127.0.0.1:${port}${path}`), { method: 'POST', headers, agent }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        if (response.statusCode !== 200) return reject(new Error(`answered ${response.statusCode}`));
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as T);
      });
    });
    request.on('error', reject);
    request.end(payload);
  });
}

const refusalIsDocumented = (refusal: CheckAnswer['refusal'] | undefined) =>
  refusal?.code === suppressedRecipientRefusal.code && refusal.status === suppressedRecipientRefusal.status && refusal.text === suppressedRecipientRefusal.text;

/** Batches of 1,000 recipients over HTTP; a recipient is wrong when its answer is not the expected one. */
function batchExchange(agent: Agent, port: number, bodies: string[]): Exchange {
  const expected = Array.from({ length: batchSize }, (_, index) => isSuppressed(index));
  return async (sequence) => {
    try {
      const answer = await postJson<CheckAnswer>(agent, port, bodies[sequence % bodies.length]!);
      if (answer.recipients.length !== batchSize || !refusalIsDocumented(answer.refusal)) return batchSize;
      let wrong = 0;
      for (let index = 0; index < batchSize; index++) if (answer.recipients[index]!.suppressed !== expected[index]) wrong += 1;
      return wrong;
    } catch {
      return batchSize;
    }
  };
}

/** One recipient a request, the body Haraka's hook_rcpt builds (recipients, then the sender and its domain). */
function singleExchange(agent: Agent, port: number): Exchange {
  return async (sequence) => {
    const suppressed = isSuppressed(sequence);
    const recipient = suppressed ? suppressedAddress(sequence) : freeAddress(sequence);
    try {
      const answer = await postJson<CheckAnswer>(agent, port, JSON.stringify({ recipients: [recipient], sender, senderDomain }));
      const checked = answer.recipients[0];
      const right = checked?.recipient === recipient && checked.suppressed === suppressed && (!suppressed || refusalIsDocumented(answer.refusal));
      return right ? 0 : 1;
    } catch {
      return 1;
    }
  };
}

/** The same request to the echo route: the HTTP layer's cost alone. */
function echoExchange(agent: Agent, port: number): Exchange {
  return async (sequence) => {
    try {
      const answer = await postJson<{ recipients: number }>(agent, port, JSON.stringify({ recipients: [freeAddress(sequence)], sender, senderDomain }), echoPath);
      return answer.recipients === 1 ? 0 : 1;
    } catch {
      return 1;
    }
  };
}

/** Answers as the policy server writes them (postfix-protocol.ts formatAction; access(5)). */
const refusedAnswer = `action=${suppressedRecipientRefusal.code} ${suppressedRecipientRefusal.status} ${suppressedRecipientRefusal.text}`;
const passAnswer = 'action=DUNNO';

/** RCPT-stage requests as Postfix 3.x writes them, one recipient each, one in ten suppressed; written once, sent in turn. */
const rcptRequestsOf = () => Array.from({ length: 10_000 }, (_, index) => {
  const suppressed = isSuppressed(index);
  const text = postfixRequest({
    protocol_state: 'RCPT',
    sender: `newsletter@${senderDomain}`,
    recipient: suppressed ? suppressedAddress(index) : freeAddress(index),
    recipient_count: 0,
    queue_id: `B${index.toString(16).toUpperCase()}`,
    instance: `i${index}`,
    sasl_method: 'PLAIN',
    sasl_username: sender,
  });
  return { text, expected: suppressed ? refusedAnswer : passAnswer };
});

/**
 * One smtpd-like loop per persistent connection: a request, its answer (read to the empty line that
 * ends it), checked against the expected one, the next.
 */
async function policyRun(port: number, connections: number, rcptRequests: { text: string; expected: string }[], duration = seconds): Promise<RunFigures> {
  const open = () =>
    new Promise<Socket>((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(socket));
      socket.once('error', reject);
    });
  const sockets = await Promise.all(Array.from({ length: connections }, open));
  const exchangers = sockets.map((socket) => {
    let buffered = '';
    let waiting: ((answer: string) => void) | undefined;
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      const end = buffered.indexOf('\n\n');
      if (end < 0) return;
      const answer = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      waiting?.(answer);
    });
    return (request: string) =>
      new Promise<string>((resolve) => {
        waiting = resolve;
        socket.write(request, 'latin1');
      });
  });
  // Each loop keeps its own connection for the run.
  const result = await closedLoop(connections, duration, async (sequence, lane) => {
    const request = rcptRequests[sequence % rcptRequests.length]!;
    return (await exchangers[lane]!(request.text)) === request.expected ? 0 : 1;
  });
  for (const socket of sockets) socket.end();
  return result;
}

const formatted = (value: number, digits = 0) => value.toLocaleString('en', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const loadAverage = () => loadavg().map((value) => value.toFixed(2)).join(', ');

function printInProcess(ready: Ready): void {
  const figures = ready.inProcess!;
  console.log('in process (the app factory, no network hop):');
  console.log(
    `  POST /api/v1/suppressions/check, 1,000 recipients: p50 ${figures.p50.toFixed(2)} ms, p99 ${figures.p99.toFixed(2)} ms, ` +
      `${formatted(figures.recipientsPerSecond)} recipients/s, ${figures.cpuMsPerBatch.toFixed(2)} ms CPU per batch; ${figures.suppressed} of ${batches * batchSize} suppressed`,
  );
  console.log(`  bare check (normalise, HMAC-SHA256, look-up): ${figures.perCheckUs.toFixed(2)} µs per recipient`);
}

type ServerCpu = <T>(run: () => Promise<T>) => Promise<[T, number]>;

async function httpRuns(port: number, serverCpu: ServerCpu): Promise<void> {
  const bodies = Array.from({ length: batches }, (_, round) => batchBody(round));
  const line = (name: string, connections: number, run: RunFigures, cpuMicros: number, perRequest: number) =>
    `  ${name}, ${String(connections).padStart(2)} connection${connections > 1 ? 's' : ' '}: ${formatted(run.perSecond * perRequest).padStart(7)} recipients/s` +
    `${perRequest > 1 ? ` (${formatted(run.perSecond)} batches/s)` : ''}   p50 ${run.p50.toFixed(2)} ms   p99 ${run.p99.toFixed(2)} ms   ` +
    `server CPU ${formatted(cpuMicros / Math.max(1, run.count * perRequest), 1)} µs/recipient   wrong answers ${run.wrong}`;
  console.log('over HTTP (@hono/node-server on loopback, keep-alive connections, one request in flight each):');
  for (const [name, perRequest, exchangeOf] of [
    ['batches of 1,000', batchSize, (agent: Agent) => batchExchange(agent, port, bodies)],
    ['one recipient a request, as Haraka asks at RCPT TO', 1, (agent: Agent) => singleExchange(agent, port)],
    ['the same to a route that only parses the body (ceiling)', 1, (agent: Agent) => echoExchange(agent, port)],
  ] as const) {
    for (const connections of counts(values.connections!)) {
      const agent = new Agent({ keepAlive: true, maxSockets: connections });
      // Warm-up: connections opened and the route compiled out of the measured run.
      await closedLoop(connections, 1, exchangeOf(agent));
      const [run, cpu] = await serverCpu(() => closedLoop(connections, seconds, exchangeOf(agent)));
      agent.destroy();
      console.log(line(name, connections, run, cpu, perRequest));
    }
  }
}

async function policyRuns(port: number, serverCpu: ServerCpu): Promise<void> {
  console.log('Postfix policy server (RCPT-stage requests, persistent connections, one request in flight each as an smtpd has):');
  const rcptRequests = rcptRequestsOf();
  await policyRun(port, 1, rcptRequests, 1); // warm-up
  for (const connections of counts(values['policy-connections']!)) {
    const [run, cpu] = await serverCpu(() => policyRun(port, connections, rcptRequests));
    console.log(
      `  ${String(connections).padStart(2)} connection${connections > 1 ? 's' : ' '}: ${formatted(run.perSecond).padStart(7)} decisions/s   p50 ${run.p50.toFixed(2)} ms   p99 ${run.p99.toFixed(2)} ms   ` +
        `server CPU ${formatted(cpu / Math.max(1, run.count), 1)} µs/decision   wrong answers ${run.wrong} of ${run.count}`,
    );
  }
}

async function main(): Promise<void> {
  console.log(`${cpus().length} cores; load average ${loadAverage()} at the start`);
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve', '--entries', String(entryCount), '--batches', String(batches), ...(values.only ? ['--only', values.only] : [])], {
    execArgv: process.execArgv,
  });
  const ready = await new Promise<Ready>((resolve) => child.once('message', resolve as never));
  console.log(
    `suppression list: ${formatted(ready.entries)} entries (seeded in ${ready.seedSeconds.toFixed(1)} s), loaded into memory in ${ready.loadMs.toFixed(0)} ms; ` +
      `serving process heap ${ready.heapMb.toFixed(0)} MB`,
  );
  if (ready.inProcess) printInProcess(ready);
  const serverCpu: ServerCpu = async (run) => {
    const cpu = () =>
      new Promise<NodeJS.CpuUsage>((resolve) => {
        child.once('message', (message) => resolve((message as { cpu: NodeJS.CpuUsage }).cpu));
        child.send('cpu');
      });
    const before = await cpu();
    const result = await run();
    const used = await cpu();
    return [result, used.user + used.system - before.user - before.system];
  };
  const [, idleCpu] = await serverCpu(() => new Promise((resolve) => setTimeout(resolve, 3000)));
  console.log(`serving process CPU while idle: ${(idleCpu / 3000).toFixed(0)} ms a second`);
  if (runs('http')) await httpRuns(ready.httpPort, serverCpu);
  if (runs('policy')) await policyRuns(ready.policyPort, serverCpu);
  console.log(`load average ${loadAverage()} at the end`);
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));
}

if (values.serve) await runServer();
else await main();
