// Tables of campaign detection: each counted complaint's fingerprints, the campaigns raised from
// them, which fingerprints and complaints belong to which campaign.
import { sql } from 'drizzle-orm';
import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import type { CampaignMember } from '../../config/campaigns';
import { mailFacts, type StoredAction } from './reputation';

/** `content`: the relay's own content fingerprint, as its send events and the message's header carry it. */
export type FingerprintKind = 'url' | 'subject' | 'body' | 'client' | 'sasl' | 'content';

/** What a fingerprint's evidence stood on: the relay's volume for it, or how distinctive it is among senders. */
export type FingerprintFootingKind = 'volume' | 'distinct';

/** The fingerprints of a counted complaint (client: the submitting address, as the send log has it). */
export const complaintFingerprints = pgTable(
  'complaint_fingerprints',
  {
    factId: bigint('fact_id', { mode: 'number' })
      .notNull()
      .references(() => mailFacts.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<FingerprintKind>().notNull(),
    value: text('value').notNull(),
    sender: text('sender').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.factId, t.kind, t.value] }), index('complaint_fingerprints_at_idx').on(t.occurredAt), index('complaint_fingerprints_value_idx').on(t.kind, t.value)],
);

export type CampaignStatus = 'active' | 'dismissed';

/** Abuse spread over senders, judged as one: its action applies to every sender in it. */
export const campaigns = pgTable(
  'campaigns',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    status: text('status').$type<CampaignStatus>().notNull(),
    action: text('action').$type<Extract<StoredAction, 'throttle' | 'suspend'>>().notNull(),
    /** The line that was crossed, in words. */
    rule: text('rule').notNull(),
    senders: jsonb('senders').$type<string[]>().notNull(),
    /** Submitting networks (CIDR) of its complaints: later policy requests from them get the action. */
    networks: jsonb('networks').$type<string[]>().notNull(),
    complaintCount: integer('complaint_count').notNull(),
    firstComplaintAt: timestamp('first_complaint_at', { withTimezone: true }).notNull(),
    lastComplaintAt: timestamp('last_complaint_at', { withTimezone: true }).notNull(),
    raisedAt: timestamp('raised_at', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
    dismissedAt: timestamp('dismissed_at', { withTimezone: true }),
    dismissedBy: text('dismissed_by'),
    dismissReason: text('dismiss_reason'),
    /** Every sender whose complaints matched, acted on or only seen, and why. */
    members: jsonb('members').$type<CampaignMember[]>().notNull().default(sql`'[]'::jsonb`),
    /** A policy version (the policy_version sequence), so relays' snapshots pick up its networks. */
    version: bigint('version', { mode: 'number' }).notNull().default(0),
  },
  (t) => [index('campaigns_version_idx').on(t.version), index('campaigns_status_idx').on(t.status, t.id).where(sql`${t.status} = 'active'`)],
);

/** A fingerprint belongs to at most one campaign, ever: a dismissed one keeps it from raising again. */
export const campaignFingerprints = pgTable(
  'campaign_fingerprints',
  {
    campaignId: bigint('campaign_id', { mode: 'number' })
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<FingerprintKind>().notNull(),
    value: text('value').notNull(),
    /** Evidence when the fingerprint joined the campaign. */
    senders: integer('senders').notNull(),
    complaints: integer('complaints').notNull(),
    /** What the evidence stood on: the relay's volume for it, or distinctiveness. */
    footing: text('footing').$type<FingerprintFootingKind>().notNull().default('distinct'),
    /** Sends in the window carrying it (volume footing), null without. */
    volume: integer('volume'),
    /** Its complaints that carried the relay's fingerprint: the numerator set against `volume`. */
    volumeComplaints: integer('volume_complaints'),
    /** How the evidence was weighed, in words. */
    explanation: text('explanation').notNull().default(''),
  },
  (t) => [primaryKey({ columns: [t.kind, t.value] }), index('campaign_fingerprints_campaign_idx').on(t.campaignId)],
);

export const campaignComplaints = pgTable(
  'campaign_complaints',
  {
    campaignId: bigint('campaign_id', { mode: 'number' })
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    factId: bigint('fact_id', { mode: 'number' })
      .notNull()
      .references(() => mailFacts.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.campaignId, t.factId] })],
);
