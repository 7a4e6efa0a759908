// Why a mailbox could not be read, as a machine-readable code the run and the event carry.
import { WardenError } from '../errors';

export type IngestErrorCode =
  | 'E_IMAP_AUTH'
  | 'E_IMAP_TLS'
  | 'E_IMAP_CONNECTION'
  | 'E_IMAP_FOLDER'
  | 'E_LOCAL_READ'
  /** The database refused a batch: nothing of it was stored, the checkpoint did not move. */
  | 'E_INGEST_STORE'
  /** A batch was stored, then re-evaluating its senders failed; the evaluate-reputation job catches up. */
  | 'E_INGEST_EVALUATE';

export class IngestError extends WardenError {
  constructor(
    override readonly code: IngestErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, 502, options);
  }
}

/** Maps what imapflow or the socket threw to an IngestError with a reason an operator can act on. */
export function classifyImapError(error: unknown, where: string): IngestError {
  if (error instanceof IngestError) return error;
  const failure = error as { code?: string; message?: string; authenticationFailed?: boolean; responseText?: string; serverResponseCode?: string };
  const text = failure.responseText || failure.message || String(error);
  const code = failure.code ?? '';
  if (failure.authenticationFailed || failure.serverResponseCode === 'AUTHENTICATIONFAILED') {
    return new IngestError('E_IMAP_AUTH', `${where}: authentication failed (check user and password): ${text}`, { cause: error });
  }
  if (/^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(code) || code === 'ClosedAfterConnectTLS' || code === 'UPGRADE_TIMEOUT' || /certificate|ssl routines|tls/i.test(text)) {
    return new IngestError('E_IMAP_TLS', `${where}: TLS failed (${code || 'handshake'}): ${text}`, { cause: error });
  }
  return new IngestError('E_IMAP_CONNECTION', `${where}: ${code ? `${code}: ` : ''}${text}`, { cause: error });
}

/** Runs a storage step of ingestion; its failure carries `code`, not the mail source's connection code. */
export async function labelledStep<T>(code: 'E_INGEST_STORE' | 'E_INGEST_EVALUATE', what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof IngestError) throw error;
    throw new IngestError(code, `${what}: ${rootMessage(error)}`, { cause: error });
  }
}

/** The driver's own words: drizzle wraps them in "Failed query: <sql> params: <rows>", which would put mail data in events. */
function rootMessage(error: unknown): string {
  let inner = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  return inner instanceof Error ? inner.message : String(inner);
}
