// Realistic data for the dashboard tests: a day and a half of traffic from a few dozen senders,
// complaints (one with a subject that is an HTML injection attempt) and bounces, reputation
// decisions, blocklist listings, a firing alert with its deliveries, mailbox runs and a quarantined
// message. Written through the same storage functions the product uses, times relative to `now`.
import { gzipSync } from 'node:zlib';
import { wardenConfigSchema } from '../../src/config/schema';
import type { Db } from '../../src/db/client';
import { recordFacts } from '../../src/enforcement/facts';
import type { FactInput } from '../../src/enforcement/fact-records';
import { insertIngestRun } from '../../src/db/ingest-queries';
import { addToRollups, type RollupIncrement } from '../../src/db/rollups';
import { relayKey, alertDeliveries, alerts, dnsblChecks, dnsblListings, dnsblRuns, dnsblZoneState, events, ingestedMessages, quarantine } from '../../src/db/schema';
import { evaluateReputation } from '../../src/enforcement/evaluation';

export const xssSubject = '<img src=x onerror=alert(1)>';
/** The sender whose complaint carries `xssSubject`; suspended by its complaint rate. */
export const abusiveSender = 'mallory';
/** A clean sender the browser test suspends by hand. */
export const cleanSender = 'customer-07';
export const relayIps = ['192.0.2.10', '192.0.2.11', '192.0.2.12'];

const hourMs = 3_600_000;
const providers = ['gmail.com', 'outlook.com', 'yahoo.com', 'web.de'];

export async function seedDashboardData(db: Db, now: Date): Promise<void> {
  const rules = wardenConfigSchema.parse({}).reputation;
  const senders = Array.from({ length: 40 }, (_, i) => `customer-${String(i).padStart(2, '0')}`);
  const increments: RollupIncrement[] = [];
  const send = (sender: string, at: Date, sent: number, index: number) => {
    const counts = { sent, delivered: sent };
    const recipientDomain = providers[index % providers.length]!;
    for (const [dimension, key] of [
      ['sender', sender],
      ['sender_domain', `${sender.startsWith('customer') ? 'shop' : 'bulk'}${index % 5}.example`],
      ['recipient_domain', recipientDomain],
      ['ip', relayIps[index % relayIps.length]!],
      ['relay', relayKey],
    ] as const) {
      increments.push({ dimension, key, at, counts });
    }
  };
  // 36 hours of traffic, varying by hour and by sender, and a week of daily history before it.
  for (let hour = 0; hour < 36; hour++) {
    const at = new Date(now.getTime() - hour * hourMs);
    senders.forEach((sender, i) => send(sender, at, 20 + ((i * 7 + hour * 3) % 40), i + hour));
    send(abusiveSender, at, 60, hour);
  }
  for (let day = 2; day < 9; day++) {
    const at = new Date(now.getTime() - day * 24 * hourMs);
    senders.forEach((sender, i) => send(sender, at, 400 + ((i * 37 + day * 11) % 300), i + day));
  }
  await addToRollups(db, increments);

  const facts: FactInput[] = [];
  // mallory: 12 complaints in ~2,000 sends, the first one with an HTML injection as its subject.
  for (let i = 0; i < 12; i++) {
    facts.push({
      kind: 'complaint',
      feedbackType: 'abuse',
      dedupKey: `seed-complaint-${i}`,
      sender: abusiveSender,
      senderDomain: 'bulk.example',
      recipient: `victim${i}@${providers[i % providers.length]}`,
      ip: relayIps[i % relayIps.length],
      subject: i === 0 ? xssSubject : `Cheap watches ${i}`,
      source: 'imap:fbl/INBOX',
      occurredAt: new Date(now.getTime() - (i * 2 + 1) * hourMs),
    });
  }
  // Recipient-caused hard bounces, and blocks that judge the IP (not counted against senders).
  for (let i = 0; i < 30; i++) {
    facts.push({
      kind: 'bounce',
      reason: i % 3 === 0 ? 'blocked' : 'userunknown',
      hardBounce: true,
      status: i % 3 === 0 ? '5.7.1' : '5.1.1',
      diagnosticCode: i % 3 === 0 ? '550 5.7.1 Service unavailable; client host blocked using zen.spamhaus.org' : '550 5.1.1 <someone> user unknown <script>x</script>',
      dedupKey: `seed-bounce-${i}`,
      sender: senders[i % 6]!,
      recipient: `gone${i}@${providers[i % providers.length]}`,
      ip: relayIps[i % relayIps.length],
      subject: `Order confirmation ${i}`,
      source: 'imap:bounces/INBOX',
      occurredAt: new Date(now.getTime() - (i + 1) * hourMs),
    });
  }
  await recordFacts(db, facts);
  await evaluateReputation(db, rules, now);

  await seedBlocklists(db, now);
  await seedAlerts(db, now);
  await seedMailboxes(db, now);
}

async function seedBlocklists(db: Db, now: Date) {
  const since = new Date(now.getTime() - 5 * hourMs);
  const [run] = await db
    .insert(dnsblRuns)
    .values({ startedAt: now, finishedAt: now, targets: 3, zones: 3, checks: 9, listed: 2, refused: 0, errors: 0, unhealthyZones: 0, events: 2, queries: 15, durationMs: 120 })
    .returning({ id: dnsblRuns.id });
  const zones = [
    { zoneId: 'spamhaus-zen', zone: 'zen.spamhaus.org' },
    { zoneId: 'spamcop', zone: 'bl.spamcop.net' },
    { zoneId: 'psbl', zone: 'psbl.surriel.com' },
  ];
  const listed = new Map([
    ['192.0.2.11|spamhaus-zen', { codes: ['127.0.0.3'], severity: 'critical' as const }],
    ['192.0.2.12|psbl', { codes: ['127.0.0.2'], severity: 'warning' as const }],
  ]);
  for (const ip of relayIps) {
    for (const { zoneId, zone } of zones) {
      const listing = listed.get(`${ip}|${zoneId}`);
      await db.insert(dnsblListings).values({
        zoneId, targetKind: 'ipv4', target: ip, status: listing ? 'listed' : 'clear', since: listing ? since : new Date(now.getTime() - 72 * hourMs),
        lastListedAt: listing ? now : null, lastCheckedAt: now, codes: listing?.codes ?? [], severity: listing?.severity ?? null,
      });
      await db.insert(dnsblChecks).values({
        runId: run!.id, at: now, targetKind: 'ipv4', target: ip, zoneId, zone, outcome: listing ? 'listed' : 'clear', codes: listing?.codes ?? [],
        meanings: listing ? [{ code: listing.codes[0]!, meaning: 'listed for spam', severity: listing.severity }] : [], severity: listing?.severity ?? null, txt: [], explanation: null, durationMs: 12,
      });
    }
  }
  for (const { zoneId } of zones) await db.insert(dnsblZoneState).values({ zoneId, status: 'healthy', since: new Date(now.getTime() - 72 * hourMs), checkedAt: now });
  await db.insert(events).values({
    type: 'dnsbl.listed', severity: 'critical', subject: '192.0.2.11', at: since,
    summary: '192.0.2.11 listed on Spamhaus ZEN (zen.spamhaus.org): SBL', payload: { zoneId: 'spamhaus-zen' },
  });
}

async function seedAlerts(db: Db, now: Date) {
  const firstAt = new Date(now.getTime() - 5 * hourMs);
  const [alert] = await db
    .insert(alerts)
    .values({
      dedupKey: 'dnsbl.listed:spamhaus-zen:192.0.2.0/24', kind: 'listed', state: 'firing', severity: 'critical',
      title: '192.0.2.11 listed on Spamhaus ZEN', labels: { zone: 'spamhaus-zen' }, subjects: ['192.0.2.11'], openSubjects: ['192.0.2.11'],
      recentEvents: [], eventCount: 1, destinations: ['oncall'], firstAt, lastAt: firstAt, notifyAfter: firstAt, notifiedAt: firstAt,
    })
    .returning();
  const message = {
    kind: 'trigger' as const, createdAt: firstAt.toISOString(),
    alert: { ...alert!, firstAt: firstAt.toISOString(), lastAt: firstAt.toISOString(), resolvedAt: null, recentEvents: [] },
  };
  await db.insert(alertDeliveries).values([
    { alertId: alert!.id, destination: 'oncall', kind: 'trigger', messageId: 'msg_seed_1', message, status: 'delivered', attempts: 1, createdAt: firstAt, nextAttemptAt: firstAt, giveUpAt: now, deliveredAt: firstAt },
    { alertId: alert!.id, destination: 'chat', kind: 'trigger', messageId: 'msg_seed_2', message, status: 'dead', attempts: 8, createdAt: firstAt, nextAttemptAt: firstAt, giveUpAt: firstAt, lastError: 'HTTP 500' },
  ]);
}

async function seedMailboxes(db: Db, now: Date) {
  for (let i = 0; i < 6; i++) {
    await insertIngestRun(db, {
      source: i % 2 ? 'imap:fbl' : 'imap:bounces', startedAt: new Date(now.getTime() - i * 600_000), durationMs: 300 + i,
      outcome: i === 1 ? 'failed' : 'succeeded', fetched: 10 + i, stored: 9 + i, duplicates: 0, quarantined: i === 0 ? 1 : 0, errors: i === 1 ? 1 : 0,
      errorCode: i === 1 ? 'E_IMAP_CONNECTION' : null, error: i === 1 ? 'connection reset' : null,
    });
  }
  const raw = Buffer.from('From: someone@example.net\r\nSubject: hello\r\n\r\njust some text, no bounce\r\n');
  const [message] = await db
    .insert(ingestedMessages)
    .values({ messageKey: 'imap:bounces|INBOX|1|77', contentHash: 'seed-hash-77', source: 'imap:bounces', folder: 'INBOX', uidValidity: 1n, uid: 77, size: raw.length, outcome: 'quarantined', facts: 0, rawGzip: gzipSync(raw), ingestedAt: now })
    .returning({ id: ingestedMessages.id });
  await db.insert(quarantine).values({ messageId: message!.id, reasonCode: 'E_INGEST_NO_FACTS', reason: 'no bounce or complaint found', quarantinedAt: now });
}
