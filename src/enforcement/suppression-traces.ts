// Keeping plain addresses of suppressed recipients out of what is stored: the facts and the raw
// reports that named one get its hash instead, and "forget this address" (an erasure request)
// removes every trace, hash included.
import { gunzipSync, gzipSync, constants as zlib } from 'node:zlib';
import type { Db } from '../db/client';
import {
  changeEntries,
  eraseRecipient,
  eraseSendEventRecipients,
  factsMentioning,
  factsOfReportsSighting,
  insertAudit,
  messagesSightingRecipients,
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

/** A kept raw report with the replacements to make in it, in turn. */
interface RawRewrite {
  id: number;
  rawGzip: Buffer;
  redactions: { forms: string[]; replacement: string }[];
}

/** Makes each report's replacements in turn and stores it once; returns how many replacements changed one. */
async function rewriteRaw(db: Db, rows: RawRewrite[]): Promise<number> {
  let rewritten = 0;
  for (const row of rows) {
    const raw = gunzipSync(row.rawGzip);
    let redacted: Buffer = raw;
    for (const { forms, replacement } of row.redactions) {
      const next = redactBytes(redacted, forms, replacement);
      if (next !== redacted) rewritten++;
      redacted = next;
    }
    if (redacted !== raw) await rewriteRawMessage(db, row.id, gzipSync(redacted, { level: zlib.Z_BEST_SPEED }));
  }
  return rewritten;
}

/**
 * The kept reports these recipients were sighted in, each with a replacement per recipient whose
 * forms are known; a report naming several gets theirs in the order of `recipientHashes`.
 */
async function reportRewrites(db: Db, recipientHashes: string[], formsByHash: Map<string, Set<string>>): Promise<RawRewrite[]> {
  const withForms = recipientHashes.filter((hash) => formsByHash.get(hash)!.size > 0);
  if (withForms.length === 0) return [];
  const positionOf = new Map(recipientHashes.map((hash, position) => [hash, position]));
  const sightings = (await messagesSightingRecipients(db, withForms)).sort((a, b) => positionOf.get(a.recipientHash)! - positionOf.get(b.recipientHash)!);
  const reports = new Map<number, RawRewrite>();
  for (const row of sightings) {
    const report = reports.get(row.id) ?? { id: row.id, rawGzip: row.rawGzip!, redactions: [] };
    report.redactions.push({ forms: [...formsByHash.get(row.recipientHash)!], replacement: suppressedMarker(row.recipientHash) });
    reports.set(row.id, report);
  }
  return [...reports.values()];
}

// Recipients whose traces are read at once: two statements per chunk, not per recipient (an
// import brings thousands), with the raw reports of a chunk in memory together.
const recipientsPerRead = 500;

/**
 * Replaces suppressed recipients' addresses with their markers in the stored facts and raw
 * reports they were sighted in. `formsByHash` gives, per recipient hash, the ways it is written
 * that are known here; each fact's own recipient field adds the one the report used (a token or
 * a CSV row brings no address). The result is that of one recipient after another in the order
 * given: a fact names one recipient, and a report naming several gets their replacements in turn.
 */
export async function replaceWithHash(db: Db, formsByHash: Map<string, string[]>): Promise<TracesRewritten> {
  const rewritten: TracesRewritten = { facts: 0, messages: 0 };
  const hashes = [...formsByHash.keys()];
  for (let i = 0; i < hashes.length; i += recipientsPerRead) {
    const chunk = hashes.slice(i, i + recipientsPerRead);
    const facts = await factsOfReportsSighting(db, chunk);
    // Each recipient's forms: the ones given, and how its own facts wrote it (a token or a CSV row
    // brings no address).
    const formsOf = new Map(chunk.map((hash) => [hash, new Set(formsByHash.get(hash))]));
    for (const row of facts) if (row.ownHash === row.sightedHash && row.recipient && !isSuppressedMarker(row.recipient)) formsOf.get(row.sightedHash)!.add(row.recipient);
    const factRewrites = redactedFacts(facts, chunk, formsOf);
    await rewriteFacts(db, factRewrites);
    rewritten.facts += factRewrites.length;
    rewritten.messages += await rewriteRaw(db, await reportRewrites(db, chunk, formsOf));
  }
  return rewritten;
}

/**
 * The facts with every recipient of `hashes` replaced by its marker, in the order given: a fact's
 * own recipient field and text, and the text of the other facts of the same report. Only the facts
 * that change.
 */
function redactedFacts(facts: (FactText & { sightedHash: string; ownHash: string })[], hashes: string[], formsOf: Map<string, Set<string>>): FactText[] {
  const position = new Map(hashes.map((hash, at) => [hash, at]));
  const current = new Map<number, FactText>();
  const changed = new Set<number>();
  for (const row of [...facts].sort((a, b) => position.get(a.sightedHash)! - position.get(b.sightedHash)!)) {
    const fact = current.get(row.id) ?? row;
    const marker = suppressedMarker(row.sightedHash);
    const redacted = redactedFact(fact, [...formsOf.get(row.sightedHash)!], marker, row.ownHash === row.sightedHash ? marker : (fact.recipient ?? ''));
    if (redacted === null) continue;
    current.set(row.id, redacted);
    changed.add(row.id);
  }
  return [...changed].map((id) => current.get(id)!);
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
  // Its own facts (sighted for it, or naming it as recipient) lose the recipient; any other fact
  // naming it in its text (another recipient's of the same report) keeps its own.
  const own = (await factsOfReportsSighting(db, [recipientHash])).filter((row) => row.ownHash === recipientHash);
  const ownIds = new Set(own.map((row) => row.id));
  const formSet = new Set(forms.map((form) => form.toLowerCase()));
  const isOwn = (row: FactText) => ownIds.has(row.id) || (row.recipient !== null && formSet.has(row.recipient.toLowerCase()));
  const facts = [...new Map([...own, ...(await factsMentioning(db, forms))].map((row) => [row.id, row])).values()];
  const factRewrites = facts.map((row) => redactedFact(row, forms, forgottenMarker, isOwn(row) ? forgottenMarker : (row.recipient ?? ''))).filter((row): row is FactText => row !== null);
  await rewriteFacts(db, factRewrites);
  let messages = 0;
  for (let afterId = 0; ; ) {
    const page = await rawMessagesPage(db, afterId, 200);
    if (page.length === 0) break;
    messages += await rewriteRaw(db, page.map((row) => ({ id: row.id, rawGzip: row.rawGzip!, redactions: [{ forms, replacement: forgottenMarker }] })));
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
