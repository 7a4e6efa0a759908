// Policy API and Postfix policy server throughput, on one machine.
//
//   npm run bench:throttle -- [--policies 100000] [--connections 50] [--seconds 10] [--rate 5000] [--pglite] [--only http|policy]
//   (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test; a scratch database is
//   created and dropped; --pglite uses embedded PGlite in memory instead)
//
// A child process serves (the app factory on @hono/node-server, the policy server, the database
// seeded with N sender policies); this process drives it, so load generator and server do
// not share an event loop. Printed: requests/s, p50/p99 latency of
//   1. GET /api/v1/bench/constant/<random id> — a bare hono route returning a constant, mounted in the same
//      app behind the same middleware (request id, metrics, bearer auth): the ceiling;
//   2. GET /api/v1/policy/senders/<random of N> — the policy API;
// and the ratio; then both again at a fixed rate below saturation with evenly spaced requests, for
// the latency a relay sees when the server is not saturated; then decisions/s of the policy protocol over persistent
// connections, each doing what an smtpd does: one END-OF-MESSAGE request, wait for the answer,
// next (counted and stored). The server runs with the configured tiers, as `warden serve` does.
// Next to decisions/s: send events stored per second, messages accepted vs stored, and the time
// answers were held for backpressure. Then, in the same run, the same load against
// policyd-rate-limit (Debian package, PostgreSQL backend, one row per message) when it is
// installed, and the ratio (--no-policyd skips it).
import { accessSync, chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { serve } from '@hono/node-server';
import pino from 'pino';
import { createApp } from '../src/api/app';
import { wardenConfigSchema } from '../src/config/schema';
import { openDatabase } from '../src/db/client';
import { HourlyCounter } from '../src/relay/hourly-counter';
import { PolicySnapshot } from '../src/relay/policy-snapshot';
import { PostfixPolicyServer } from '../src/relay/postfix-policy-server';
import { createTestDatabase, type TestDatabase } from '../test/support/postgres';

const { values } = parseArgs({
  options: {
    policies: { type: 'string', default: '100000' },
    connections: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '10' },
    /** Requests a second for the latency lines (evenly spaced), below saturation. */
    rate: { type: 'string', default: '5000' },
    serve: { type: 'boolean', default: false },
    pglite: { type: 'boolean', default: false },
    /** Requests in flight per policy connection; Postfix has 1 (an smtpd waits for each answer). */
    depth: { type: 'string', default: '1' },
    /** Count accepted messages toward the hourly limit but store no send events. */
    'count-only': { type: 'boolean', default: false },
    url: { type: 'string' },
    /** Run just one part: `http` or `policy`. */
    only: { type: 'string' },
    'no-policyd': { type: 'boolean', default: false },
    /** Answers wait past this many unstored send events (relay.policyServer.maxPendingSendEvents). */
    'max-pending': { type: 'string', default: '50000' },
  },
});
const policies = Number(values.policies);
const connections = Number(values.connections);
const seconds = Number(values.seconds);
const token = 'bench-token-0123456789abcdef0123';

async function runServer(): Promise<void> {
  const config = wardenConfigSchema.parse({
    server: { port: 0 },
    database: { dataDir: 'memory://' },
    auth: { tokens: [{ name: 'bench', token, scopes: ['relay'] }] },
    relay: { policyServer: { enabled: true, port: 0 } },
  });
  // Per-request info lines off, as in a production deployment at this rate.
  const logger = pino({ level: 'warn' });
  // PGlite runs queries on the event loop's thread: its flushes stall the server, PostgreSQL's do not.
  const database = await openDatabase(values.url ? { url: values.url } : { dataDir: 'memory://' });
  await database.migrate();
  await database.db.execute(`
    insert into reputation_subjects (kind, id, auto_action, auto_reason, version)
    select 'sender', 's' || g, (array['throttle', 'suspend', 'warn', 'allow'])[1 + g % 4], 'bench', nextval('policy_version')
    from generate_series(0, ${policies - 1}) g` as never);
  // Tiers and campaigns as `warden serve` configures them: every allowed sender then has a tier
  // limit, so its decisions read the hourly counter. The default limits (50 an hour for `new`) stay
  // above what one sender of 100,000 gets in a run.
  const snapshot = new PolicySnapshot(database, { throttleLimitPerHour: 1_000_000, tiers: config.tiers, campaigns: config.campaigns, refreshSeconds: 30, logger });
  await snapshot.start();
  const counter = new HourlyCounter(database.db, { flushMs: 1000, logger, maxPendingEvents: Number(values['max-pending']) });
  counter.start();
  const policyServer = new PostfixPolicyServer({ config: config.relay.policyServer, snapshot, counter, logger, recordSendEvents: !values['count-only'] });
  const policyAddress = await policyServer.listen();
  const app = createApp({ database, config, logger, jobs: [], policySnapshot: snapshot });
  // Same path shape as the policy API's route (a random id the router extracts), so both runs cost
  // the load generator the same and differ only in what the server does.
  app.get('/api/v1/bench/constant/:id', (c) => c.json({ sender: 'constant', action: 'allow', reason: 'no policy', version: 0 }));
  const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
    process.send!({ httpPort: info.port, policyPort: policyAddress.port, senders: snapshot.size.senders });
  });
  process.on('message', async (message) => {
    // CPU time of the serving process, so the cost per request reads the same on a busy machine.
    if (message === 'cpu') return void process.send!({ cpu: process.cpuUsage() });
    if (message === 'stats') {
      const { requests, rejected, deferred } = policyServer.stats;
      return void process.send!({ answered: requests, accepted: requests - rejected - deferred, stored: counter.stats.stored, refused: counter.stats.refused, heldSeconds: counter.heldSeconds() });
    }
    if (message === 'drain') {
      // Send events are written behind the answers; a run is done when they are stored.
      const backlog = counter.backlog;
      while (counter.backlog > 0) await counter.flush();
      await counter.flush();
      return void process.send!({ drained: backlog });
    }
    server.close();
    await policyServer.close();
    await counter.stop();
    process.send!({ stored: policyServer.stats });
    await snapshot.stop();
    await database.close();
    process.exit(0);
  });
}

function httpRun(url: string, path: () => string, duration = seconds) {
  return autocannon({
    url,
    connections,
    duration,
    headers: { authorization: `Bearer ${token}` },
    requests: [{ setupRequest: (request) => ({ ...request, path: path() }) }],
  });
}

/**
 * Requests due at evenly spaced times, `rate` a second, over `connections` keep-alive sockets;
 * each latency runs from the time the request was due, so a stall on either side (a late timer,
 * all sockets busy, a slow answer) counts against it. autocannon's `overallRate` cannot stand in:
 * it sends each connection's share of a second back to back at the start of the second, so every
 * second opens with a queue of all connections at once.
 */
async function pacedRun(url: string, path: () => string, duration: number, rate: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const target = new URL(url);
  const latencies: number[] = [];
  let errors = 0;
  const errorKinds = new Set<string>();
  let outstanding = 0;
  let finished = false;
  const started = performance.now();
  const end = started + duration * 1000;
  const interval = 1000 / rate;
  await new Promise<void>((resolve) => {
    const settle = () => {
      outstanding -= 1;
      if (finished && outstanding === 0) resolve();
    };
    const send = (dueAt: number) => {
      outstanding += 1;
      const sent = httpRequest({ agent, host: target.hostname, port: target.port, path: path(), headers: { authorization: `Bearer ${token}` } }, (response) => {
        response.resume();
        response.on('end', () => {
          if (response.statusCode !== 200) {
            errors += 1;
            errorKinds.add(`HTTP ${response.statusCode}`);
          }
          latencies.push(performance.now() - dueAt);
          settle();
        });
      });
      sent.on('error', (error: NodeJS.ErrnoException) => {
        errors += 1;
        errorKinds.add(error.code ?? error.message);
        settle();
      });
      sent.end();
    };
    let due = 0;
    const tick = () => {
      const now = performance.now();
      for (let at = started + due * interval; at <= Math.min(now, end); at = started + due * interval) {
        send(at);
        due += 1;
      }
      if (now < end) return void setTimeout(tick, 1);
      finished = true;
      if (outstanding === 0) resolve();
    };
    tick();
  });
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return { perSecond: latencies.length / duration, total: latencies.length, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1) ?? Number.NaN, errors, errorKinds: [...errorKinds] };
}

/**
 * One smtpd-like loop per connection: request, answer, next request. The generator shares the two
 * cores with the server and PostgreSQL, so it does little per request: one latin1 string written
 * (no UTF-8 encoding pass), answers counted on the raw bytes by their ending empty line.
 */
async function policyRun(port: number, depth: number, protocolState = 'END-OF-MESSAGE'): Promise<{ decisions: number; count: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  let sequence = 0;
  const loop = (socket: Socket) =>
    new Promise<void>((resolve) => {
      const sentAt: number[] = [];
      let inFlight = 0;
      // An answer ends with "\n\n"; the two may arrive in different reads.
      let endsWithNewline = false;
      const next = () => {
        if (performance.now() >= deadline) {
          if (inFlight === 0) {
            socket.end();
            resolve();
          }
          return;
        }
        sequence += 1;
        inFlight += 1;
        sentAt.push(performance.now());
        socket.write(
          `request=smtpd_access_policy\nprotocol_state=${protocolState}\nprotocol_name=ESMTP\nclient_address=192.0.2.44\n` +
            `server_address=192.0.2.10\nsender=user@shop.example\nrecipient=u@gmail.example\nrecipient_count=1\n` +
            `queue_id=B${sequence}\ninstance=i${sequence}\nsasl_method=PLAIN\nsasl_username=s${Math.floor(Math.random() * policies)}\n\n`,
          'latin1',
        );
      };
      socket.on('data', (chunk: Buffer) => {
        let answers = 0;
        let newlineAt = endsWithNewline ? -1 : -2;
        for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) {
          if (at === newlineAt + 1) {
            answers += 1;
            newlineAt = -2;
          } else newlineAt = at;
        }
        endsWithNewline = newlineAt === chunk.length - 1;
        for (; answers > 0; answers--) {
          latencies.push(performance.now() - sentAt.shift()!);
          inFlight -= 1;
          next();
        }
      });
      for (let i = 0; i < depth; i++) next();
    });
  const sockets = await Promise.all(
    Array.from({ length: connections }, () => new Promise<Socket>((resolve) => {
      const socket = connect({ port, host: '127.0.0.1', noDelay: true }, () => resolve(socket));
    })),
  );
  const started = performance.now();
  await Promise.all(sockets.map(loop));
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { decisions: latencies.length / elapsed, count: latencies.length, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

/** The q-quantile of latencies sorted ascending (NaN when there are none). */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

type ServerCpu = <T>(run: () => Promise<T>) => Promise<[T, number]>;

async function httpRuns(url: string, serverCpu: ServerCpu): Promise<void> {
  const randomId = () => `s${Math.floor(Math.random() * policies)}`;
  // Warm-up: JIT and connection setup out of the measured runs.
  await httpRun(url, () => `/api/v1/bench/constant/${randomId()}`, 2);
  const [bare, bareCpu] = await serverCpu(() => httpRun(url, () => `/api/v1/bench/constant/${randomId()}`));
  const [policy, policyCpu] = await serverCpu(() => httpRun(url, () => `/api/v1/policy/senders/${randomId()}`));
  const perRequest = (cpuMicros: number, result: autocannon.Result) => cpuMicros / Math.max(1, result.requests.total);
  const row = (name: string, result: autocannon.Result, cpuMicros: number) =>
    `${name.padEnd(44)} ${result.requests.average.toFixed(0).padStart(8)} req/s   p50 ${String(result.latency.p50).padStart(3)} ms   p99 ${String(result.latency.p99).padStart(3)} ms   ` +
    `errors ${result.errors + result.non2xx}   server CPU ${perRequest(cpuMicros, result).toFixed(1)} µs/request`;
  console.log(row('bare route (ceiling)', bare, bareCpu));
  console.log(row('GET /api/v1/policy/senders/:id', policy, policyCpu));
  const ratio = policy.requests.average / bare.requests.average;
  const cpuRatio = perRequest(bareCpu, bare) / perRequest(policyCpu, policy);
  console.log(`ratio policy/bare: ${(ratio * 100).toFixed(1)}% of requests/s, ${(cpuRatio * 100).toFixed(1)}% by server CPU per request   (target >= 80%, p99 < 5 ms)`);
  // At saturation the p99 is mostly the load generator's own queue: it shares the cores with the
  // server. The same routes at a fixed rate below saturation, requests evenly spaced (pacedRun).
  const rate = Number(values.rate);
  const paced = (name: string, result: Awaited<ReturnType<typeof pacedRun>>, cpuMicros: number) =>
    `${`${name} at ${rate.toLocaleString('en-US')} req/s, evenly spaced`.padEnd(44)} ${result.perSecond.toFixed(0).padStart(8)} req/s   ` +
    `p50 ${result.p50.toFixed(2)} ms   p99 ${result.p99.toFixed(2)} ms   max ${result.max.toFixed(1)} ms   errors ${result.errors}${result.errors ? ` (${result.errorKinds.join(', ')})` : ''}   ` +
    `server CPU ${(cpuMicros / Math.max(1, result.total)).toFixed(1)} µs/request`;
  const [bareAtRate, bareAtRateCpu] = await serverCpu(() => pacedRun(url, () => `/api/v1/bench/constant/${randomId()}`, seconds, rate));
  const [policyAtRate, policyAtRateCpu] = await serverCpu(() => pacedRun(url, () => `/api/v1/policy/senders/${randomId()}`, seconds, rate));
  console.log(paced('bare route', bareAtRate, bareAtRateCpu));
  console.log(paced('policy API', policyAtRate, policyAtRateCpu));
}

interface PolicyServerStats {
  answered: number;
  accepted: number;
  stored: number;
  refused: number;
  heldSeconds: number;
}

async function policyRuns(port: number, serverCpu: ServerCpu, drain: () => Promise<number>, serverStats: () => Promise<PolicyServerStats>): Promise<number> {
  const depth = Number(values.depth);
  const before = await serverStats();
  // The run ends when the answers stop and the send events accepted during it are stored.
  const [[policy, backlog, drainSeconds], policyCpu] = await serverCpu(async () => {
    const run = await policyRun(port, depth);
    const started = performance.now();
    const pending = await drain();
    return [run, pending, (performance.now() - started) / 1000] as const;
  });
  const after = await serverStats();
  const runSeconds = policy.count / policy.decisions;
  const sustained = policy.count / (runSeconds + drainSeconds);
  const accepted = after.accepted - before.accepted;
  const stored = after.stored - before.stored;
  console.log(
    `Postfix policy protocol                      ${policy.decisions.toFixed(0).padStart(8)} decisions/s   p50 ${policy.p50.toFixed(2)} ms   p99 ${policy.p99.toFixed(2)} ms   ` +
      `server CPU ${(policyCpu / Math.max(1, policy.count)).toFixed(1)} µs/decision   ` +
      `(${connections} persistent connections, ${depth} request${depth > 1 ? 's' : ''} in flight each; target >= 20,000/s)`,
  );
  console.log(
    `  stored behind the answers: ${backlog} send events pending at the end, written in ${drainSeconds.toFixed(2)} s; ` +
      `${sustained.toFixed(0)} decisions/s with that included (server CPU above includes it)`,
  );
  console.log(
    `  ${(stored / (runSeconds + drainSeconds)).toFixed(0)} stored/s; accepted ${accepted}, stored ${stored}, missing ${accepted - stored}` +
      ` (refused by the database ${after.refused - before.refused}); answers held for backpressure ${(after.heldSeconds - before.heldSeconds).toFixed(2)} s of ${runSeconds.toFixed(1)} s`,
  );
  return sustained;
}

/**
 * The same load against policyd-rate-limit (Debian package) on a scratch PostgreSQL database: it
 * counts at RCPT (its documented place, smtpd_recipient_restrictions), one row per message written
 * before each answer. Undefined when it is not installed or does not start.
 */
async function policydRateLimitRun(databaseUrl: string) {
  const binary = '/usr/bin/policyd-rate-limit';
  try {
    accessSync(binary);
  } catch {
    console.log('policyd-rate-limit: not installed (Debian: apt-get install policyd-rate-limit python3-psycopg2); our figures alone');
    return undefined;
  }
  const url = new URL(databaseUrl);
  const port = 10_000 + Math.floor(Math.random() * 20_000);
  const directory = mkdtempSync(join(tmpdir(), 'policyd-rate-limit-'));
  // It drops root for its own user, who writes the pid file here.
  chmodSync(directory, 0o777);
  const configFile = join(directory, 'policyd-rate-limit.yaml');
  writeFileSync(
    configFile,
    [
      'debug: False',
      'user: "policyd-rate-limit"',
      'group: "policyd-rate-limit"',
      `pidfile: "${directory}/run/policyd-rate-limit.pid"`,
      `pgsql_config: { database: "${url.pathname.slice(1)}", user: "${decodeURIComponent(url.username) || 'postgres'}", host: "${url.hostname}", port: ${url.port || 5432} }`,
      'backend: 2',
      `SOCKET: ["127.0.0.1", ${port}]`,
      'limits: [[100000000, 3600]]',
      'limit_by_sasl: True',
      'success_action: "dunno"',
      'db_error_action: "dunno"',
      'report: False',
      'delay_to_close: 300',
    ].join('\n'),
  );
  const child = spawn(binary, ['--file', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let errors = '';
  child.stderr.on('data', (chunk) => (errors += chunk));
  try {
    const deadline = performance.now() + 10_000;
    for (;;) {
      const open = await new Promise<boolean>((resolve) => {
        const socket = connect({ port, host: '127.0.0.1' }, () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
      if (open) break;
      if (child.exitCode !== null || performance.now() > deadline) {
        console.log(`policyd-rate-limit: did not start (${errors.trim().split('\n').at(-1) || 'no output'}); our figures alone`);
        return undefined;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const run = await policyRun(port, Number(values.depth), 'RCPT');
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const [row] = await sql<{ count: number }[]>`select count(*)::int as count from mail_count`;
    await sql.end();
    return { ...run, stored: row!.count };
  } finally {
    child.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  let scratch: TestDatabase | undefined;
  if (!values.pglite) scratch = await createTestDatabase(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['--serve', '--policies', String(policies), ...(values['count-only'] ? ['--count-only'] : []), ...(scratch ? ['--url', scratch.url] : [])], {
    execArgv: process.execArgv,
  });
  const ready = await new Promise<{ httpPort: number; policyPort: number; senders: number }>((resolve) => child.once('message', resolve as never));
  const url = `http://127.0.0.1:${ready.httpPort}`;
  console.log(`throttle bench: ${ready.senders} sender policies in the snapshot (${scratch ? 'PostgreSQL' : 'PGlite'}), ${connections} connections, ${seconds} s per run`);
  const serverCpu = async <T>(run: () => Promise<T>): Promise<[T, number]> => {
    const cpu = () => new Promise<NodeJS.CpuUsage>((resolve) => {
      child.once('message', (message) => resolve((message as { cpu: NodeJS.CpuUsage }).cpu));
      child.send('cpu');
    });
    const before = await cpu();
    const result = await run();
    const used = await cpu();
    return [result, used.user + used.system - before.user - before.system];
  };
  if (values.only !== 'policy') await httpRuns(url, serverCpu);
  const drain = () => new Promise<number>((resolve) => {
    child.once('message', (message) => resolve((message as { drained: number }).drained));
    child.send('drain');
  });
  const serverStats = () => new Promise<PolicyServerStats>((resolve) => {
    child.once('message', (message) => resolve(message as PolicyServerStats));
    child.send('stats');
  });
  if (values.only !== 'http') {
    const ours = await policyRuns(ready.policyPort, serverCpu, drain, serverStats);
    if (!values['no-policyd'] && scratch) {
      const theirs = await createTestDatabase(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
      try {
        const other = await policydRateLimitRun(theirs.url);
        if (other) {
          console.log(
            `policyd-rate-limit (PostgreSQL, same load at RCPT) ${other.decisions.toFixed(0).padStart(8)} decisions/s   p50 ${other.p50.toFixed(2)} ms   p99 ${other.p99.toFixed(2)} ms   ` +
              `answered ${other.count}, stored ${other.stored}`,
          );
          console.log(`  ratio, storage included: ${(ours / other.decisions).toFixed(1)}× policyd-rate-limit's decisions/s   (target >= 8×)`);
        }
      } finally {
        await theirs.drop();
      }
    }
  }
  child.send('stop');
  await new Promise((resolve) => child.once('exit', resolve));
  await scratch?.drop();
}

if (values.serve) await runServer();
else await main();
