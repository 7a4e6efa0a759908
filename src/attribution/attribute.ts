// Finds which of our senders a fact belongs to, from what our relay put into the original message.
import type { Fact } from '../analysis/fact';
import type { Header } from '../analysis/mime';
import type { AttributionConfig } from '../config/attribution';
import type { TokenRejection } from './token';
import { looksLikeToken, verifyToken } from './token';
import { senderFromFeedbackId } from './feedback-id';
import { senderFromVerp } from './verp';

export type AttributionMethod = 'feedback-id' | 'token' | 'header' | 'verp';

export interface Attribution {
  sender: string;
  method: AttributionMethod;
}

export interface AttributionInput {
  fact: Pick<Fact, 'from'>;
  /** Headers of the original message (Feedback-ID, our sender header, Return-Path). */
  originalHeaders: readonly Header[];
  /** Headers of the report itself: a bounce is addressed to the VERP return path. */
  reportHeaders?: readonly Header[];
}

export interface AttributionOutcome {
  attribution: Attribution | null;
  /** Tokens found and refused, in the order met: a forged token is never attributed. */
  rejections: Array<{ method: AttributionMethod; reason: TokenRejection }>;
}

function values(headers: readonly Header[] | undefined, name: string): string[] {
  const lower = name.toLowerCase();
  return (headers ?? []).filter((header) => header.name === lower).map((header) => header.value.trim());
}

function addressesOf(value: string): string[] {
  return [...value.matchAll(/<?([^\s<>,;"]+@[^\s<>,;"]+)>?/g)].map((match) => match[1] ?? '');
}

/**
 * Tries, in order: Feedback-ID, the token header, the sender header, VERP. A value that looks like
 * a token must verify; a forged one is recorded as a rejection and that source is not used.
 */
export function attributeDetailed(input: AttributionInput, config: AttributionConfig): AttributionOutcome {
  const rejections: AttributionOutcome['rejections'] = [];
  const resolve = (candidate: string | undefined, method: AttributionMethod, mustBeToken = false): Attribution | null => {
    if (!candidate) return null;
    if (looksLikeToken(candidate) || mustBeToken) {
      const verified = verifyToken(candidate, config.tokenSecret);
      if (verified.ok) return { sender: verified.sender, method: method === 'header' ? 'token' : method };
      rejections.push({ method, reason: verified.reason });
      return null;
    }
    return { sender: candidate, method };
  };

  for (const value of values(input.originalHeaders, 'feedback-id')) {
    const found = resolve(senderFromFeedbackId(value, config.feedbackIdField), 'feedback-id');
    if (found) return { attribution: found, rejections };
  }
  for (const value of values(input.originalHeaders, config.tokenHeader)) {
    const found = resolve(value, 'token', true);
    if (found) return { attribution: found, rejections };
  }
  for (const value of values(input.originalHeaders, config.senderHeader)) {
    const found = resolve(value, 'header');
    if (found) return { attribution: found, rejections };
  }
  if (config.verpPatterns.length > 0) {
    const addresses = [
      ...values(input.originalHeaders, 'return-path').flatMap(addressesOf),
      ...(input.fact.from ? [input.fact.from] : []),
      ...['delivered-to', 'x-original-to', 'envelope-to', 'to'].flatMap((name) => values(input.reportHeaders, name).flatMap(addressesOf)),
    ];
    for (const address of addresses) {
      const found = resolve(senderFromVerp(address, config.verpPatterns), 'verp');
      if (found) return { attribution: found, rejections };
    }
  }
  return { attribution: null, rejections };
}

/** The sender a fact belongs to and how it was found, or null. */
export function attribute(input: AttributionInput, config: AttributionConfig): Attribution | null {
  return attributeDetailed(input, config).attribution;
}
