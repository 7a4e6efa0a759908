// Mailbox maintenance over IMAP that the tests, the benchmark and operators filling a demo mailbox
// need: append messages over several connections, re-create a folder, count, and a raw fetch
// of everything (the benchmark's ceiling). Kept here so imapflow stays inside src/ingest/.
import type { ImapAccount } from './imap-source';
import { imapClientFor, uidSet } from './imap-source';

type Server = Pick<ImapAccount, 'host' | 'port' | 'tls' | 'user' | 'password'>;

async function withClient<T>(server: Server, use: (client: ReturnType<typeof imapClientFor>) => Promise<T>): Promise<T> {
  const client = imapClientFor(server);
  client.on('error', () => {});
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** APPENDs the messages to a folder (created if missing), spread over `connections` connections. */
export async function appendMessages(server: Server, folder: string, messages: Buffer[], connections = 6): Promise<void> {
  await withClient(server, async (client) => {
    await client.mailboxCreate(folder).catch(() => {});
  });
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(connections, messages.length)) }, () =>
      withClient(server, async (client) => {
        for (let index = next++; index < messages.length; index = next++) {
          const appended = await client.append(folder, messages[index]!);
          if (!appended) throw new Error(`APPEND to ${folder} refused message ${index}`);
        }
      }),
    ),
  );
}

/** Deletes and re-creates a folder (the server gives it a new UIDVALIDITY). */
export async function recreateFolder(server: Server, folder: string): Promise<void> {
  await withClient(server, async (client) => {
    await client.mailboxDelete(folder).catch(() => {});
    await client.mailboxCreate(folder);
  });
}

export async function folderStatus(server: Server, folder: string): Promise<{ messages: number; unseen: number; uidValidity: bigint }> {
  return withClient(server, async (client) => {
    const status = await client.status(folder, { messages: true, unseen: true, uidValidity: true });
    if (!status) throw new Error(`STATUS ${folder} failed`);
    return { messages: status.messages ?? 0, unseen: status.unseen ?? 0, uidValidity: BigInt(status.uidValidity ?? 0) };
  });
}

/** Fetches every message of a folder in batches and returns how many bytes came: no analysis, no storage. */
export async function rawFetchAll(server: Server, folder: string, batchSize = 200): Promise<{ messages: number; bytes: number }> {
  return withClient(server, async (client) => {
    const lock = await client.getMailboxLock(folder);
    try {
      const uids = ((await client.search({ all: true }, { uid: true })) || []).sort((a, b) => a - b);
      let bytes = 0;
      let messages = 0;
      for (let i = 0; i < uids.length; i += batchSize) {
        const fetched = await client.fetchAll(uidSet(uids.slice(i, i + batchSize)), { uid: true, size: true, source: true }, { uid: true });
        for (const message of fetched) {
          messages++;
          bytes += message.source?.length ?? 0;
        }
      }
      return { messages, bytes };
    } finally {
      lock.release();
    }
  });
}
