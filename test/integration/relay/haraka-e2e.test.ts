// The real Haraka 3.x (the devDependency) with the project's plugin, asking the real `warden serve`,
// mail sent with swaks: a suspended sender gets 5xx, a throttled one 4xx past its limit (counted
// across two Haraka processes), a good one 250, and with Relay Warden down mail flows (fail open) or,
// with on_error=defer, is deferred with 4.3.5; so is a recipient when the suppression check alone fails.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request as forward } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { harakaUnavailable, startHaraka, type RunningHaraka } from '../../support/haraka';
import { waitFor } from '../../support/poll';
import { sendMail as swaks, sendToRecipients, swaksUnavailable } from '../../support/swaks';
import { startServe } from '../../support/warden-process';

const unavailable = harakaUnavailable() ?? swaksUnavailable();
if (unavailable) {
  if (process.env.CI === 'true') throw new Error(`CI=true requires the Haraka end-to-end test: ${unavailable}`);
  console.warn(`[skip] Haraka end-to-end test: ${unavailable}`);
}

const opsToken = 'ops-token-0123456789abcdef01';
const relayToken = 'relay-token-0123456789abcdef0';

const sendMail = (port: number, from: string, auth?: { user: string; password: string }) => swaks({ port, from, auth });

/**
 * A loopback proxy in front of `warden serve` that answers 503 to the suppression check alone: the
 * sender is judged (and its message counted) by the real server, and only the RCPT TO check fails.
 */
async function startFailingSuppressionCheck(target: string) {
  const refused: string[] = [];
  const server = createServer((request, response) => {
    if (request.url?.startsWith('/api/v1/suppressions/check')) {
      refused.push(`${request.method} ${request.url}`);
      request.resume();
      response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"E_UNAVAILABLE","message":"unavailable"}}');
      return;
    }
    const forwarded = forward(new URL(request.url ?? '/', target), { method: request.method, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    forwarded.on('error', (error) => response.destroy(error));
    request.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, refused, close };
}

describe.skipIf(unavailable)('Haraka with the relay_warden plugin asking warden serve', () => {
  let cwd: string;
  let serve: Awaited<ReturnType<typeof startServe>>;
  /** Senders are envelope addresses (sender_from=mail_from), relaying allowed from loopback. */
  let byAddress: RunningHaraka;
  /** Senders are SMTP AUTH logins (sender_from=auth_user). */
  let byLogin: RunningHaraka;
  let harakaDidNotStart: string | undefined;
  const api = (path: string, init: RequestInit = {}, token = opsToken) =>
    fetch(`${serve.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
  const policyOf = async (sender: string) => (await api(`/api/v1/policy/senders/${encodeURIComponent(sender)}`, {}, relayToken)).json();

  beforeAll(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'warden-haraka-e2e-'));
    writeFileSync(
      join(cwd, 'warden.yaml'),
      [
        'database:',
        '  dataDir: memory://',
        'scheduler:',
        '  enabled: false',
        'auth:',
        '  tokens:',
        `    - { name: ops, token: ${opsToken}, scopes: [ops] }`,
        `    - { name: haraka, token: ${relayToken}, scopes: [relay] }`,
        'suppression:',
        '  key: suppression-key-for-tests-0123456789abcdef',
        '',
      ].join('\n'),
    );
    serve = await startServe({ cwd, env: { LOG_LEVEL: 'info' } });
    for (const [sender, override] of [
      ['mallory@shop.example', { action: 'suspend', reason: 'phishing kit reported' }],
      ['trudy@shop.example', { action: 'throttle', reason: 'new account', limitPerHour: 1 }],
      // Suspended, and first asked about while Relay Warden is down: no answer cached for it.
      ['oscar@shop.example', { action: 'suspend', reason: 'phishing kit reported' }],
    ] as const) {
      const response = await api(`/api/v1/senders/${encodeURIComponent(sender)}/override`, { method: 'POST', body: JSON.stringify(override) });
      expect(response.status, await response.text()).toBeLessThan(300);
    }
    await waitFor(async () => (await policyOf('trudy@shop.example')).action === 'throttle' && (await policyOf('oscar@shop.example')).action === 'suspend', {
      what: 'the overrides in the snapshot',
    });
    try {
      await startBoth();
    } catch (error) {
      // Installed but unable to start (a broken install, a missing optional module): skipped with the
      // reason, except in CI, where the test must run.
      if (process.env.CI === 'true') throw error;
      harakaDidNotStart = (error as Error).message;
      console.warn(`[skip] Haraka end-to-end test: Haraka did not start: ${harakaDidNotStart}`);
    }
  }, 90_000);

  const startBoth = async () => {
    const ini = (senderFrom: string) =>
      `[main]\nurl=${serve.url}\ntoken=${relayToken}\nsender_from=${senderFrom}\ntimeout_ms=2000\ncache_seconds=10\n`;
    const [first, second] = await Promise.allSettled([
      startHaraka({
        plugins: ['relay', 'relay_warden', 'queue/discard'],
        config: { 'relay.ini': '[relay]\nacl=true\n', relay_acl_allow: '127.0.0.0/8\n', 'relay_warden.ini': ini('mail_from') },
      }),
      startHaraka({
        plugins: ['auth/flat_file', 'relay_warden', 'queue/discard'],
        config: {
          'auth_flat_file.ini': '[core]\nmethods=PLAIN,LOGIN\n[users]\ntrudy@shop.example=trudy-password\nmallory=mallory-password\nalice=alice-password\n',
          'relay_warden.ini': ini('auth_user'),
        },
      }),
    ]);
    // Kept even when the other failed, so afterAll stops it.
    if (first.status === 'fulfilled') byAddress = first.value;
    if (second.status === 'fulfilled') byLogin = second.value;
    if (first.status === 'rejected') throw first.reason;
    if (second.status === 'rejected') throw second.reason;
  };

  afterAll(async () => {
    await byAddress?.stop();
    await byLogin?.stop();
    if (serve && serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('accepts mail from a good sender with 250, and counts it on the server', async ({ skip }) => {
    skip(harakaDidNotStart !== undefined, harakaDidNotStart);
    expect(await sendMail(byAddress.smtpPort, 'alice@shop.example')).toMatch(/^250 /);
    expect(await sendMail(byLogin.smtpPort, 'alice@shop.example', { user: 'alice', password: 'alice-password' })).toMatch(/^250 /);
    // A new sender has its tier's limits, so its answer carries the shared count.
    expect(await policyOf('alice@shop.example')).toMatchObject({ action: 'allow', acceptedThisHour: 1 });
    expect(await policyOf('alice')).toMatchObject({ action: 'allow', acceptedThisHour: 1 });
  });

  it('refuses a suspended sender with 550 5.7.1 at MAIL FROM, by envelope address and by login', async ({ skip }) => {
    skip(harakaDidNotStart !== undefined, harakaDidNotStart);
    expect(await sendMail(byAddress.smtpPort, 'mallory@shop.example')).toMatch(/^550 5\.7\.1 Sender mallory@shop\.example is suspended/);
    await api('/api/v1/senders/mallory/override', { method: 'POST', body: JSON.stringify({ action: 'suspend', reason: 'phishing' }) });
    await waitFor(async () => (await policyOf('mallory')).action === 'suspend', { what: 'the login suspended' });
    expect(await sendMail(byLogin.smtpPort, 'someone@else.example', { user: 'mallory', password: 'mallory-password' })).toMatch(/^550 5\.7\.1 Sender mallory is suspended/);
  });

  it('defers a throttled sender past its limit with 450 4.7.1, counting across Haraka processes', async ({ skip }) => {
    skip(harakaDidNotStart !== undefined, harakaDidNotStart);
    expect(await sendMail(byAddress.smtpPort, 'trudy@shop.example')).toMatch(/^250 /);
    // The second message goes through the other Haraka process, logging in as the same sender id.
    expect(await sendMail(byLogin.smtpPort, 'trudy@shop.example', { user: 'trudy@shop.example', password: 'trudy-password' })).toMatch(
      /^450 4\.7\.1 Sender trudy@shop\.example is over its limit of 1 messages per hour/,
    );
    expect(await sendMail(byAddress.smtpPort, 'trudy@shop.example')).toMatch(/^450 4\.7\.1 /);
    // The deferred messages were not counted.
    expect(await policyOf('trudy@shop.example')).toMatchObject({ action: 'throttle', acceptedThisHour: 1 });
  });

  it('refuses a suppressed recipient with 550 5.7.1 at RCPT TO and delivers to the other', async ({ skip }) => {
    skip(harakaDidNotStart !== undefined, harakaDidNotStart);
    const added = await api('/api/v1/suppressions', { method: 'POST', body: JSON.stringify({ address: 'r@example.net', note: 'complained by phone' }) });
    expect(added.status, await added.text()).toBe(201);
    const check = async () => (await api('/api/v1/suppressions/check', { method: 'POST', body: JSON.stringify({ recipients: ['r@example.net'] }) }, relayToken)).json();
    await waitFor(async () => (await check()).suppressed === 1, { what: 'the entry in the snapshot' });
    const dialogue = await sendToRecipients({ port: byAddress.smtpPort, from: 'alice@shop.example', to: ['r@example.net', 's@example.net'] });
    expect(dialogue.recipients.get('r@example.net')).toMatch(/^550 5\.7\.1 .*suppressed/);
    expect(dialogue.recipients.get('s@example.net')).toMatch(/^250 /);
    expect(dialogue.endOfData, dialogue.transcript).toMatch(/^250 /);
    expect(byAddress.log()).toMatch(/recipient refused: suppressed \(manual, relay scope\)/);
  });

  it('defers a recipient with 450 4.3.5 when only the suppression check fails and on_error=defer, and lets it through with on_error=accept', async ({ skip }) => {
    skip(harakaDidNotStart !== undefined, harakaDidNotStart);
    const proxy = await startFailingSuppressionCheck(serve.url);
    const ini = (onError: string) => `[main]\nurl=${proxy.url}\ntoken=${relayToken}\nsender_from=mail_from\ntimeout_ms=2000\non_error=${onError}\n`;
    const relayConfig = { 'relay.ini': '[relay]\nacl=true\n', relay_acl_allow: '127.0.0.0/8\n' };
    const [deferring, accepting] = await Promise.allSettled(
      ['defer', 'accept'].map((onError) =>
        startHaraka({ plugins: ['relay', 'relay_warden', 'queue/discard'], config: { ...relayConfig, 'relay_warden.ini': ini(onError) } }),
      ),
    );
    try {
      if (deferring!.status === 'rejected') throw deferring!.reason;
      if (accepting!.status === 'rejected') throw accepting!.reason;

      const deferred = await sendToRecipients({ port: deferring!.value.smtpPort, from: 'peggy@shop.example', to: ['s@example.net'] });
      expect(deferred.mailFrom, deferred.transcript).toMatch(/^250 /);
      expect(deferred.recipients.get('s@example.net'), deferred.transcript).toMatch(/^450 4\.3\.5 Recipient policy service unavailable; try again later/);
      expect(deferred.endOfData).toBeUndefined();
      expect(deferring!.value.log()).toMatch(/Relay Warden not asked about a recipient \(Relay Warden answered 503\); deferring it \(on_error=defer\)/);

      // r@example.net is suppressed (the test above): the failed check lets even it through.
      const accepted = await sendToRecipients({ port: accepting!.value.smtpPort, from: 'walter@shop.example', to: ['r@example.net'] });
      expect(accepted.mailFrom, accepted.transcript).toMatch(/^250 /);
      expect(accepted.recipients.get('r@example.net'), accepted.transcript).toMatch(/^250 /);
      expect(accepted.endOfData, accepted.transcript).toMatch(/^250 /);
      expect(accepting!.value.log()).toMatch(/Relay Warden not asked about a recipient \(Relay Warden answered 503\); letting it through \(on_error=accept\)/);

      expect(proxy.refused).toEqual(['POST /api/v1/suppressions/check', 'POST /api/v1/suppressions/check']);
      // The senders were asked about through the proxy: the accepted message is counted, the deferred one not.
      expect(await policyOf('walter@shop.example')).toMatchObject({ action: 'allow', acceptedThisHour: 1 });
      expect(await policyOf('peggy@shop.example')).toMatchObject({ action: 'allow', acceptedThisHour: 0 });
    } finally {
      if (deferring!.status === 'fulfilled') await deferring!.value.stop();
      if (accepting!.status === 'fulfilled') await accepting!.value.stop();
      await proxy.close();
    }
  });

  it('lets mail through when Relay Warden is down (on_error=accept, the default)', async ({ skip }) => {
    skip(harakaDidNotStart !== undefined, harakaDidNotStart);
    serve.child.kill('SIGTERM');
    await serve.exited;
    expect(await sendMail(byAddress.smtpPort, 'oscar@shop.example')).toMatch(/^250 /);
    expect(byAddress.log()).toMatch(/Relay Warden not asked for oscar@shop\.example .*letting the message through/);
  });

  it('defers mail with 450 4.3.5 when Relay Warden is down and on_error=defer', async ({ skip }) => {
    skip(harakaDidNotStart !== undefined, harakaDidNotStart);
    if (serve.child.exitCode === null) {
      serve.child.kill('SIGTERM');
      await serve.exited;
    }
    const deferring = await startHaraka({
      plugins: ['relay', 'relay_warden', 'queue/discard'],
      config: {
        'relay.ini': '[relay]\nacl=true\n',
        relay_acl_allow: '127.0.0.0/8\n',
        'relay_warden.ini': `[main]\nurl=${serve.url}\ntoken=${relayToken}\nsender_from=mail_from\ntimeout_ms=2000\non_error=defer\n`,
      },
    });
    try {
      expect(await sendMail(deferring.smtpPort, 'oscar@shop.example')).toMatch(/^450 4\.3\.5 Sender policy service unavailable/);
      expect(deferring.log()).toMatch(/Relay Warden not asked for oscar@shop\.example .*deferring the message \(on_error=defer\)/);
    } finally {
      await deferring.stop();
    }
  });
});
