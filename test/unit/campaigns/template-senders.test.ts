// Good senders sharing a template must never be a campaign; rotating abuse accounts must stay one.
// A week of traffic is simulated message by message, complaints drawn at the rate given; the rule
// sees what storage would give it: the window's complaints, the relay's volumes, each sender's standing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../demo/senders';
import { campaignsConfig } from '../../../src/config/campaigns';
import { reputationConfig } from '../../../src/config/reputation';
import { campaignRuleOptions } from '../../../src/reputation/campaign-options';
import { findCampaigns, type CampaignContext, type ComplaintPrints, type SenderStanding } from '../../../src/reputation/campaign-rule';

const options = campaignRuleOptions({ campaigns: campaignsConfig.parse({}), reputation: reputationConfig.parse({}), relay: { domains: [] } });
const hour = 3_600_000;
const now = new Date('2026-11-27T00:00:00Z');
const windowStart = new Date(now.getTime() - 72 * hour);
const weekAgo = new Date(now.getTime() - 7 * 24 * hour);

/** The order notice every shop on the platform sends: same subject, same body, same link domain. */
const templatePrints = (i: number): ComplaintPrints['prints'] => [
  { kind: 'subject', value: 'your order has shipped and is on its way' },
  { kind: 'body', value: '5f3a9c0e12b4d678' },
  { kind: 'url', value: 'shop-platform.example' },
  { kind: 'content', value: 'order-shipped-v3' },
  { kind: 'client', value: `203.0.113.${i % 250}` },
];

interface Week {
  complaints: ComplaintPrints[];
  /** Sends in the window carrying the template's relay fingerprint. */
  templateVolume: number;
  standings: Map<string, SenderStanding>;
}

/** `senders` shops, each sending its own steady volume over the week; every message draws a complaint at `rate`. */
function templateWeek(senders: number, rate: number, seed: number, firstSeen: Date): Week {
  const draw = seededRandom(seed);
  const complaints: ComplaintPrints[] = [];
  const standings = new Map<string, SenderStanding>();
  let templateVolume = 0;
  let factId = 1;
  for (let i = 0; i < senders; i++) {
    const sender = `shop-${i}`;
    standings.set(sender, { tier: 'new', firstSeenAt: firstSeen, autoAction: 'allow' });
    const perDay = 5 + Math.floor(draw() * 80);
    for (let m = 0; m < perDay * 7; m++) {
      const at = new Date(weekAgo.getTime() + Math.floor(draw() * 7 * 24 * hour));
      const inWindow = at >= windowStart;
      if (inWindow) templateVolume++;
      if (draw() < rate && inWindow) complaints.push({ factId: factId++, sender, at, prints: templatePrints(i) });
    }
  }
  return { complaints, templateVolume, standings };
}

const contextOf = (week: Week, withVolume: boolean): CampaignContext => ({
  windowStart,
  volumes: withVolume ? new Map([['order-shipped-v3', week.templateVolume]]) : new Map(),
  standings: week.standings,
});
const actedOn = (outcome: ReturnType<typeof findCampaigns>) => outcome.raised.flatMap((campaign) => campaign.senders);

describe('a template that good senders share', () => {
  it('never raises a campaign action for up to 1,000 senders at a 0.02% complaint rate over a week', () => {
    fc.assert(
      fc.property(fc.integer({ min: 5, max: 1000 }), fc.integer(), fc.boolean(), (senders, seed, withVolume) => {
        // With the relay's volume the senders may be as new as the demo's; without it, they are shops of long standing.
        const week = templateWeek(senders, 0.0002, seed, withVolume ? new Date(now.getTime() - 30 * hour) : new Date(now.getTime() - 90 * 24 * hour));
        expect(actedOn(findCampaigns(week.complaints, [], new Set(), options, contextOf(week, withVolume)))).toEqual([]);
      }),
      { numRuns: 60, seed: 20261203 },
    );
  });

  it('stays quiet when the week is unlucky: one complaint each for twelve new senders, weighed against the volume', () => {
    const week = templateWeek(300, 0, 7, new Date(now.getTime() - 30 * hour));
    const unlucky = Array.from({ length: 12 }, (_, i): ComplaintPrints => ({ factId: 10_000 + i, sender: `shop-${i * 7}`, at: new Date(now.getTime() - hour), prints: templatePrints(i) }));
    const outcome = findCampaigns(unlucky, [], new Set(), options, contextOf(week, true));
    expect(outcome.raised).toEqual([]);
  });

  it('explains a template without volume as one: established senders with clean records', () => {
    const week = templateWeek(300, 0, 7, new Date(now.getTime() - 90 * 24 * hour));
    const unlucky = Array.from({ length: 12 }, (_, i): ComplaintPrints => ({ factId: 10_000 + i, sender: `shop-${i * 7}`, at: new Date(now.getTime() - hour), prints: templatePrints(i) }));
    expect(findCampaigns(unlucky, [], new Set(), options, contextOf(week, false)).raised).toEqual([]);
  });
});

describe('rotating accounts', () => {
  /** Twenty accounts opened within a day, each sending the same scam 20-40 times and drawing 1-3 complaints. */
  function rotatingAccounts(seed: number) {
    const draw = seededRandom(seed);
    const complaints: ComplaintPrints[] = [];
    const standings = new Map<string, SenderStanding>();
    let volume = 0;
    let factId = 50_000;
    for (let i = 0; i < 20; i++) {
      const sender = `fresh-${i}`;
      standings.set(sender, { tier: 'new', firstSeenAt: new Date(now.getTime() - (30 - i) * hour), autoAction: 'allow' });
      volume += 20 + Math.floor(draw() * 21);
      const count = 1 + Math.floor(draw() * 3);
      for (let c = 0; c < count; c++) {
        complaints.push({
          factId: factId++,
          sender,
          at: new Date(now.getTime() - (20 - i) * hour),
          prints: [
            { kind: 'url', value: 'parcel-fees-now.example' },
            { kind: 'body', value: 'a1b2c3d4e5f60718' },
            { kind: 'content', value: 'parcel-fee' },
            { kind: 'client', value: `198.51.100.${i + 1}` },
          ],
        });
      }
    }
    return { complaints, standings, volume };
  }

  it('suspends all twenty, with the relay’s volume and without it', () => {
    for (const seed of [1, 2, 3]) {
      const accounts = rotatingAccounts(seed);
      for (const volumes of [new Map([['parcel-fee', accounts.volume]]), new Map<string, number>()]) {
        const outcome = findCampaigns(accounts.complaints, [], new Set(), options, { windowStart, volumes, standings: accounts.standings });
        expect(outcome.raised).toHaveLength(1);
        expect(outcome.raised[0]!.senders).toEqual(Array.from({ length: 20 }, (_, i) => `fresh-${i}`).sort());
        expect(outcome.raised[0]!.members.every((member) => member.included && /^new account/.test(member.why))).toBe(true);
        expect(outcome.raised[0]!.rule).toMatch(volumes.size > 0 ? /\(volume: \d+ complaints in \d+ sends/ : /\(distinctiveness \(no volume from the relay\)/);
      }
    }
  });

  it('lists established clean senders that share the scam’s fingerprint as also seen, never acting on them', () => {
    const accounts = rotatingAccounts(4);
    for (let i = 0; i < 3; i++) {
      const sender = `old-shop-${i}`;
      accounts.standings.set(sender, { tier: 'established', firstSeenAt: new Date('2026-01-01T00:00:00Z'), autoAction: 'allow' });
      accounts.complaints.push({ factId: 90_000 + i, sender, at: new Date(now.getTime() - hour), prints: [{ kind: 'url', value: 'parcel-fees-now.example' }, { kind: 'client', value: `203.0.113.${i + 1}` }] });
    }
    const [campaign] = findCampaigns(accounts.complaints, [], new Set(), options, { windowStart, volumes: new Map(), standings: accounts.standings }).raised;
    expect(campaign!.senders.filter((sender) => sender.startsWith('old-shop'))).toEqual([]);
    expect(campaign!.members.filter((member) => !member.included)).toEqual(
      Array.from({ length: 3 }, (_, i) => ({ sender: `old-shop-${i}`, included: false, why: expect.stringMatching(/^also seen: a sender of long standing \(tier established, first seen 2026-01-01\)/) })),
    );
    expect(campaign!.networks.some((network) => network.startsWith('203.0.113.'))).toBe(false);
  });

  it('acts on an established sender that shares the submitting network with the accounts, or whose own rate is over the line', () => {
    const accounts = rotatingAccounts(5);
    accounts.standings.set('old-shop-net', { tier: 'established', firstSeenAt: new Date('2026-01-01T00:00:00Z'), autoAction: 'allow' });
    accounts.standings.set('old-shop-rate', { tier: 'established', firstSeenAt: new Date('2026-01-01T00:00:00Z'), autoAction: 'throttle' });
    accounts.complaints.push(
      { factId: 91_000, sender: 'old-shop-net', at: now, prints: [{ kind: 'url', value: 'parcel-fees-now.example' }, { kind: 'client', value: '198.51.100.3' }] },
      { factId: 91_001, sender: 'old-shop-rate', at: now, prints: [{ kind: 'url', value: 'parcel-fees-now.example' }, { kind: 'client', value: '203.0.113.77' }] },
    );
    const [campaign] = findCampaigns(accounts.complaints, [], new Set(), options, { windowStart, volumes: new Map(), standings: accounts.standings }).raised;
    const members = new Map(campaign!.members.map((member) => [member.sender, member]));
    expect(members.get('old-shop-net')).toMatchObject({ included: true, why: expect.stringContaining('submits from 198.51.100.3/32, shared with other members') });
    expect(members.get('old-shop-rate')).toMatchObject({ included: true, why: expect.stringContaining('its own rate is over the line (throttle)') });
  });
});
