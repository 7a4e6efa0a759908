// The reputation engine end to end on both engines: send events and facts in, decisions out.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reputationConfig } from '../../../src/config/reputation';
import type { Database } from '../../../src/db/client';
import { recentEvents } from '../../../src/db/events';
import { recordFacts } from '../../../src/enforcement/facts';
import { storeSendEvents } from '../../../src/db/send-events';
import { auditLog, getSubject, writeOverride } from '../../../src/db/subjects';
import { evaluateReputation } from '../../../src/enforcement/evaluation';
import { actOnStoredFacts } from '../../../src/enforcement/facts';
import { wardenConfigSchema } from '../../../src/config/schema';
import { clearChangeMarks, loadEvaluationInputs } from '../../../src/db/evaluation-inputs';
import { queryRows } from '../../../src/db/client';
import { sql } from 'drizzle-orm';
import { loadSenderPolicy } from '../../../src/enforcement/sender-policy';
import { testEngines } from '../../support/engines';

const rules = reputationConfig.parse({});
const t0 = new Date('2026-11-20T12:00:00Z');
const hours = (n: number) => new Date(t0.getTime() + n * 3_600_000);

async function send(db: Database['db'], sender: string, count: number, at: Date, domain = 'customers.example') {
  const events = Array.from({ length: count }, (_, i) => ({
    messageId: `<${sender}-${at.getTime()}-${i}@relay.example>`,
    recipientKey: `r${i}@gmail.example`,
    sender,
    senderDomain: domain,
    recipientDomain: 'gmail.example',
    ip: '192.0.2.10',
    at: new Date(at.getTime() + i),
  }));
  return storeSendEvents(db, events);
}

async function complain(db: Database['db'], sender: string, count: number, at: Date, domain = 'customers.example') {
  return recordFacts(
    db,
    Array.from({ length: count }, (_, i) => ({
      dedupKey: `fbl-${sender}-${at.getTime()}-${i}`,
      kind: 'complaint' as const,
      reason: 'feedback',
      feedbackType: 'abuse',
      recipient: `r${i}@gmail.example`,
      sender,
      senderDomain: domain,
      source: 'test',
      occurredAt: at,
    })),
  );
}

describe.each(testEngines())('reputation decisions on $name', (engine) => {
  let database: Database;
  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.close());

  it('throttles a sender at 3 complaints in 1,000 sends', async () => {
    await send(database.db, 'alice', 1000, hours(0));
    await complain(database.db, 'alice', 3, hours(1));
    const summary = await evaluateReputation(database.db, rules, hours(2));
    // The sender and its sender domain (all of whose traffic it is) are both throttled.
    expect(summary).toMatchObject({ throttled: 2, suspended: 0 });
    const policy = await loadSenderPolicy(database.db, 'alice', 'customers.example', hours(2), rules.throttleLimitPerHour);
    expect(policy).toMatchObject({ action: 'throttle', source: 'automatic', limitPerHour: 100 });
    expect(policy.reason).toMatch(/complaint rate 0\.300% over 24h \(3 of 1000 sends; 95% lower bound 0\.102%, at or over the throttle line 0\.100%\)/);
  });

  it('does not act on 1 complaint in 20 sends: the volume is under the floor', async () => {
    await send(database.db, 'bob', 20, hours(0));
    await complain(database.db, 'bob', 1, hours(1));
    const summary = await evaluateReputation(database.db, rules, hours(2));
    expect(summary.changed).toBe(0);
    const policy = await loadSenderPolicy(database.db, 'bob', undefined, hours(2), rules.throttleLimitPerHour);
    expect(policy.action).toBe('allow');
    expect((await getSubject(database.db, 'sender', 'bob'))!.autoReason).toContain('under 200 sends in every window');
  });

  it('after a rules change re-decides every subject at or over the volume floor, and leaves the rest unread', async () => {
    await send(database.db, 'dave', 1000, hours(0));
    await complain(database.db, 'dave', 2, hours(1));
    await send(database.db, 'erin', 20, hours(0), 'small.example');
    await complain(database.db, 'erin', 1, hours(1), 'small.example');
    const first = await evaluateReputation(database.db, rules, hours(2));
    expect(first).toMatchObject({ senders: 2, throttled: 0 });
    // Stricter lines: dave's 2 in 1,000 (lower bound 0.055%) now crosses the throttle line.
    const stricter = reputationConfig.parse({ complaintRate: { warn: 0.0002, throttle: 0.0005, suspend: 0.003 } });
    const second = await evaluateReputation(database.db, stricter, hours(2));
    // dave and customers.example (all of whose traffic is his); erin's domain is under the floor too.
    expect(second).toMatchObject({ senders: 1, domains: 1, throttled: 2 });
    expect((await getSubject(database.db, 'sender', 'dave'))!.autoAction).toBe('throttle');
    // erin (20 sends: no rules can act on her) was not read, and her stored state stands.
    expect((await getSubject(database.db, 'sender', 'erin'))!).toMatchObject({ autoAction: 'allow', sent24h: 20, complaints24h: 1 });
  });

  it('suspends a sender at 10 complaints in 1,000 sends', async () => {
    await send(database.db, 'carol', 1000, hours(0));
    await complain(database.db, 'carol', 10, hours(1));
    await evaluateReputation(database.db, rules, hours(2));
    const policy = await loadSenderPolicy(database.db, 'carol', undefined, hours(2), rules.throttleLimitPerHour);
    expect(policy.action).toBe('suspend');
    expect(policy.limitPerHour).toBeNull();
  });

  it('does not count a block of our IP as the sender’s hard bounce', async () => {
    await send(database.db, 'dave', 1000, hours(0));
    await recordFacts(
      database.db,
      Array.from({ length: 200 }, (_, i) => ({
        dedupKey: `dsn-dave-${i}`,
        kind: 'bounce' as const,
        reason: 'blocked',
        hardBounce: true,
        recipient: `r${i}@gmail.example`,
        sender: 'dave',
        ip: '192.0.2.10',
        source: 'test',
        occurredAt: hours(1),
      })),
    );
    await evaluateReputation(database.db, rules, hours(2));
    const dave = await getSubject(database.db, 'sender', 'dave');
    expect(dave).toMatchObject({ autoAction: 'allow', hardBounces24h: 0, sent24h: 1000 });
  });

  it('releases a throttled sender only after the cool-down under the warn line', async () => {
    await send(database.db, 'erin', 1000, hours(0));
    await complain(database.db, 'erin', 3, hours(1));
    await evaluateReputation(database.db, rules, hours(2));
    // Eight days later the old traffic has left the 24h and 7d windows; the new traffic is clean.
    await send(database.db, 'erin', 2000, hours(24 * 8));
    await evaluateReputation(database.db, rules, hours(24 * 8 + 1));
    let policy = await loadSenderPolicy(database.db, 'erin', undefined, hours(24 * 8 + 1), rules.throttleLimitPerHour);
    expect(policy.action).toBe('throttle');
    expect((await getSubject(database.db, 'sender', 'erin'))!.clearSince!.toISOString()).toBe(hours(24 * 8 + 1).toISOString());
    await evaluateReputation(database.db, rules, hours(24 * 8 + 12));
    expect((await loadSenderPolicy(database.db, 'erin', undefined, hours(24 * 8 + 12), 100)).action).toBe('throttle');
    const summary = await evaluateReputation(database.db, rules, hours(24 * 8 + 25));
    expect(summary.released).toBe(2);
    policy = await loadSenderPolicy(database.db, 'erin', undefined, hours(24 * 8 + 25), rules.throttleLimitPerHour);
    expect(policy.action).toBe('allow');
    expect(policy.reason).toMatch(/^released after 24 h under the warn line/);
  });

  it('keeps an action in force while the rate is still over the warn line', async () => {
    await send(database.db, 'frank', 1000, hours(0));
    await complain(database.db, 'frank', 10, hours(1));
    await evaluateReputation(database.db, rules, hours(2));
    await evaluateReputation(database.db, rules, hours(30));
    // 7d window still holds 10 in 1,000: suspended, not released, no cool-down running.
    const frank = await getSubject(database.db, 'sender', 'frank');
    expect(frank).toMatchObject({ autoAction: 'suspend', clearSince: null });
  });

  it('lets a manual override win until it expires', async () => {
    await send(database.db, 'gina', 1000, hours(0));
    await complain(database.db, 'gina', 10, hours(1));
    await evaluateReputation(database.db, rules, hours(2));
    await writeOverride(
      database.db,
      'sender',
      'gina',
      { action: 'allow', reason: 'complaints came from a bought list, customer removed it', until: hours(26), limitPerHour: null, by: 'ops' },
      'ops',
      'reviewed',
      hours(2),
    );
    const during = await loadSenderPolicy(database.db, 'gina', undefined, hours(3), rules.throttleLimitPerHour);
    expect(during).toMatchObject({ action: 'allow', source: 'manual' });
    expect(during.reason).toContain('bought list');
    // Automatic evaluation goes on underneath and does not undo the override.
    await evaluateReputation(database.db, rules, hours(4));
    expect((await loadSenderPolicy(database.db, 'gina', undefined, hours(5), 100)).source).toBe('manual');
    const after = await loadSenderPolicy(database.db, 'gina', undefined, hours(27), rules.throttleLimitPerHour);
    expect(after).toMatchObject({ action: 'suspend', source: 'automatic' });
  });

  it('applies a sender domain’s suspension to each of its senders', async () => {
    // Forty senders of one domain, each under the volume floor, together well over it.
    for (let i = 0; i < 40; i++) {
      await send(database.db, `shop${i}`, 50, hours(0), 'bulk-shop.example');
      await complain(database.db, `shop${i}`, 1, hours(1), 'bulk-shop.example');
    }
    await evaluateReputation(database.db, rules, hours(2));
    expect((await getSubject(database.db, 'domain', 'bulk-shop.example'))!.autoAction).toBe('suspend');
    expect((await getSubject(database.db, 'sender', 'shop7'))!.autoAction).toBe('allow');
    const policy = await loadSenderPolicy(database.db, 'shop7', 'bulk-shop.example', hours(2), rules.throttleLimitPerHour);
    expect(policy).toMatchObject({ action: 'suspend', source: 'domain' });
    expect(policy.reason).toMatch(/^sender domain bulk-shop\.example is suspend: complaint rate 2\.00% over 24h \(40 of 2000 sends/);
    // The same sender sending from another domain is not held by it.
    expect((await loadSenderPolicy(database.db, 'shop7', 'other.example', hours(2), 100)).action).toBe('allow');
  });

  it('explains every decision in the audit log and emits an event for it', async () => {
    await send(database.db, 'hank', 1000, hours(0));
    await complain(database.db, 'hank', 3, hours(1));
    await evaluateReputation(database.db, rules, hours(2));
    await complain(database.db, 'hank', 7, hours(3));
    await evaluateReputation(database.db, rules, hours(4));
    await writeOverride(database.db, 'sender', 'hank', null, 'ops', 'nothing to clear, checking the audit', hours(5));
    const audit = await auditLog(database.db, 'sender', 'hank', 10);
    expect(audit.map((a) => [a.source, a.fromAction, a.toAction])).toEqual([
      ['manual', 'suspend', 'suspend'],
      ['automatic', 'throttle', 'suspend'],
      ['automatic', 'allow', 'throttle'],
    ]);
    expect(audit[1]!.figures).toMatchObject({ metric: 'complaintRate', window: '24h', events: 10, sent: 1000, rule: 'complaintRate.suspend', minVolume: 200 });
    expect(audit[2]!.reason).toContain('3 of 1000 sends');
    const emitted = (await recentEvents(database.db, { limit: 10 })).filter((e) => e.subject === 'sender:hank');
    expect(emitted.map((e) => e.type)).toEqual(['sender.override_cleared', 'sender.suspended', 'sender.throttled']);
    expect(emitted[1]).toMatchObject({ severity: 'critical', subject: 'sender:hank' });
    // The sender domain rides along, so alerting makes the sender and its domain one incident.
    expect(emitted[1]!.payload).toMatchObject({ kind: 'sender', id: 'hank', fromAction: 'throttle', toAction: 'suspend', domain: 'customers.example' });
  });

  it('suspends a sender on the complaint that crosses the line, without waiting for the next pass', async () => {
    await send(database.db, 'kate', 1000, hours(0));
    await evaluateReputation(database.db, rules, hours(1));
    const complaints = Array.from({ length: 10 }, (_, i) => ({
      dedupKey: `kate-${i}`,
      kind: 'complaint' as const,
      feedbackType: 'abuse',
      sender: 'kate',
      senderDomain: 'customers.example',
      source: 'test',
      occurredAt: hours(2),
    }));
    // What mailbox ingestion does with the facts of a batch: store them, then act on them.
    const stored = await recordFacts(database.db, complaints);
    const acted = await actOnStoredFacts({ db: database.db, config: wardenConfigSchema.parse({ reputation: rules }), now: hours(2) }, stored);
    expect(acted.evaluation).toMatchObject({ senders: 1, suspended: 2 });
    expect((await loadSenderPolicy(database.db, 'kate', undefined, hours(2), 100)).action).toBe('suspend');
  });

  it('re-reads only what changed: nothing after a quiet minute, a sender whose sends left a window', async () => {
    await send(database.db, 'lena', 500, hours(0));
    await send(database.db, 'mike', 400, hours(3));
    expect(await evaluateReputation(database.db, rules, hours(4))).toMatchObject({ senders: 2 });
    expect(await evaluateReputation(database.db, rules, new Date(hours(4).getTime() + 60_000))).toMatchObject({ senders: 0, domains: 0 });
    await send(database.db, 'mike', 10, hours(5));
    expect(await evaluateReputation(database.db, rules, hours(5))).toMatchObject({ senders: 1 });
    expect(await getSubject(database.db, 'sender', 'mike')).toMatchObject({ sent24h: 410 });
    // A day later lena's sends have left the 24-hour window (but not the 7-day one).
    expect(await evaluateReputation(database.db, rules, hours(25))).toMatchObject({ senders: 1 });
    expect(await getSubject(database.db, 'sender', 'lena')).toMatchObject({ sent24h: 0, sent7d: 500 });
    expect(await getSubject(database.db, 'sender', 'mike')).toMatchObject({ sent24h: 410 });
  });

  it('looks at every subject again when the rules change', async () => {
    await send(database.db, 'nina', 2000, hours(0));
    await complain(database.db, 'nina', 1, hours(1));
    await evaluateReputation(database.db, rules, hours(2));
    expect(await evaluateReputation(database.db, rules, hours(2.5))).toMatchObject({ senders: 0 });
    const stricter = reputationConfig.parse({ complaintRate: { warn: 0.00001, throttle: 0.00005, suspend: 0.05 } });
    const summary = await evaluateReputation(database.db, stricter, hours(3));
    expect(summary).toMatchObject({ senders: 1, throttled: 2 });
  });

  it('decides a rules change a day later on the counts as they are then, whether re-read or stored', async () => {
    // 1 complaint in 2,000 sends: allowed under the default lines, so neither has an action in
    // force. olga's sends leave the 24-hour window before the change (her counts are read anew);
    // pete's have not moved since the previous pass (they come from his stored state).
    await send(database.db, 'olga', 2000, hours(0), 'olga.example');
    await complain(database.db, 'olga', 1, hours(1), 'olga.example');
    await send(database.db, 'pete', 2000, hours(20), 'pete.example');
    await complain(database.db, 'pete', 1, hours(21), 'pete.example');
    expect(await evaluateReputation(database.db, rules, hours(22))).toMatchObject({ changed: 0 });
    const stricter = reputationConfig.parse({ complaintRate: { warn: 0.00001, throttle: 0.00005, suspend: 0.05 } });
    const summary = await evaluateReputation(database.db, stricter, hours(25));
    expect(summary).toMatchObject({ senders: 2, domains: 2, throttled: 4 });
    const olga = await getSubject(database.db, 'sender', 'olga');
    expect(olga).toMatchObject({ autoAction: 'throttle', sent24h: 0, complaints24h: 0, sent7d: 2000, complaints7d: 1 });
    expect(olga!.autoReason).toContain('over 7d');
    const pete = await getSubject(database.db, 'sender', 'pete');
    expect(pete).toMatchObject({ autoAction: 'throttle', sent24h: 2000, complaints24h: 1 });
    expect(pete!.autoReason).toContain('over 24h');
  });

  it('clears only the change marks a pass read: a change stored meanwhile is read by the next pass', async () => {
    await send(database.db, 'quinn', 300, hours(0));
    await send(database.db, 'rita', 300, hours(0));
    const { marks } = await loadEvaluationInputs(database.db, 'sender', hours(1), { everything: true }, 200);
    expect([...marks!.keys].sort()).toEqual(['quinn', 'rita']);
    // quinn sends again after the marks were read, before the pass stores its decisions.
    await send(database.db, 'quinn', 10, hours(0.5));
    await clearChangeMarks(database.db, marks!);
    const left = await queryRows<{ key: string }>(database.db, sql`select key from rollup_changes where dimension = 'sender'`);
    expect(left.map((row) => row.key)).toEqual(['quinn']);
    // A pass that stops before storing its decisions clears nothing.
    await loadEvaluationInputs(database.db, 'sender', hours(1), { previousPass: hours(0.9) }, 200);
    expect(await queryRows(database.db, sql`select key from rollup_changes where dimension = 'sender'`)).toHaveLength(1);
    await evaluateReputation(database.db, rules, hours(1));
    expect(await getSubject(database.db, 'sender', 'quinn')).toMatchObject({ sent24h: 310 });
    expect(await queryRows(database.db, sql`select key from rollup_changes where dimension = 'sender'`)).toHaveLength(0);
  });

  it('stores every subject of a pass over tens of thousands of them, and the next pass reads none of them again', async () => {
    const senders = 20_500;
    await storeSendEvents(
      database.db,
      Array.from({ length: senders }, (_, i) => ({
        messageId: `<many-${i}@relay.example>`, recipientKey: 'r@gmail.example', sender: `many${i}`, senderDomain: 'many.example',
        recipientDomain: 'gmail.example', ip: '192.0.2.10', at: hours(0),
      })),
    );
    expect(await evaluateReputation(database.db, rules, hours(1))).toMatchObject({ senders, domains: 1 });
    const [stored] = await queryRows<{ count: string | number; sent: string | number }>(
      database.db,
      sql`select count(*) as count, sum(sent_24h) as sent from reputation_subjects where kind = 'sender'`,
    );
    expect({ count: Number(stored!.count), sent: Number(stored!.sent) }).toEqual({ count: senders, sent: senders });
    expect(await evaluateReputation(database.db, rules, hours(1.5))).toMatchObject({ senders: 0, domains: 0 });
  });

  it('stores a retried batch of send events and facts once', async () => {
    expect(await send(database.db, 'ivy', 300, hours(0))).toMatchObject({ stored: 300, duplicates: 0 });
    expect(await send(database.db, 'ivy', 300, hours(0))).toMatchObject({ stored: 0, duplicates: 300 });
    expect(await complain(database.db, 'ivy', 2, hours(1))).toMatchObject({ stored: 2 });
    expect(await complain(database.db, 'ivy', 2, hours(1))).toMatchObject({ stored: 0, duplicates: 2 });
    await evaluateReputation(database.db, rules, hours(2));
    expect(await getSubject(database.db, 'sender', 'ivy')).toMatchObject({ sent24h: 300, complaints24h: 2 });
  });

  it('attributes a complaint that names no sender through the send log’s Message-ID', async () => {
    await send(database.db, 'jack', 500, hours(0));
    const result = await recordFacts(database.db, [
      {
        dedupKey: 'jmrp-1',
        kind: 'complaint',
        reason: 'feedback',
        feedbackType: 'abuse',
        originalMessageId: `<jack-${hours(0).getTime()}-7@relay.example>`,
        source: 'test',
        occurredAt: hours(1),
      },
    ]);
    expect(result.senders).toEqual(['jack']);
    await evaluateReputation(database.db, rules, hours(2), { senders: result.senders });
    expect(await getSubject(database.db, 'sender', 'jack')).toMatchObject({ complaints24h: 1, sent24h: 500 });
  });
});
