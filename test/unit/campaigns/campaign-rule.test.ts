// The campaign rule on plain values: which complaints form a campaign, which join one.
import { describe, expect, it } from 'vitest';
import { campaignsConfig } from '../../../src/config/campaigns';
import { reputationConfig } from '../../../src/config/reputation';
import { campaignRuleOptions } from '../../../src/reputation/campaign-options';
import { findCampaigns, type CampaignContext, type ComplaintPrints } from '../../../src/reputation/campaign-rule';
import { allowedNetworkMatcher, clientNetwork } from '../../../src/reputation/client-network';

const config = campaignsConfig.parse({});
const options = {
  minSenders: config.minSenders,
  minComplaints: config.minComplaints,
  bodyMaxDistance: config.bodyMaxDistance,
  allowUrlDomains: new Set(['w3.org', 'service.example']),
  isAllowedAddress: allowedNetworkMatcher([]),
  networkOf: (address: string) => clientNetwork(address, config),
  evidence: { minVolume: 200, complaintRate: 0.001, confidence: 0.95, templateShare: config.templateShare },
};
const at = new Date('2026-11-20T12:00:00Z');
/** Senders the rate engine never saw and no volume from the relay: every sender is a fresh account. */
const unknownSenders: CampaignContext = { windowStart: new Date(at.getTime() - 72 * 3_600_000), volumes: new Map(), standings: new Map() };
let nextId = 1;
const complaint = (sender: string, prints: ComplaintPrints['prints']): ComplaintPrints => ({ factId: nextId++, sender, at, prints });

describe('campaign rule', () => {
  it('raises one campaign when five senders share a URL domain, whatever else they share', () => {
    const complaints = Array.from({ length: 6 }, (_, i) =>
      complaint(`fresh-${i}`, [
        { kind: 'url', value: 'pills.example' },
        { kind: 'url', value: 'w3.org' },
        { kind: 'subject', value: 'cheap pills shipped overnight' },
        { kind: 'client', value: `198.51.100.${i}` },
      ]),
    );
    const { raised, joined } = findCampaigns(complaints, [], new Set(), options, unknownSenders);
    expect(joined).toEqual([]);
    expect(raised).toHaveLength(1);
    expect(raised[0]!.senders).toHaveLength(6);
    expect(raised[0]!.fingerprints.map((f) => `${f.kind}:${f.value}`).sort()).toEqual(['subject:cheap pills shipped overnight', 'url:pills.example']);
    expect(raised[0]!.networks).toEqual(Array.from({ length: 6 }, (_, i) => `198.51.100.${i}/32`));
    expect(raised[0]!.rule).toMatch(/^6 senders \(at least 5\) share/);
  });

  it('does not raise a campaign for four senders, for allow-listed domains, or for private networks', () => {
    const four = Array.from({ length: 4 }, (_, i) => complaint(`s${i}`, [{ kind: 'url', value: 'pills.example' }]));
    const allowed = Array.from({ length: 9 }, (_, i) => complaint(`a${i}`, [{ kind: 'url', value: 'service.example' }, { kind: 'client', value: '10.0.0.5' }]));
    expect(findCampaigns([...four, ...allowed], [], new Set(), options, unknownSenders).raised).toEqual([]);
  });

  it('raises on twenty complaints from two senders, never on one sender alone', () => {
    const two = Array.from({ length: 20 }, (_, i) => complaint(i % 2 ? 'x' : 'y', [{ kind: 'url', value: 'loans.example' }]));
    expect(findCampaigns(two, [], new Set(), options, unknownSenders).raised).toHaveLength(1);
    const one = Array.from({ length: 40 }, () => complaint('big-sender', [{ kind: 'url', value: 'shop.example' }]));
    expect(findCampaigns(one, [], new Set(), options, unknownSenders).raised).toEqual([]);
  });

  it('groups near-identical bodies by SimHash distance', () => {
    const hashes = ['0123456789abcdef', '0123456789abcdee', '0123456789abcdec', '0123456789abcde0', '0123456789abcd0f'];
    const complaints = hashes.map((value, i) => complaint(`b${i}`, [{ kind: 'body', value }]));
    const { raised } = findCampaigns(complaints, [], new Set(), options, unknownSenders);
    expect(raised).toHaveLength(1);
    expect(raised[0]!.fingerprints).toEqual([
      { kind: 'body', value: expect.stringMatching(/^0123456789abcd/), senders: 5, complaints: 5, footing: { kind: 'distinct', senders: 5, establishedClean: 0 }, explanation: expect.stringMatching(/^distinctiveness/) },
    ]);
  });

  it('joins later complaints to a raised campaign by fingerprint or by submitting network', () => {
    const byUrl = complaint('late-1', [{ kind: 'url', value: 'pills.example' }]);
    const byNetwork = complaint('late-2', [{ kind: 'url', value: 'other.example' }, { kind: 'client', value: '198.51.100.7' }]);
    const unrelated = complaint('good', [{ kind: 'url', value: 'bakery.example' }]);
    const active = [{ id: 7, fingerprints: [{ kind: 'url' as const, value: 'pills.example' }], networks: ['198.51.100.7/32'], senders: ['s1'], complaintIds: [] }];
    const { raised, joined } = findCampaigns([byUrl, byNetwork, unrelated], active, new Set(), options, unknownSenders);
    expect(raised).toEqual([]);
    expect(joined).toEqual([expect.objectContaining({ campaignId: 7, senders: ['late-1', 'late-2'], complaintIds: [byUrl.factId, byNetwork.factId] })]);
  });

  it('never raises again on a dismissed campaign’s fingerprint', () => {
    const complaints = Array.from({ length: 8 }, (_, i) => complaint(`d${i}`, [{ kind: 'url', value: 'newsletter.example' }]));
    expect(findCampaigns(complaints, [], new Set(['url:newsletter.example']), options, unknownSenders).raised).toEqual([]);
    // Near copies of a dismissed body are that body.
    const bodies = Array.from({ length: 8 }, (_, i) => complaint(`n${i}`, [{ kind: 'body', value: i % 2 ? 'fedcba9876543210' : 'fedcba9876543211' }]));
    expect(findCampaigns(bodies, [], new Set(['body:fedcba9876543212']), options, unknownSenders).raised).toEqual([]);
  });
});

describe('client networks', () => {
  it('keeps IPv4 addresses whole and IPv6 at /64', () => {
    expect(clientNetwork('192.0.2.7', config)).toBe('192.0.2.7/32');
    expect(clientNetwork('2001:db8:1:2:3:4:5:6', config)).toBe('2001:db8:1:2::/64');
    expect(clientNetwork('not an address', config)).toBeNull();
  });

  it('always allows loopback and private submitters', () => {
    const allowed = allowedNetworkMatcher(['203.0.113.0/24']);
    expect(['127.0.0.1', '10.1.2.3', '192.168.1.1', '::1', '203.0.113.9'].every(allowed)).toBe(true);
    expect(allowed('198.51.100.1')).toBe(false);
  });
});

describe('campaign rule options from the config', () => {
  it('never lets common link domains, configured ones or the relay’s own domains form a campaign, nor loopback, private or configured networks', () => {
    const config = campaignsConfig.parse({ allowUrlDomains: ['Partner.Example'], allowNetworks: ['198.51.100.0/24'], networkPrefixV4: 24 });
    const options = campaignRuleOptions({ campaigns: config, reputation: reputationConfig.parse({}), relay: { domains: ['mail.relay.example', 'RELAY.example.co.uk'] } });
    for (const domain of ['google.com', 'partner.example', 'relay.example', 'example.co.uk']) expect(options.allowUrlDomains.has(domain), domain).toBe(true);
    expect(options.allowUrlDomains.has('spam-prizes.example')).toBe(false);
    for (const address of ['127.0.0.1', '10.1.2.3', '192.168.0.9', '::1', 'fd00::5', '198.51.100.77', 'not-an-address']) {
      expect(options.isAllowedAddress(address), address).toBe(true);
    }
    for (const address of ['203.0.113.9', '2001:db8::1']) expect(options.isAllowedAddress(address), address).toBe(false);
    expect(options.networkOf('203.0.113.9')).toBe('203.0.113.0/24');
    expect(options.networkOf('2001:db8:1:2:3::1')).toBe('2001:db8:1:2::/64');
    expect(options.networkOf('nonsense')).toBeNull();
    expect({ minSenders: options.minSenders, minComplaints: options.minComplaints }).toEqual({ minSenders: config.minSenders, minComplaints: config.minComplaints });
  });
});
