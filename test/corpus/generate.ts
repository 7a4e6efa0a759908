// Regenerates test/fixtures/mta-corpus: real MTAs relay test messages to the scripted receiver and
// write their own bounces, which are stored with the scenario's label. Run through ./generate, which
// provides the private network namespace (loopback, DNS on 127.0.0.1, port 25) this needs.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from '../support/poll';
import { startScenarioDns } from './dns';
import { startExim } from './mta/exim';
import { startOpensmtpd } from './mta/opensmtpd';
import { startPostfix } from './mta/postfix';
import type { MtaStartOptions, QueueTimes, SendingMta } from './mta/types';
import { BOUNCE_DOMAIN, startScriptedReceiver, type CollectedBounce } from './receiver';
import { expiryQuotesCause, isTemporary, loadScenarios, type Scenario } from './scenarios';
import { submitMessage } from './submit';

const RUNNERS: Record<string, (options: MtaStartOptions) => Promise<SendingMta>> = {
  postfix: startPostfix,
  exim: startExim,
  opensmtpd: startOpensmtpd,
};
/** Messages per scenario and MTA: several recipients give several bounces of one wording. */
const COPIES = 3;
const TIMES: QueueTimes = { warnAfter: 4, giveUpAfter: Number(process.env.MTA_CORPUS_GIVE_UP ?? 25) };
const fixtures = fileURLToPath(new URL('../fixtures/mta-corpus/', import.meta.url));
const labelsPath = join(fixtures, 'labels.tsv');
const LABEL_COLUMNS = ['file', 'mta', 'notice', 'reason', 'hardBounce', 'recipient', 'scenario', 'cause'] as const;
type LabelRow = Record<(typeof LABEL_COLUMNS)[number], string>;

interface Sent {
  tag: string;
  scenario: Scenario;
  recipient: string;
}

const workRoot = process.argv[2];
const wanted = process.argv.slice(3);
if (!workRoot) throw new Error('usage: generate.ts <work dir> [mta ...] (run test/corpus/generate)');
const scenarios = loadScenarios();
const number = new Map(scenarios.map((scenario, index) => [scenario, String(index + 1).padStart(3, '0')]));
// A scenario refusing at the greeting or MAIL FROM knows no recipient yet: it is told apart by the
// loopback address its domain resolves to.
const byAddress = new Map<string, Scenario>();
for (const scenario of scenarios) if (scenario.phase === 'connect' || scenario.phase === 'mail') byAddress.set(`127.0.1.${byAddress.size + 1}`, scenario);
const addressOf = (scenario: Scenario) => [...byAddress].find(([, s]) => s === scenario)?.[0] ?? '127.0.0.1';
const byTag = new Map<string, Scenario>(scenarios.map((scenario) => [`m${number.get(scenario)}`, scenario]));
const scenarioOf = (recipient: string) => byTag.get(/^(m\d{3})-/.exec(recipient)?.[1] ?? '');

function messageFor(mta: string, scenario: Scenario, copy: number): Sent & { from: string; raw: string } {
  const tag = `m${number.get(scenario)}-${copy}`;
  const recipient = `${tag}@${scenario.domain}`;
  const from = `newsletter+${mta}-${tag}@${BOUNCE_DOMAIN}`;
  const raw = [
    `From: Warden Newsletter <newsletter@${BOUNCE_DOMAIN}>`,
    `To: <${recipient}>`,
    `Subject: Our news this month (${copy})`,
    `Message-ID: <${mta}-${tag}@${BOUNCE_DOMAIN}>`,
    `Date: ${new Date().toUTCString().replace('GMT', '+0000')}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'Hello,',
    '',
    'this is the monthly letter you subscribed to.',
    '',
  ].join('\n');
  return { tag, scenario, recipient, from, raw };
}

function labelsFor(mta: string, sent: Sent[], bounces: CollectedBounce[], firstFile: number): { rows: LabelRow[]; files: Map<string, Buffer> } {
  const rows: LabelRow[] = [];
  const files = new Map<string, Buffer>();
  let next = firstFile;
  for (const { tag, scenario, recipient } of sent) {
    const mine = bounces.filter((bounce) => bounce.rcptTo.startsWith(`newsletter+${mta}-${tag}@`)).sort((a, b) => a.receivedAt - b.receivedAt);
    mine.forEach((bounce, index) => {
      // A deferred message gets delay warnings while queued and one bounce when the MTA gives up:
      // the last notice is the expiry. A delay warning reports the receiver's refusal, so it keeps
      // the scenario's reason (soft). An expiry follows the reference analyzer's convention (Sisimai,
      // which labels the shared corpus): when the notice quotes the last refusal it is read by that
      // refusal (Exim's "mailbox is full: retry timeout exceeded" is mailboxfull, Postfix's "delivery
      // temporarily suspended: ... 421 Service not available" blocked); `expired` when the notice
      // says no more than that time ran out (see expiryQuotesCause).
      // Postfix and OpenSMTPD defer a 5xx greeting (smtp_skip_5xx_greeting: another MX may answer),
      // so more than one notice also means the MTA queued the message.
      const temporary = isTemporary(scenario) || mine.length > 1;
      const notice = !temporary ? 'bounce' : index === mine.length - 1 ? 'expiry' : 'delay';
      const file = `${mta}/${String(next++).padStart(4, '0')}.eml`;
      files.set(file, bounce.raw);
      rows.push({
        file, mta, notice, recipient, scenario: scenario.id, cause: scenario.reason,
        reason: notice === 'expiry' && !expiryQuotesCause(bounce.raw.toString('latin1'), scenario) ? 'expired' : scenario.reason,
        hardBounce: String(notice === 'bounce' && scenario.hardBounce),
      });
    });
    if (mine.length === 0) console.warn(`${mta}: no bounce for ${scenario.id} (${recipient})`);
  }
  return { rows, files };
}

async function runMta(mta: string): Promise<{ sent: Sent[]; server: SendingMta }> {
  const root = join(workRoot!, mta);
  mkdirSync(root, { recursive: true });
  const server = await RUNNERS[mta]!({ root, times: TIMES });
  const messages = scenarios.flatMap((scenario) => Array.from({ length: COPIES }, (_, i) => messageFor(mta, scenario, i + 1)));
  for (const message of messages) await submitMessage(server.host, server.port, { from: message.from, to: [message.recipient], raw: message.raw });
  console.log(`${mta}: ${messages.length} messages submitted`);
  return { sent: messages, server };
}

function readLabels(): LabelRow[] {
  if (!existsSync(labelsPath)) return [];
  const [, ...lines] = readFileSync(labelsPath, 'utf8').trim().split('\n');
  return lines.map((line) => Object.fromEntries(line.split('\t').map((value, i) => [LABEL_COLUMNS[i], value])) as LabelRow);
}

async function main(): Promise<void> {
  const mtas = wanted.length > 0 ? wanted : Object.keys(RUNNERS);
  const dns = await startScenarioDns(scenarios, addressOf);
  const receiver = await startScriptedReceiver({ scenarios, byAddress, scenarioOf });
  const runs: Array<{ mta: string; sent: Sent[]; server: SendingMta }> = [];
  try {
    for (const mta of mtas) runs.push({ mta, ...(await runMta(mta)) });
    // Every MTA's queue drains once each message is bounced (or expired) and each bounce delivered.
    // OpenSMTPD works through the receiver's one route a domain at a time, a few seconds each.
    const drainSeconds = TIMES.giveUpAfter + 120 + 6 * scenarios.length;
    for (const { mta, server } of runs) {
      await waitFor(() => server.queued() === 0, { timeoutMs: drainSeconds * 1000, intervalMs: 500, what: `${mta}'s queue to drain` }).catch((error: Error) => {
        console.warn(`${error.message}\n${server.log().slice(-3000)}`);
      });
    }
  } finally {
    for (const { mta, server } of runs) {
      await server.stop();
      writeFileSync(join(workRoot!, mta, 'mta.log'), server.log());
    }
    await receiver.close();
    await dns.close();
  }
  const kept = readLabels().filter((row) => !mtas.includes(row.mta));
  const rows = [...kept];
  for (const { mta, sent } of runs) {
    rmSync(join(fixtures, mta), { recursive: true, force: true });
    mkdirSync(join(fixtures, mta), { recursive: true });
    const { rows: mine, files } = labelsFor(mta, sent, receiver.bounces, 1);
    for (const [file, raw] of files) writeFileSync(join(fixtures, file), raw);
    rows.push(...mine);
    console.log(`${mta}: ${files.size} bounces written`);
  }
  rows.sort((a, b) => a.file.localeCompare(b.file));
  writeFileSync(labelsPath, [LABEL_COLUMNS.join('\t'), ...rows.map((row) => LABEL_COLUMNS.map((c) => row[c]).join('\t'))].join('\n') + '\n');
  console.log(`labels: ${rows.length} rows in ${labelsPath}`);
}

await main();
