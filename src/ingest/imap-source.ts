// Reads the folders of one IMAP account (imapflow lives only in src/ingest/): per folder, under the
// mailbox lock, fetches the UIDs above the checkpoint in batches, stores each batch with its
// checkpoint in one transaction, and only then applies the folder's post-action on the server.
import { ImapFlow, type FetchMessageObject, type MailboxObject } from 'imapflow';
import { imapSourceName, type MailboxesConfig } from '../config/mailboxes';
import { readCheckpoint } from '../db/ingest-queries';
import { analysisPoolOf, prepareBatch, storePrepared, timed, zeroSourceCounts, zeroStageMs, type IngestDeps, type SourceTally } from './batch';
import { classifyImapError, IngestError } from './errors';
import { messageKeyOf, type RawMessage } from './message';

export type ImapAccount = MailboxesConfig['imap'][number];
type FolderConfig = ImapAccount['folders'][number];

export interface SourceResult extends SourceTally {
  source: string;
  /** The first failure that stopped the account or a folder; null when all went through. */
  failure: IngestError | null;
  folders: Array<{ path: string; uidValidity?: string; lastUid?: number; uidValidityChanged?: boolean; error?: string }>;
}

/** Compresses sorted UIDs into an IMAP sequence set ("1:200,205"). */
export function uidSet(uids: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < uids.length; ) {
    let j = i;
    while (j + 1 < uids.length && uids[j + 1] === uids[j]! + 1) j++;
    parts.push(i === j ? `${uids[i]}` : `${uids[i]}:${uids[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

export function imapClientFor(account: Pick<ImapAccount, 'host' | 'port' | 'tls' | 'user' | 'password'>): ImapFlow {
  return new ImapFlow({
    host: account.host,
    port: account.port,
    secure: account.tls === 'implicit',
    // starttls must upgrade or fail: credentials never cross in clear text by accident.
    doSTARTTLS: account.tls === 'starttls' ? true : account.tls === 'none' ? false : undefined,
    auth: { user: account.user, pass: account.password },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 30_000,
    greetingTimeout: 16_000,
    socketTimeout: 120_000,
  });
}

export async function ingestImapAccount(deps: IngestDeps, account: ImapAccount): Promise<SourceResult> {
  const source = imapSourceName(account);
  const result: SourceResult = { source, counts: zeroSourceCounts(), stageMs: zeroStageMs(), failure: null, folders: [] };
  const client = imapClientFor(account);
  // imapflow also reports a dropped socket as an 'error' event; the pending command rejects too.
  client.on('error', (error: unknown) => deps.logger.warn({ source, err: error }, 'imap connection error'));
  try {
    await client.connect();
  } catch (error) {
    result.counts.errors++;
    result.failure = classifyImapError(error, `${source} (${account.host}:${account.port})`);
    return result;
  }
  try {
    for (const folder of account.folders) {
      const report: SourceResult['folders'][number] = { path: folder.path };
      result.folders.push(report);
      try {
        await ingestFolder(deps, client, account, folder, result, report);
      } catch (error) {
        result.counts.errors++;
        const failure = classifyImapError(error, `${source}/${folder.path}`);
        report.error = failure.message;
        result.failure ??= failure;
        deps.logger.warn({ source, folder: folder.path, code: failure.code, err: error }, 'folder ingestion stopped');
        if (!client.usable) break;
      }
    }
  } finally {
    if (client.usable) await client.logout().catch(() => client.close());
    else client.close();
  }
  return result;
}

async function ingestFolder(deps: IngestDeps, client: ImapFlow, account: ImapAccount, folder: FolderConfig, tally: SourceTally, report: SourceResult['folders'][number]) {
  const source = imapSourceName(account);
  const after = folder.afterProcessing;
  if (after.action === 'move') await ensureFolder(client, after.folder);
  let lock;
  try {
    lock = await client.getMailboxLock(folder.path);
  } catch (error) {
    if ((error as { code?: string }).code === 'NotFound' || /nonexistent|not exist|doesn't exist/i.test(String((error as Error).message))) {
      throw new IngestError('E_IMAP_FOLDER', `${source}: folder ${folder.path} does not exist`, { cause: error });
    }
    throw error;
  }
  try {
    const mailbox = client.mailbox as MailboxObject;
    const uidValidity = BigInt(mailbox.uidValidity);
    const checkpoint = await readCheckpoint(deps.db, source, folder.path);
    // A new UIDVALIDITY (folder re-created, server migrated) voids every UID: read from the start;
    // the content hash recognises the messages already stored.
    const changed = checkpoint !== null && checkpoint.uidValidity !== uidValidity;
    const lastUid = checkpoint && !changed ? checkpoint.lastUid : 0;
    report.uidValidity = String(uidValidity);
    report.uidValidityChanged = changed;
    if (changed) deps.logger.warn({ source, folder: folder.path, from: String(checkpoint!.uidValidity), to: String(uidValidity) }, 'UIDVALIDITY changed: re-reading the folder');
    if (lastUid > 0) await finishPostActions(client, folder, lastUid);
    if (mailbox.exists === 0) return;
    const found = (await client.search({ uid: `${lastUid + 1}:*` }, { uid: true })) || [];
    // "n:*" always matches the highest UID, even below n (RFC 3501 §6.4.8).
    const pending = found.filter((uid) => uid > lastUid).sort((a, b) => a - b);
    if (pending.length > 0) analysisPoolOf(deps).warm();
    const chunks: number[][] = [];
    for (let i = 0; i < pending.length; i += account.batchSize) chunks.push(pending.slice(i, i + account.batchSize));
    const fetchChunk = (uids: number[]) =>
      timed(tally.stageMs, 'fetch', () => client.fetchAll(uidSet(uids), { uid: true, size: true, internalDate: true, source: { maxLength: account.maxMessageBytes } }, { uid: true }));
    // The stages overlap: while batch n is written, batch n+1 is analyzed (in the analysis pool's
    // threads) and batch n+2 fetched. Batches commit in order, each with its checkpoint, and a
    // batch's post-action is sent only after its commit; imapflow runs commands in issue order.
    let next: Promise<FetchMessageObject[]> | undefined = chunks[0] ? fetchChunk(chunks[0]) : undefined;
    let writing: Promise<void> = Promise.resolve();
    try {
      for (let i = 0; i < chunks.length; i++) {
        const fetched = await next!;
        next = chunks[i + 1] ? fetchChunk(chunks[i + 1]!) : undefined;
        next?.catch(() => {}); // observed when awaited; a failure before that must not go unhandled
        const messages: RawMessage[] = fetched.map((message) => ({
          source,
          folder: folder.path,
          uidValidity,
          uid: message.uid,
          messageKey: messageKeyOf(source, folder.path, uidValidity, message.uid),
          raw: message.source ?? Buffer.alloc(0),
          size: message.size ?? message.source?.length ?? 0,
          receivedAt: message.internalDate instanceof Date ? message.internalDate : undefined,
        }));
        const preparing = prepareBatch(deps, messages, { holds: folder.holds, maxMessageBytes: account.maxMessageBytes }, tally.stageMs);
        preparing.catch(() => {}); // awaited by this batch's write
        const chunk = chunks[i]!;
        const checkpoint = { source, folder: folder.path, uidValidity, lastUid: chunk[chunk.length - 1]! };
        const previous = writing;
        writing = (async () => {
          const prepared = await preparing;
          // A batch whose predecessor failed is not written: checkpoints only ever move in order.
          await previous;
          await storePrepared(deps, prepared, checkpoint, tally);
          await timed(tally.stageMs, 'postAction', () => postAction(client, folder, fetched.map((message) => message.uid)));
          report.lastUid = checkpoint.lastUid;
        })();
        writing.catch(() => {}); // awaited below and at the end
        // At most one batch is analyzed ahead of the one being written.
        await previous;
      }
    } catch (error) {
      // A batch being written when the connection failed still commits (or not) before we report.
      await writing.catch(() => {});
      throw error;
    }
    await writing;
  } finally {
    lock.release();
  }
}

async function ensureFolder(client: ImapFlow, path: string) {
  try {
    await client.mailboxCreate(path);
  } catch (error) {
    if (!/ALREADYEXISTS|already exists/i.test(`${(error as { serverResponseCode?: string }).serverResponseCode ?? ''} ${(error as Error).message} ${(error as { responseText?: string }).responseText ?? ''}`)) throw error;
  }
}

async function postAction(client: ImapFlow, folder: FolderConfig, uids: number[]) {
  if (uids.length === 0) return;
  const range = uidSet([...uids].sort((a, b) => a - b));
  const after = folder.afterProcessing;
  if (after.action === 'move') await client.messageMove(range, after.folder, { uid: true });
  else if (after.action === 'seen') await client.messageFlagsAdd(range, ['\\Seen'], { uid: true });
  else await client.messageDelete(range, { uid: true });
}

/**
 * Messages at or below the checkpoint are stored; if a crash came between the commit and the
 * post-action, they are still here (or still unseen): finish the post-action now.
 */
async function finishPostActions(client: ImapFlow, folder: FolderConfig, lastUid: number) {
  const query = folder.afterProcessing.action === 'seen' ? { uid: `1:${lastUid}`, seen: false } : { uid: `1:${lastUid}` };
  const left = ((await client.search(query, { uid: true })) || []).filter((uid) => uid <= lastUid);
  await postAction(client, folder, left);
}
