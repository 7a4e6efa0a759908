// Starts the whole demo: loopback blocklists, the webhook receiver, Relay Warden itself (warden
// serve with a generated config on a fresh PGlite directory), a day of history, then live relay
// traffic and the console. `npm run demo` calls this; so does the demo's test.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { loadConfig } from '../src/config/load';
import { startLocalDnsServer, type LocalDnsServer } from '../src/dnsbl/local-dns-server';
import { packageRoot } from '../src/package-root';
import { startAlertReceiver, type AlertReceiver } from './alert-receiver';
import { DemoBlocklists } from './blocklists';
import { demoConfig, demoConfigYaml, newDemoSecrets, type DemoSecrets } from './config';
import { DemoConsole, WardenWatcher } from './console';
import { backfillHistory } from './history';
import { Maildir } from './mail/maildir';
import { PolicyConnection, postSendEvents, type SendEvent } from './relay-client';
import { demoSenders } from './senders';
import { RelayTraffic } from './traffic';
import { WardenApi } from './warden-api';
import { startWarden, type WardenChild } from './warden-process';

export const projectRoot = packageRoot;

export interface DemoOptions {
  /** Wiped and recreated at every start. Default: data/demo in the project. */
  dataDir?: string;
  /** Port of the API and dashboard; 0 takes a free one. Default 7780. */
  port?: number;
  /** Time compression: 2 runs the story twice as fast (rates up, delays and schedules down). */
  speed?: number;
  /** Ordinary senders besides the trouble-makers. */
  senders?: number;
  /**
   * Share of a full day of ordinary senders' history to load at start (0-1). Default 0.25: PGlite
   * stores some hundreds of events a second, and the story should start within seconds.
   */
  historyShare?: number;
  /** Where console lines go. Default: stdout. */
  write?: (line: string) => void;
}

export interface RunningDemo {
  url: string;
  secrets: DemoSecrets;
  api: WardenApi;
  receiver: AlertReceiver;
  traffic: RelayTraffic;
  dataDir: string;
  /** Stops everything; resolves with warden serve's exit code (0 when it shut down cleanly). */
  stop(): Promise<{ wardenExitCode: number | null }>;
}

export class DemoStartError extends Error {
  readonly code = 'E_DEMO_START';
}

async function assertPortFree(port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', () =>
      reject(new DemoStartError(`port ${port} on 127.0.0.1 is in use (another demo or npm start?): stop it, or pass --port <n>`)),
    );
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolvePort()));
  });
}

export async function startDemo(options: DemoOptions = {}): Promise<RunningDemo> {
  const speed = options.speed ?? 1;
  const port = options.port ?? 7780;
  if (!(speed > 0 && speed <= 20)) throw new DemoStartError(`speed must be above 0 and at most 20, not ${speed}`);
  const dataDir = resolve(options.dataDir ?? join(projectRoot, 'data', 'demo'));
  const out = new DemoConsole(options.write);
  // Checked before the reset: wiping the data of a demo that is still running would break it.
  await assertPortFree(port);
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });

  const secrets = newDemoSecrets();
  const maildir = new Maildir(join(dataDir, 'mail', 'fbl'));
  // The blocklists' script runs on demo time, which starts with the live traffic.
  let liveSince: number | undefined;
  const blocklists = new DemoBlocklists(() => (liveSince === undefined ? 0 : ((Date.now() - liveSince) / 1000) * speed));
  const started: { dns?: LocalDnsServer; receiver?: AlertReceiver; warden?: WardenChild; traffic?: RelayTraffic; policy?: PolicyConnection; watcher?: WardenWatcher } = {};
  let stopping: Promise<{ wardenExitCode: number | null }> | undefined;
  // Once, whoever asks first (Ctrl-C, a test's afterAll): the rest wait for the same stop.
  const stop = () =>
    (stopping ??= (async () => {
      await started.watcher?.stop();
      await started.traffic?.stop();
      started.policy?.close();
      const wardenExitCode = (await started.warden?.stop()) ?? null;
      await started.receiver?.close();
      await started.dns?.close();
      return { wardenExitCode };
    })());
  try {
    started.dns = await startLocalDnsServer({ answer: (name, type) => blocklists.answer(name, type) });
    started.receiver = await startAlertReceiver(secrets.webhookSecret, (alert) => out.alert(alert));
    const configPath = join(dataDir, 'warden.yaml');
    const config = demoConfig({
      secrets,
      port,
      dataDir: join(dataDir, 'pglite'),
      maildir: maildir.path,
      dns: { host: started.dns.host, port: started.dns.port },
      receiverUrl: started.receiver.url,
      speed,
    });
    writeFileSync(configPath, demoConfigYaml(config));
    // Validated here first, so a mistake in the generated file reads as a config error, not a crash.
    loadConfig({ configPath, env: {} });

    out.line('starting Relay Warden (warden serve) on embedded PGlite ...');
    const logPath = join(dataDir, 'warden.log');
    started.warden = await startWarden({ configPath, logPath, cwd: projectRoot, onError: (message) => out.line(`warden error: ${message}`) });
    const warden = started.warden;
    const api = new WardenApi(warden.url, secrets.opsToken);

    const senders = demoSenders(options.senders ?? 300);
    const reportSendEvents = (events: SendEvent[]) => postSendEvents(warden.url, secrets.relayToken, events);
    const history = await backfillHistory({
      senders,
      reportSendEvents,
      maildir,
      regularShare: options.historyShare ?? 0.25,
      now: new Date(),
    });
    out.line(`loaded a day of history: ${history.events} send events through the API, ${history.reports} bounces and complaints in the Maildir`);

    started.policy = new PolicyConnection(warden.policyServer.host, warden.policyServer.port);
    const policy = started.policy;
    started.traffic = new RelayTraffic({
      senders,
      askPolicy: (question) => policy.ask(question),
      reportSendEvents,
      maildir,
      blocklists,
      speed,
      onProblem: (message) => out.line(message),
    });
    liveSince = Date.now();
    started.traffic.start();
    const traffic = started.traffic;
    const receiver = started.receiver;
    started.watcher = new WardenWatcher(api, out, () => traffic.stats, () => receiver.received.length);
    started.watcher.start(Math.max(1000, 3000 / speed));

    out.plain(
      [
        '',
        `  Relay Warden demo: ${senders.length} senders on ${warden.url}`,
        `  Dashboard   ${warden.url}/   (password ${secrets.dashboardPassword})`,
        `  Ops token   ${secrets.opsToken}   (scopes relay, ops)`,
        `  Try         curl -H "Authorization: Bearer ${secrets.opsToken}" ${warden.url}/api/v1/senders?action=suspend`,
        `  Policy      printf 'request=smtpd_access_policy\\nprotocol_state=END-OF-MESSAGE\\nsasl_username=promo-blaster\\n\\n' | nc ${warden.policyServer.host} ${warden.policyServer.port}`,
        `  Files       ${join(dataDir, 'warden.yaml')}, ${logPath}, Maildir ${maildir.path}`,
        `  Webhooks    ${receiver.url} (signed alerts are printed below)`,
        '  Ctrl-C stops everything.',
        '',
      ]
        .filter((line) => line !== '')
        .join('\n') + '\n',
    );
    return { url: warden.url, secrets, api, receiver, traffic, dataDir, stop };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
