// Campaigns end to end on both engines: complaint mail in (ARF with the original message), one
// campaign out, its senders suspended, its network refused at once, and dismissal undoing it.
import { eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { allJobs } from '../../../src/jobs';
import { evaluateReputationJob } from '../../../src/jobs/evaluate-reputation';
import { createApp } from '../../../src/api/app';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { beforeEvidence, dismissCampaign, listCampaigns } from '../../../src/db/campaign-queries';
import { recentEvents } from '../../../src/db/events';
import { alertOutbox, campaignFingerprints } from '../../../src/db/schema';
import { storeSendEvents } from '../../../src/db/send-events';
import { countByAction, getSubject, listSubjects } from '../../../src/db/subjects';
import { storePrepared, zeroSourceCounts, zeroStageMs, type IngestDeps } from '../../../src/ingest/batch';
import { prepareMessage } from '../../../src/ingest/message';
import { PolicySnapshot } from '../../../src/relay/policy-snapshot';
import { detectCampaigns } from '../../../src/enforcement/campaign-detection';
import { evaluateReputation } from '../../../src/enforcement/evaluation';
import { loadSenderPolicy } from '../../../src/enforcement/sender-policy';
import { resolveJobs } from '../../../src/scheduler/scheduler';
import { testEngines } from '../../support/engines';

const opsToken = 'ops-token-0123456789abcdef01';
const config = wardenConfigSchema.parse({ auth: { tokens: [{ name: 'ops', token: opsToken, scopes: ['ops'] }] } });
const logger = pino({ level: 'silent' });
const t0 = new Date('2026-11-20T08:00:00Z');
const later = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

// A deterministic stream of unrelated words, for the good senders' distinct mail.
function wordsFrom(seed: number, count: number): string {
  let state = (seed * 2654435761) >>> 0;
  const syllables = ['ka', 'lo', 'mi', 'ren', 'to', 'sa', 'vel', 'dor', 'pin', 'que', 'ru', 'bex', 'nal', 'fo', 'zi', 'tam'];
  return Array.from({ length: count }, () => {
    let word = '';
    for (let i = 0; i < 3; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      // The high bits: an LCG's low bits repeat with a short period.
      word += syllables[(state >>> 16) % syllables.length];
    }
    return word;
  }).join(' ');
}

/** An ARF report with the complained-of message attached whole. */
function arf(input: { sender: string; messageId: string; recipient: string; subject: string; body: string; at: Date; fingerprint?: string }): Buffer {
  return Buffer.from(
    [
      'From: fbl@mailbox-provider.example',
      'To: abuse@relay.example',
      `Subject: FW: ${input.subject}`,
      `Date: ${input.at.toUTCString()}`,
      `Message-ID: <report-${input.messageId}>`,
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=feedback-report; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'This is an email abuse report.',
      '--b1',
      'Content-Type: message/feedback-report',
      '',
      'Feedback-Type: abuse',
      'User-Agent: provider-fbl/1.0',
      'Version: 1',
      `Original-Rcpt-To: ${input.recipient}`,
      `Arrival-Date: ${input.at.toUTCString()}`,
      '',
      '--b1',
      'Content-Type: message/rfc822',
      '',
      `From: ${input.sender}@customers.example`,
      `To: ${input.recipient}`,
      `Subject: ${input.subject}`,
      `Message-ID: <${input.messageId}>`,
      `X-Warden-Sender: ${input.sender}`,
      ...(input.fingerprint ? [`X-Warden-Fingerprint: ${input.fingerprint}`] : []),
      'Content-Type: text/plain; charset=utf-8',
      '',
      input.body,
      '',
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

describe.each(testEngines())('campaigns on $name', (engine) => {
  let database: Database;
  let deps: IngestDeps;
  let snapshot: PolicySnapshot;
  let sequence = 0;
  beforeEach(async () => {
    database = await engine.open();
    deps = { db: database.db, config, logger, now: t0 };
    snapshot = new PolicySnapshot(database, { throttleLimitPerHour: 100, tiers: config.tiers, campaigns: config.campaigns, refreshSeconds: 3600, logger });
    await snapshot.start();
  });
  afterEach(async () => {
    await snapshot.stop();
    await database.close();
  });

  /** `count` sends of a sender from one client address (with the relay's content fingerprint): the send log complaints join against. */
  const send = (sender: string, count: number, clientAddress: string, fingerprint?: string) =>
    storeSendEvents(
      database.db,
      Array.from({ length: count }, (_, i) => ({
        messageId: `${sender}-${i}@relay.example`,
        recipientKey: `user${i}@gmail.example`,
        sender,
        senderDomain: 'customers.example',
        recipientDomain: 'gmail.example',
        ip: '192.0.2.10',
        at: later(i),
        clientAddress,
        saslUsername: sender,
        fingerprint,
      })),
    );

  const ingest = async (reports: Buffer[], now: Date) => {
    const tally = { counts: zeroSourceCounts(), stageMs: zeroStageMs() };
    const prepared = reports.map((raw) => prepareMessage({ source: 'test', folder: 'INBOX', uidValidity: 1n, uid: ++sequence, messageKey: `m${sequence}`, raw, size: raw.length }, { maxMessageBytes: 1 << 20, holds: 'complaints', attribution: config.attribution, now }));
    expect(prepared.every((p) => p.quarantine === null)).toBe(true);
    await storePrepared({ ...deps, now }, prepared, null, tally);
    return tally.counts;
  };

  const spamReport = (sender: string, i: number, now: Date) =>
    arf({
      sender,
      messageId: `${sender}-${i}@relay.example`,
      recipient: `user${i}@gmail.example`,
      subject: `Your parcel ${1000 + i} is waiting for you today`,
      body: `Hi Customer${i},\n\nYour parcel could not be delivered because the customs fee is unpaid. Pay the small fee now at ` +
        `https://pay.parcel-fees-now.example/track?id=${sender}${i} and your parcel ships tomorrow morning by express courier. ` +
        `If you do not pay within two days the parcel goes back to the sender and you lose it.\n\nReference ${sender}-${i}-${now.getTime()}`,
      at: now,
    });

  it('catches twenty fresh senders sharing a spam domain as one campaign and suspends them, but not twenty good senders', async () => {
    const spammers = Array.from({ length: 20 }, (_, i) => `fresh-${i}`);
    const good = Array.from({ length: 20 }, (_, i) => `good-${i}`);
    for (const [i, sender] of spammers.entries()) await send(sender, 30, `198.51.100.${i + 1}`);
    for (const [i, sender] of good.entries()) await send(sender, 30, `203.0.113.${i + 1}`);

    // Twenty good senders, one unrelated complaint each: nothing shared, nothing raised.
    const goodReports = good.map((sender, i) =>
      arf({ sender, messageId: `${sender}-0@relay.example`, recipient: 'user0@gmail.example', subject: `${wordsFrom(i + 100, 4)}`, body: `${wordsFrom(i + 1, 60)} https://www.shop-${i}.example/item`, at: later(60) }),
    );
    await ingest(goodReports, later(61));
    expect(await listCampaigns(database.db, { limit: 10, offset: 0 })).toEqual([]);

    // Two complaints each from the fresh senders, under any per-sender floor (30 sends each).
    const spamReports = spammers.flatMap((sender) => [spamReport(sender, 0, later(90)), spamReport(sender, 1, later(91))]);
    const counts = await ingest(spamReports, later(92));
    expect(counts.campaigns).toBe(1);
    const [campaign] = await listCampaigns(database.db, { limit: 10, offset: 0 });
    expect(campaign).toMatchObject({ status: 'active', action: 'suspend', complaintCount: 40 });
    expect(campaign!.senders).toEqual([...spammers].sort());
    expect(campaign!.networks).toHaveLength(20);

    for (const sender of spammers) {
      const policy = await loadSenderPolicy(database.db, sender, undefined, later(93), 100, config.tiers);
      expect(policy).toMatchObject({ action: 'suspend', source: 'campaign' });
      expect(policy.reason).toMatch(new RegExp(`^campaign #${campaign!.id}: 20 senders \\(at least 5\\) share .*40 complaints from 20 senders within 72 h; fingerprints: .*url parcel-fees-now\\.example`));
      // The per-sender rate engine alone would not have acted: 2 complaints in 30 sends is under its floor.
      expect((await getSubject(database.db, 'sender', sender))!.autoAction).toBe('allow');
    }
    for (const sender of good) expect((await loadSenderPolicy(database.db, sender, undefined, later(93), 100)).action).toBe('allow');
    // The dashboard's counts and action filter read the same action in force.
    expect((await countByAction(database.db, 'sender', later(93))).suspend).toBe(20);
    const listed = await listSubjects(database.db, 'sender', { action: 'suspend', now: later(93), sort: 'id', order: 'asc', limit: 100, offset: 0 });
    expect(listed.map((row) => row.id)).toEqual([...spammers].sort());

    // On-call hears about it: one event, written with its alert outbox row.
    const [event] = await recentEvents(database.db, { type: 'campaign.suspended', limit: 5 });
    expect(event).toMatchObject({ subject: `campaign:${campaign!.id}`, severity: 'critical' });
    expect((await database.db.select().from(alertOutbox)).some((row) => row.eventId === event!.id)).toBe(true);

    // A relay request from the campaign's network, for an account never seen, is refused at once.
    await snapshot.refresh();
    expect(snapshot.lookup('brand-new', undefined, later(94), '198.51.100.7')).toMatchObject({ action: 'suspend', source: 'campaign' });
    expect(snapshot.lookup('brand-new', undefined, later(94), '203.0.113.7')).toMatchObject({ action: 'allow' });

    // A later complaint about mail a new account submitted from the campaign's network joins it at once.
    await send('fresh-late', 5, '198.51.100.3');
    await ingest([arf({ sender: 'fresh-late', messageId: 'fresh-late-0@relay.example', recipient: 'user0@gmail.example', subject: 'quarterly newsletter about our garden club', body: wordsFrom(999, 40), at: later(120) })], later(121));
    expect(await loadSenderPolicy(database.db, 'fresh-late', undefined, later(122), 100)).toMatchObject({ action: 'suspend', source: 'campaign' });
  });

  it('takes a later complaint about a member sender into its campaign, with no new sender or network, and goes on evaluating', async () => {
    const senders = Array.from({ length: 6 }, (_, i) => `rotating-${i}`);
    for (const [i, sender] of senders.entries()) await send(sender, 30, `198.51.100.${i + 1}`);
    await ingest(senders.map((sender) => spamReport(sender, 0, later(30))), later(31));
    const [campaign] = await listCampaigns(database.db, { limit: 10, offset: 0 });
    expect(campaign).toMatchObject({ complaintCount: 6 });

    // The same member, the same network: the join adds only a complaint, and takes no new policy version.
    const counts = await ingest([spamReport('rotating-0', 1, later(40))], later(41));
    expect(counts.campaigns).toBe(0);
    const [after] = await listCampaigns(database.db, { limit: 10, offset: 0 });
    expect(after).toMatchObject({ id: campaign!.id, complaintCount: 7, senders: [...senders].sort() });
    // A pass of the job reads the same complaints again and stores its decisions.
    await expect(evaluateReputationJob.run({ db: database.db, config, logger } as never, later(42))).resolves.toMatchObject({ campaignsRaised: 0, campaignsJoined: 0 });
  });

  it('weighs complaints on a shared template against the relay\'s volume: six unlucky shops raise nothing, twenty scam accounts are suspended', async () => {
    const shops = Array.from({ length: 300 }, (_, i) => `shop-${i}`);
    for (const [i, sender] of shops.entries()) await send(sender, 40, `203.0.113.${(i % 250) + 1}`, 'order-shipped-v3');
    const orderNotice = (sender: string, i: number) =>
      arf({ sender, messageId: `${sender}-${i}@relay.example`, recipient: `user${i}@gmail.example`, subject: 'Your order has shipped and is on its way', body: `Hello,\n\nyour order has shipped and is on its way. Track it at https://track.shop-platform.example/parcel and reply to this mail with any question.\n\nThanks for shopping with us!`, at: later(60), fingerprint: 'order-shipped-v3' });
    // Six complaints in 12,000 sends of the template: 0.05%, under the 0.1% line whatever share of them a campaign would take.
    await ingest(shops.slice(0, 6).map((sender) => orderNotice(sender, 3)), later(61));
    expect(await listCampaigns(database.db, { limit: 10, offset: 0 })).toEqual([]);
    expect((await detectCampaigns(database.db, config, later(62))).raised).toBe(0);

    const scammers = Array.from({ length: 20 }, (_, i) => `parcel-${i}`);
    for (const [i, sender] of scammers.entries()) await send(sender, 30, `198.51.100.${i + 1}`, 'parcel-fee');
    await ingest(scammers.flatMap((sender) => [0, 1].map((i) => arf({ sender, messageId: `${sender}-${i}@relay.example`, recipient: `user${i}@gmail.example`, subject: `Your parcel ${1000 + i} is waiting for you today`, body: `Hi,\n\nyour parcel could not be delivered: pay the customs fee at https://pay.parcel-fees-now.example/track today.\n\nRef ${sender}-${i}`, at: later(90) }))), later(91));
    const [campaign] = await listCampaigns(database.db, { limit: 10, offset: 0 });
    expect(campaign!.senders).toEqual([...scammers].sort());
    expect(campaign!.members.every((member) => member.included)).toBe(true);
    const fingerprints = await database.db.select().from(campaignFingerprints).where(eq(campaignFingerprints.campaignId, campaign!.id));
    // No header in these reports: the send log supplied the content fingerprint by Message-ID.
    expect(fingerprints.find((print) => print.kind === 'content')).toMatchObject({ value: 'parcel-fee', footing: 'volume', volume: 600, complaints: 40 });
    for (const sender of scammers) expect((await loadSenderPolicy(database.db, sender, undefined, later(92), 100)).action).toBe('suspend');
    for (const sender of shops.slice(0, 6)) expect((await loadSenderPolicy(database.db, sender, undefined, later(92), 100)).action).toBe('allow');
  });

  it('stops acting once a campaign is dismissed, and never raises it again', async () => {
    const senders = Array.from({ length: 6 }, (_, i) => `promo-${i}`);
    for (const [i, sender] of senders.entries()) await send(sender, 30, `198.51.100.${i + 1}`);
    await ingest(senders.map((sender) => spamReport(sender, 0, later(30))), later(31));
    const [campaign] = await listCampaigns(database.db, { limit: 10, offset: 0 });
    expect(campaign!.senders).toHaveLength(6);

    const app = createApp({ database, config, logger, jobs: resolveJobs(allJobs, {}), clock: () => later(40), policySnapshot: snapshot });
    const auth = { authorization: `Bearer ${opsToken}`, 'content-type': 'application/json' };
    const detail = (await (await app.request(`/api/v1/campaigns/${campaign!.id}`, { headers: auth })).json()) as { fingerprints: unknown[] };
    expect(detail).toMatchObject({ id: campaign!.id, status: 'active', senders: senders, complaints: expect.any(Array), timeline: [expect.objectContaining({ type: 'campaign.suspended' })] });
    expect(detail.fingerprints).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'url', value: 'parcel-fees-now.example', senders: 6 })]));
    const sender = await (await app.request('/api/v1/senders/promo-0', { headers: auth })).json();
    expect(sender).toMatchObject({ policy: { action: 'suspend', source: 'campaign', tier: 'new' }, tier: { tier: 'new', limitPerHour: 50, limitPerDay: 200 }, campaign: { id: campaign!.id } });

    const dismissed = await app.request(`/api/v1/campaigns/${campaign!.id}/dismiss`, { method: 'POST', headers: auth, body: JSON.stringify({ reason: 'a customer newsletter, not abuse' }) });
    expect(dismissed.status).toBe(200);
    expect(await dismissed.json()).toMatchObject({ status: 'dismissed', dismissReason: 'a customer newsletter, not abuse', dismissedBy: 'ops' });
    for (const id of senders) expect((await loadSenderPolicy(database.db, id, undefined, later(41), 100)).action).toBe('allow');
    await snapshot.refresh();
    expect(snapshot.lookup('brand-new', undefined, later(41), '198.51.100.2').action).toBe('allow');

    // The same complaints, and more of the same, no longer raise anything.
    expect(await detectCampaigns(database.db, config, later(42))).toMatchObject({ raised: 0, joined: 0 });
    await send('promo-6', 30, '198.51.100.50');
    await ingest([spamReport('promo-6', 0, later(50))], later(51));
    expect((await loadSenderPolicy(database.db, 'promo-6', undefined, later(52), 100)).action).toBe('allow');
    expect(await listCampaigns(database.db, { status: 'active', limit: 10, offset: 0 })).toEqual([]);
    expect(await dismissCampaign(database.db, campaign!.id, 'ops', 'again', later(53))).toMatchObject({ status: 'dismissed' });
    const list = (await (await app.request('/api/v1/campaigns?status=dismissed', { headers: auth })).json()) as { items: { id: number }[] };
    expect(list.items.map((c) => c.id)).toEqual([campaign!.id]);
  });

  it('shows why: each fingerprint weighed against its volume, each member acted on or only seen with its reason, and older campaigns their senders', async () => {
    // A long-standing customer: eight days of clean sends ten days ago make it established.
    for (let day = 0; day < 8; day++) {
      await storeSendEvents(
        database.db,
        Array.from({ length: 200 }, (_, i) => ({
          messageId: `veteran-history-${day}-${i}@relay.example`, recipientKey: `r${i}@gmail.example`, sender: 'veteran', senderDomain: 'customers.example',
          recipientDomain: 'gmail.example', ip: '192.0.2.10', at: new Date(t0.getTime() - (10 - day) * 86_400_000 + i * 1000),
        })),
      );
    }
    await evaluateReputation(database.db, config.reputation, t0, undefined, config.tiers);
    expect((await getSubject(database.db, 'sender', 'veteran'))!.tier).toBe('established');

    // Five fresh accounts and the veteran send the same template (the relay's fingerprint), 40 each.
    const fresh = Array.from({ length: 5 }, (_, i) => `signup-${i}`);
    for (const [i, sender] of [...fresh, 'veteran'].entries()) await send(sender, 40, `198.51.100.${i + 1}`, 'tmpl-parcel');
    await ingest([...fresh, 'veteran'].map((sender) => spamReport(sender, 0, later(90))), later(91));

    const app = createApp({ database, config, logger, jobs: resolveJobs(allJobs, {}), clock: () => later(100), policySnapshot: snapshot });
    const auth = { authorization: `Bearer ${opsToken}` };
    const list = (await (await app.request('/api/v1/campaigns', { headers: auth })).json()) as { items: { id: number; senders: string[]; alsoSeen: number }[] };
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ senders: fresh, alsoSeen: 1 });
    const id = list.items[0]!.id;
    type Detail = { members: { sender: string; included: boolean; why: string }[]; fingerprints: { kind: string; value: string; footing: string; volume: number | null; complaints: number; complaintRate: { rate: number; lower: number } | null; explanation: string }[] };
    const detail = async () => (await (await app.request(`/api/v1/campaigns/${id}`, { headers: auth })).json()) as Detail;
    const evidence = await detail();
    expect(evidence.members).toEqual([
      ...fresh.map((sender) => ({ sender, included: true, why: expect.stringMatching(/^new account, first seen 2026-11-20T00:00:00.000Z$/) })),
      { sender: 'veteran', included: false, why: expect.stringMatching(/^also seen: a sender of long standing \(tier established, first seen 2026-11-10\)/) },
    ]);
    const content = evidence.fingerprints.find((print) => print.kind === 'content');
    expect(content).toMatchObject({ value: 'tmpl-parcel', footing: 'volume', volume: 240, complaints: 6, explanation: 'volume: 6 complaints in 240 sends (at least 1.15%, over the 0.10% line)' });
    expect(content!.complaintRate!.rate).toBe(0.025);
    expect(content!.complaintRate!.lower).toBeCloseTo(0.0115, 4);
    expect(evidence.fingerprints.find((print) => print.kind === 'url')).toMatchObject({ value: 'parcel-fees-now.example', footing: 'volume', volume: 240 });
    expect((await loadSenderPolicy(database.db, 'veteran', undefined, later(101), 100)).action).toBe('allow');

    // As a campaign stored before members and footing were recorded reads: its senders, said to be such.
    await database.db.execute(sql`update campaigns set members = '[]'::jsonb where id = ${id}`);
    await database.db.execute(sql`update campaign_fingerprints set footing = 'distinct', volume = null, explanation = '' where campaign_id = ${id}`);
    const older = await detail();
    expect(older.members).toEqual(fresh.map((sender) => ({ sender, included: true, why: beforeEvidence })));
    expect(older.fingerprints.every((print) => print.footing === 'distinct' && print.volume === null && print.complaintRate === null && /before the evidence was weighed/.test(print.explanation))).toBe(true);

    // The campaigns' API document stays valid OpenAPI: no `nullable` without a type beside it.
    const document = await (await app.request('/openapi.json')).json();
    const untyped: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (!node || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      if (record.nullable === true && !('type' in record)) untyped.push(path);
      for (const [key, value] of Object.entries(record)) walk(value, `${path}/${key}`);
    };
    for (const [path, route] of Object.entries(document.paths)) if (path.startsWith('/api/v1/campaigns')) walk(route, path);
    for (const [name, schema] of Object.entries(document.components.schemas)) if (name.startsWith('Campaign')) walk(schema, name);
    expect(untyped).toEqual([]);
    expect(document.components.schemas.CampaignFingerprint.properties.volume).toMatchObject({ type: 'number', nullable: true });
  });
});
