// Recipient suppression: the key that turns addresses into keyed hashes, the scope and expiry each
// reason gets, when a full mailbox is given up on, and where one-click unsubscribe links point.
import { z } from 'zod';

/** Why a recipient is suppressed: one name in the config, the database, the API and the README. */
export const suppressionReasons = ['complaint', 'hardBounce', 'mailboxFull', 'unsubscribe', 'manual'] as const;
export type SuppressionReason = (typeof suppressionReasons)[number];

/** Whom an entry protects the recipient from: every sender of the relay, one sender id, or one sender domain. */
export const suppressionScopes = ['relay', 'sender', 'domain'] as const;
export type SuppressionScope = (typeof suppressionScopes)[number];

/** Where an entry came from. */
export const suppressionSources = ['mailbox', 'oneClick', 'api', 'import'] as const;
export type SuppressionSource = (typeof suppressionSources)[number];

/** Days an entry lasts; null: until removed. */
const expiresAfterDays = z.number().int().min(1).max(36_500).nullable();

const automaticReason = (scope: SuppressionScope, days: number | null) =>
  z
    .object({
      /**
       * relay: no sender of the relay reaches the recipient again (what a complaint about
       * anonymous mail needs: the next abusive account is someone else); sender or domain: only the
       * sender (or sender domain) the report is attributed to, relay-wide when it names none.
       */
      scope: z.enum(suppressionScopes).default(scope),
      expiresAfterDays: expiresAfterDays.default(days),
    })
    .strict()
    .prefault({});

const expiryOnly = (days: number | null) => z.object({ expiresAfterDays: expiresAfterDays.default(days) }).strict().prefault({});

// Accepts an https URL, or http on loopback (a test or a proxy on the same host): RFC 8058 §3.1
// requires the List-Unsubscribe URI a receiver POSTs to be HTTPS.
const publicUrl = z
  .url({ protocol: /^https?$/ })
  .refine((text) => {
    const url = new URL(text);
    return url.protocol === 'https:' || ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  }, 'expected an https:// URL (RFC 8058 one-click links must be HTTPS; http only on loopback)')
  .transform((text) => text.replace(/\/+$/, ''));

export const suppressionConfig = z
  .object({
    /**
     * The HMAC-SHA256 key addresses are hashed with: no plain address is stored, and only a holder
     * of the key can tell whether an address is on the list. At least 32 characters; keep it in the
     * environment (${WARDEN_SUPPRESSION_KEY}). Unset or empty: suppression is off. Changing it
     * orphans every entry (they no longer match any address).
     */
    key: z.preprocess((value) => (value === '' ? undefined : value), z.string().min(32, { message: 'expected a key of at least 32 characters' }).optional()),
    reasons: z
      .object({
        /** An abuse, fraud or virus complaint (feedback loop, ARF) naming its recipient. */
        complaint: automaticReason('relay', null),
        /** A permanent bounce caused by the address: userunknown, hostunknown, hasmoved, notaccept. */
        hardBounce: automaticReason('relay', 30),
        /** A mailbox full again and again (see mailboxFull below). */
        mailboxFull: automaticReason('relay', 30),
        /** One-click unsubscribe (RFC 8058) and opt-out reports: the scope is the link's. */
        unsubscribe: expiryOnly(null),
        /** Added by ops through the API or the dashboard, unless the request gives its own expiry. */
        manual: expiryOnly(null),
      })
      .strict()
      .prefault({}),
    /** A full mailbox is given up on after `bounces` such bounces spread over at least `overDays` days, within `withinDays`. */
    mailboxFull: z
      .object({
        bounces: z.number().int().min(1).default(3),
        overDays: z.number().min(0).default(3),
        withinDays: z.number().int().min(1).default(30),
      })
      .strict()
      .refine((rule) => rule.overDays <= rule.withinDays, { message: 'expected overDays <= withinDays' })
      .prefault({}),
    oneClick: z
      .object({
        /**
         * Where receivers reach this server's /unsubscribe/{token} (RFC 8058: HTTPS), e.g.
         * https://warden.example.com. Unset: no List-Unsubscribe values are minted.
         */
        baseUrl: publicUrl.optional(),
        /** The scope a link suppresses for when the request asks for none. */
        defaultScope: z.enum(suppressionScopes).default('sender'),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type SuppressionConfig = z.infer<typeof suppressionConfig>;
