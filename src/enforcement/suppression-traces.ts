// Keeping plain addresses of suppressed recipients out of what is stored: the facts and the raw
// reports that named one get its hash instead, and "forget this address" (an erasure request)
// removes every trace, hash included.
import { gunzipSync, gzipSync, constants as zlib } from 'node:zlib';
import type { Db } from '../db/client';
import {
  changeEntries,
  eraseRecipient,
  eraseSendEventRecipients,
  factsSightingRecipient,
  factsWithRecipient,
  insertAudit,
  messagesSightingRecipient,
  rawMessagesPage,
  rewriteFacts,
  rewriteRawMessage,
  type FactText,
} from '../db/suppression-queries';
import { writtenForms, type AddressKeyer } from '../suppression/address';
import { forgottenMarker, isSuppressedMarker, redactBytes, redactText, suppressedMarker } from '../suppression/redaction';

export interface TracesRewritten {
  facts: number;
  messages: number;
}

/** The fact with the forms replaced in every text field; null when nothing in it changes. */
function redactedFact(row: FactText, forms: string[], replacement: string, recipientBecomes: string): FactText | null {
  const allForms = row.recipient && row.recipient !== recipientBecomes ? [...forms, row.recipient] : forms;
  const redact = (text: string | null) => (text === null ? null : redactText(text, allForms, replacement));
  const details = row.details === null ? null : (JSON.parse(redactText(JSON.stringify(row.details), allForms, replacement)) as Record<string, unknown>);
  const rewritten = { id: row.id, recipient: row.recipient === null ? null : recipientBecomes, diagnosticCode: redact(row.diagnosticCode), subject: redact(row.subject), details };
  const same = rewritten.recipient === row.recipient && rewritten.diagnosticCode === row.diagnosticCode && rewritten.subject === row.subject && JSON.stringify(details) === JSON.stringify(row.details);
  return same ? null : rewritten;
}

async function rewriteRaw(db: Db, rows: { id: number; rawGzip: Buffer | null }[], forms: string[], replacement: string): Promise<number> {
  let rewritten = 0;
  for (const row of rows) {
    if (!row.rawGzip) continue;
    const raw = gunzipSync(row.rawGzip);
    const redacted = redactBytes(raw, forms, replacement);
    if (redacted === raw) continue;
    await rewriteRawMessage(db, row.id, gzipSync(redacted, { level: zlib.Z_BEST_SPEED }));
    rewritten++;
  }
  return rewritten;
}

/**
 * Replaces a suppressed recipient's address with its marker in the stored facts and raw reports
 * it was sighted in. `forms` are the ways it is written that are known here; each fact's own
 * recipient field adds the one the report used (a token or a CSV row brings no address).
 */
export async function replaceWithHash(db: Db, recipientHash: string, forms: string[]): Promise<TracesRewritten> {
  const marker = suppressedMarker(recipientHash);
  const facts = await factsSightingRecipient(db, recipientHash);
  const rewrites = facts.map((row) => redactedFact(row, forms, marker, marker)).filter((row): row is FactText => row !== null);
  await rewriteFacts(db, rewrites);
  const reportForms = [...new Set([...forms, ...facts.flatMap((row) => (row.recipient && !isSuppressedMarker(row.recipient) ? [row.recipient] : []))])];
  const messages = reportForms.length > 0 ? await rewriteRaw(db, await messagesSightingRecipient(db, recipientHash), reportForms, marker) : 0;
  return { facts: rewrites.length, messages };
}

export interface ForgetOutcome extends TracesRewritten {
  recipientHash: string;
  entries: number;
  sightings: number;
  auditRows: number;
  sendEvents: number;
}

/**
 * Erases an address: its entries (the relay stops refusing it), sightings and audit hashes; the
 * facts and raw reports naming it (by address or by its marker) get "[forgotten]"; send events
 * keyed by it get a key naming nobody. Facts and reports are searched whole, not only where the
 * address was sighted: it may have been stored before suppression was turned on.
 */
export async function forgetAddress(db: Db, keyer: AddressKeyer, address: string, actor: string, note: string, now: Date): Promise<ForgetOutcome | null> {
  const recipientHash = keyer.hash(address);
  if (!recipientHash) return null;
  const marker = suppressedMarker(recipientHash);
  const forms = [...writtenForms(address), marker];
  const replace = (text: string) => redactText(text, forms, forgottenMarker);
  const facts = [...new Map([...(await factsSightingRecipient(db, recipientHash)), ...(await factsWithRecipient(db, forms))].map((row) => [row.id, row])).values()];
  const factRewrites = facts.map((row) => redactedFact(row, forms, forgottenMarker, forgottenMarker)).filter((row): row is FactText => row !== null);
  await rewriteFacts(db, factRewrites);
  let messages = 0;
  for (let afterId = 0; ; ) {
    const page = await rawMessagesPage(db, afterId, 200);
    if (page.length === 0) break;
    messages += await rewriteRaw(db, page, forms, forgottenMarker);
    afterId = page.at(-1)!.id;
  }
  const sendEvents = await eraseSendEventRecipients(db, [...forms, sendEventRecipientKey(recipientHash)]);
  const erased = await changeEntries(db, async (tx) => {
    const outcome = await eraseRecipient(tx, recipientHash, replace, now);
    await insertAudit(tx, [{ at: now, actor, action: 'forget', entryId: null, recipientHash: null, note: replace(note), details: { ...outcome, facts: factRewrites.length, messages } }]);
    return outcome;
  });
  return { recipientHash, ...erased, facts: factRewrites.length, messages, sendEvents };
}

/** How a send event's recipient is stored while suppression is on: keyed, never plain. */
export const sendEventRecipientKey = (recipientHash: string) => `hmac:${recipientHash}`;

/** The recipient key of a send event: an address keyed, anything else (a relay's own opaque token) as given. */
export function sendEventRecipientKeyOf(keyer: AddressKeyer): (recipient: string) => string {
  return (recipient) => {
    const recipientHash = recipient.includes('@') ? keyer.hash(recipient) : null;
    return recipientHash ? sendEventRecipientKey(recipientHash) : recipient.toLowerCase();
  };
}
