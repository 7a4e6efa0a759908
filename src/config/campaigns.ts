// The campaign rule: complaints that share content or origin across senders are judged together.
//
// Defaults: a fingerprint shared by complaints of 5 distinct senders, or 20 complaints from at
// least 2 senders, within 72 hours raises a campaign, whose senders are suspended. Five senders
// because abuse on a free service comes as dozens of fresh accounts, while five unrelated
// customers complaining about the same non-allow-listed link within three days is rare; twenty
// complaints because that is what a single campaign reaches on a few hundred messages per
// account at the complaint rates of spam (1-5%), while a lone large sender with many complaints is
// the per-sender rate engine's business (hence at least 2 senders). 72 hours covers a campaign
// that rotates accounts over a weekend; complaints arrive hours to a day after the mail.
import { z } from 'zod';
import { parseIpRange } from './ip-range';

const cidr = z.string().refine((text) => {
  try {
    parseIpRange(text);
    return true;
  } catch {
    return false;
  }
}, 'expected an IP address or CIDR range, e.g. 10.0.0.0/8');

export const campaignsConfig = z
  .object({
    enabled: z.boolean().default(true),
    windowHours: z.number().positive().max(24 * 30).default(72),
    /** Distinct senders whose complaints share a fingerprint. */
    minSenders: z.number().int().min(2).default(5),
    /** Complaints sharing a fingerprint (from at least 2 senders). */
    minComplaints: z.number().int().min(2).default(20),
    /** What the campaign's senders get. */
    action: z.enum(['throttle', 'suspend']).default('suspend'),
    /**
     * URL registered domains that never form a campaign by themselves: your own domains (the
     * relay's `relay.domains` are added), plus the built-in list of very common ones (see
     * src/analysis/url-domains.ts).
     */
    allowUrlDomains: z.array(z.string().min(1)).default([]),
    /**
     * Submitting networks that never form a campaign: hosts that submit for many users (webmail,
     * an application server). Loopback and private ranges are always on this list.
     */
    allowNetworks: z.array(cidr).default([]),
    /** A submitting client's network: an IPv4 address is itself (/32), IPv6 its /64. */
    networkPrefixV4: z.number().int().min(8).max(32).default(32),
    networkPrefixV6: z.number().int().min(16).max(128).default(64),
    /**
     * Without the relay's volume for a fingerprint: when at least this share of the senders whose
     * complaints share it are established (not new within the window) with clean records, it is a
     * template many good senders use, not a campaign.
     */
    templateShare: z.number().gt(0).max(1).default(0.5),
    /** Body similarity: SimHashes at most this many bits apart (of 64) are the same body. */
    bodyMaxDistance: z.number().int().min(0).max(16).default(6),
  })
  .strict();

export type CampaignsConfig = z.infer<typeof campaignsConfig>;

// What the rule finds, in the shape storage writes it. Declared here because the rule (reputation/)
// and the tables (db/) both import config/, and neither may import the other.

/** A sender a campaign's complaints came from, and why it is (or is not) under the campaign's action. */
export interface CampaignMember {
  sender: string;
  /** Under the campaign's action, or only listed. */
  included: boolean;
  /** Why, in words: the evidence of its own, or its lack. */
  why: string;
}

/** A campaign the rule raised; `Evidence` is a fingerprint's evidence (storage keeps part of the rule's). */
export interface RaisedCampaign<Evidence> {
  fingerprints: Evidence[];
  /** The members under its action (those of `members` included). */
  senders: string[];
  members: CampaignMember[];
  complaintIds: number[];
  networks: string[];
  /** Which line was crossed, for the reason and the audit log. */
  rule: string;
  firstAt: Date;
  lastAt: Date;
}

/** What a campaign already raised gained in a pass: fingerprints, members, complaints, networks. */
export interface CampaignJoin<Evidence> {
  campaignId: number;
  fingerprints: Evidence[];
  /** New members under its action. */
  senders: string[];
  /** Every sender judged in this join, included or only seen. */
  members: CampaignMember[];
  complaintIds: number[];
  networks: string[];
}
