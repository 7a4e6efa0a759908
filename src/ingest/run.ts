// One ingestion pass over every configured IMAP account and local store: each source's counts and
// duration are recorded as an ingest run; a source that failed raises a mailbox.failing event, and
// its next good run mailbox.recovered.
import { insertEvents } from '../db/events';
import { countOpenQuarantine, insertIngestRun, latestIngestOutcome, pruneRawMessages } from '../db/ingest-queries';
import { suppressionOf, suppressUnsighted } from '../enforcement/suppression';
import { analysisPoolOf, zeroStageMs, type IngestDeps, type SourceCounts, type StageMs } from './batch';
import { ingestImapAccount, type SourceResult } from './imap-source';
import { ingestLocalStore } from './local-source';

export interface IngestSummary extends SourceCounts {
  sources: number;
  failedSources: number;
  quarantineOpen: number;
  rawPruned: number;
  durationMs: number;
  /** Time per stage, summed over the sources (stages overlap within a source). */
  stageMs: StageMs;
  failures: Array<{ source: string; code: string; message: string }>;
}

export async function ingestMailboxes(given: IngestDeps): Promise<IngestSummary> {
  const started = performance.now();
  const { mailboxes } = given.config;
  const deps = { ...given, analysis: analysisPoolOf(given) };
  const summary: IngestSummary = {
    sources: 0, failedSources: 0, fetched: 0, stored: 0, duplicates: 0, quarantined: 0, facts: 0, errors: 0, changed: 0, campaigns: 0,
    quarantineOpen: 0, rawPruned: 0, durationMs: 0, stageMs: zeroStageMs(), failures: [],
  };
  const sources: Array<() => Promise<SourceResult>> = [
    ...mailboxes.imap.map((account) => () => ingestImapAccount(deps, account)),
    ...mailboxes.local.map((store) => () => ingestLocalStore(deps, store)),
  ];
  for (const readSource of sources) {
    const sourceStarted = performance.now();
    const startedAt = new Date();
    const result = await readSource();
    const previousOutcome = await latestIngestOutcome(deps.db, result.source);
    const durationMs = Math.round(performance.now() - sourceStarted);
    summary.sources++;
    for (const key of Object.keys(result.counts) as (keyof SourceCounts)[]) summary[key] += result.counts[key];
    const stageMs = Object.fromEntries(Object.entries(result.stageMs).map(([stage, ms]) => [stage, Math.round(ms)])) as unknown as StageMs;
    for (const stage of Object.keys(stageMs) as Array<keyof StageMs>) summary.stageMs[stage] += stageMs[stage];
    await insertIngestRun(deps.db, {
      source: result.source,
      startedAt,
      durationMs,
      outcome: result.failure ? 'failed' : 'succeeded',
      fetched: result.counts.fetched,
      stored: result.counts.stored,
      duplicates: result.counts.duplicates,
      quarantined: result.counts.quarantined,
      errors: result.counts.errors,
      errorCode: result.failure?.code ?? null,
      error: result.failure?.message ?? null,
      details: { folders: result.folders, facts: result.counts.facts, stageMs },
    });
    const log = { source: result.source, durationMs, ...result.counts, stageMs };
    if (result.failure) {
      summary.failedSources++;
      summary.failures.push({ source: result.source, code: result.failure.code, message: result.failure.message });
      deps.logger.error({ ...log, code: result.failure.code, reason: result.failure.message }, 'mailbox ingestion failed');
      await insertEvents(deps.db, [
        {
          type: 'mailbox.failing',
          severity: result.failure.code === 'E_IMAP_CONNECTION' ? 'warning' : 'error',
          subject: `mailbox:${result.source}`,
          summary: `${result.source}: ${result.failure.message}`,
          payload: { source: result.source, code: result.failure.code, ...result.counts },
          at: deps.now,
        },
      ]);
    } else {
      deps.logger.info(log, 'mailbox ingested');
      // Closes the mailbox.failing incident (alerts/routing.ts pairs the verbs).
      if (previousOutcome === 'failed') {
        await insertEvents(deps.db, [
          { type: 'mailbox.recovered', severity: 'info', subject: `mailbox:${result.source}`, summary: `${result.source}: read again`, payload: { source: result.source, ...result.counts }, at: deps.now },
        ]);
      }
    }
  }
  if (summary.quarantined > 0) {
    await insertEvents(deps.db, [
      {
        type: 'quarantine.growing',
        severity: 'warning',
        subject: 'quarantine',
        summary: `${summary.quarantined} message(s) quarantined in this run`,
        payload: { quarantined: summary.quarantined },
        at: deps.now,
      },
    ]);
  }
  await catchUpSuppression(deps);
  summary.quarantineOpen = await countOpenQuarantine(deps.db);
  if (mailboxes.rawRetentionDays > 0) {
    summary.rawPruned = await pruneRawMessages(deps.db, new Date(deps.now.getTime() - mailboxes.rawRetentionDays * 86_400_000));
  }
  summary.durationMs = Math.round(performance.now() - started);
  return summary;
}

/** Suppression for facts stored but never acted on (see suppressUnsighted); a failure is logged, not thrown. */
async function catchUpSuppression(deps: IngestDeps): Promise<void> {
  const suppression = deps.config.suppression && suppressionOf(deps.db, deps.config.suppression);
  if (!suppression) return;
  try {
    const caughtUp = await suppressUnsighted(suppression, deps.now);
    if (caughtUp.sighted + caughtUp.redacted > 0) deps.logger.info({ ...caughtUp }, 'suppression caught up with stored facts never acted on');
  } catch (error) {
    deps.logger.error({ err: error, code: 'E_INGEST_SUPPRESS' }, 'catching up suppression with stored facts failed');
  }
}
