// Reads a local Maildir or mbox (relays that deliver feedback mail locally, and the demo) through
// the same analysis and storage as IMAP. The store is only read: nothing is moved or deleted, and
// a message already taken in (by file name, or by content) is recognised on every later pass.
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { splitMbox } from '../analysis/mbox';
import { localSourceName, type MailboxesConfig } from '../config/mailboxes';
import { knownMessageKeys } from '../db/ingest-queries';
import { ingestBatch, zeroSourceCounts, zeroStageMs, type IngestDeps } from './batch';
import { IngestError } from './errors';
import type { SourceResult } from './imap-source';
import { contentHashOf, messageKeyOf, type RawMessage } from './message';
import { readRegularFile } from './regular-file';

export type LocalStore = MailboxesConfig['local'][number];

const batchSize = 200;
/** The same limit IMAP accounts default to: a local store has no setting of its own. */
const maxMessageBytes = 10 * 1024 * 1024;

async function maildirFiles(path: string): Promise<string[]> {
  const files: string[] = [];
  for (const sub of ['new', 'cur']) {
    const names = await readdir(join(path, sub)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    for (const name of names.sort()) if (!name.startsWith('.')) files.push(join(path, sub, name));
  }
  return files;
}

export async function ingestLocalStore(deps: IngestDeps, store: LocalStore): Promise<SourceResult> {
  const source = localSourceName(store);
  const result: SourceResult = { source, counts: zeroSourceCounts(), stageMs: zeroStageMs(), failure: null, folders: [{ path: store.path }] };
  try {
    const known = await knownMessageKeys(deps.db, source);
    const options = { holds: store.holds, maxMessageBytes, checkpoint: null };
    let batch: RawMessage[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      await ingestBatch(deps, batch, options, result);
      batch = [];
    };
    if (store.format === 'maildir') {
      await stat(store.path);
      const read = new Set<string>();
      for (const file of await maildirFiles(store.path)) {
        // A Maildir file keeps its unique name when it moves from new/ to cur/ and gains ":2,flags".
        const unique = basename(file).split(':')[0]!;
        const messageKey = messageKeyOf(source, '', null, unique);
        if (known.has(messageKey)) continue;
        const entry = await readRegularFile(file);
        if (entry.kind === 'skipped') {
          deps.logger.warn({ source, path: file, reason: entry.reason }, 'local store: file skipped');
          continue;
        }
        // A symlink to a file already read this pass is the same message.
        if (read.has(entry.identity)) continue;
        read.add(entry.identity);
        const raw = entry.bytes;
        batch.push({ source, folder: '', uidValidity: null, uid: null, messageKey, raw, size: raw.length });
        if (batch.length >= batchSize) await flush();
      }
    } else {
      const mbox = await readRegularFile(store.path);
      if (mbox.kind === 'skipped') throw new Error(mbox.reason);
      for (const text of splitMbox(mbox.bytes)) {
        const raw = Buffer.from(text, 'latin1');
        const messageKey = messageKeyOf(source, '', null, contentHashOf({ raw, size: raw.length }));
        if (known.has(messageKey)) continue;
        batch.push({ source, folder: '', uidValidity: null, uid: null, messageKey, raw, size: raw.length });
        if (batch.length >= batchSize) await flush();
      }
    }
    await flush();
  } catch (error) {
    result.counts.errors++;
    result.failure = error instanceof IngestError ? error : new IngestError('E_LOCAL_READ', `${source}: cannot read ${store.path}: ${(error as Error).message}`, { cause: error });
  }
  return result;
}
