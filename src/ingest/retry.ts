// Retries a quarantined message: analyzes its stored raw bytes again (after an analyzer upgrade or a
// configuration change) and, when it now yields facts, stores them and resolves the entry.
import { gunzipSync } from 'node:zlib';
import { getQuarantined, settleQuarantined } from '../db/ingest-queries';
import { readSendLog } from '../enforcement/facts';
import { factRecordOf } from '../enforcement/fact-records';
import { NotFoundError } from '../errors';
import { afterFactsStored, analysisPoolOf, suppressRecipients, zeroSourceCounts, type IngestDeps } from './batch';

export interface RetryOutcome {
  id: number;
  resolved: boolean;
  facts: number;
  reasonCode: string | null;
  reason: string | null;
}

export async function retryQuarantined(deps: IngestDeps, id: number): Promise<RetryOutcome> {
  const entry = await getQuarantined(deps.db, id);
  if (!entry) throw new NotFoundError(`no quarantine entry ${id}`);
  if (entry.status === 'resolved') return { id, resolved: true, facts: 0, reasonCode: null, reason: 'already resolved' };
  if (entry.headersOnly || !entry.rawGzip) {
    return { id, resolved: false, facts: 0, reasonCode: entry.reasonCode, reason: 'only the headers (or nothing) of this message were kept: nothing to analyze again' };
  }
  const raw = gunzipSync(entry.rawGzip);
  // In the analysis pool like any batch: the API calls this on the thread that answers the relay.
  const [prepared] = await analysisPoolOf(deps).prepare(
    [{ source: entry.source, folder: entry.folder, uidValidity: null, uid: entry.uid, messageKey: '', raw, size: raw.length }],
    { maxMessageBytes: Number.MAX_SAFE_INTEGER, holds: 'auto', attribution: deps.config.attribution, now: deps.now },
  );
  if (!prepared) throw new Error('analysis pool returned no result');
  // The facts' keys derive from the content hash stored with the message, as on first reading.
  prepared.facts = prepared.facts.map((fact) => ({ ...fact, dedupKey: fact.dedupKey.replace(prepared.contentHash, entry.contentHash) }));
  const sends = await readSendLog(deps.db, prepared.facts);
  const records = prepared.facts.map((fact) => factRecordOf(fact, sends));
  const settled = await settleQuarantined(deps.db, { id, messageId: entry.messageId }, { quarantine: prepared.quarantine, facts: records }, deps.now);
  await afterFactsStored(deps, settled, zeroSourceCounts());
  if (settled.resolved) await suppressRecipients(deps, [{ ...prepared, contentHash: entry.contentHash }]);
  return { id, resolved: settled.resolved, facts: settled.facts, reasonCode: prepared.quarantine?.code ?? null, reason: prepared.quarantine?.reason ?? null };
}
