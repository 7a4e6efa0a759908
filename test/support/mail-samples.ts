// Messages to fill test mailboxes with: the shared reference corpus when present, else the
// project's own fixtures; copies get a distinct header so every message's content differs.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitMbox } from '../../src/analysis/mbox';
import { loadCorpus } from '../../bench/corpus';

const fixtures = fileURLToPath(new URL('../fixtures/mail', import.meta.url));

/** IMAP wants CRLF line ends (RFC 3501 §4.3); the corpus has LF, CRLF and CR-only files. */
const crlf = (text: string) => Buffer.from(text.replace(/\r\n|\r|\n/g, '\r\n'), 'latin1');

let cached: { messages: Buffer[]; origin: string } | undefined;

export function sampleMessages(): { messages: Buffer[]; origin: string } {
  if (cached) return cached;
  const corpus = loadCorpus();
  if (corpus) {
    // A corpus file is read as an mbox: a few hold two messages.
    const messages = [...corpus.files.values()].flatMap((bytes) => splitMbox(bytes)).map(crlf);
    cached = { messages, origin: `reference corpus (${messages.length} messages)` };
  } else {
    const messages = readdirSync(fixtures)
      .filter((name) => name.endsWith('.eml'))
      .sort()
      .map((name) => crlf(readFileSync(join(fixtures, name), 'latin1')));
    cached = { messages, origin: `test/fixtures/mail (${messages.length} messages)` };
  }
  return cached;
}

/** `count` messages cycling through the samples, each made unique by a header naming its copy. */
export function numberedMessages(count: number, tag = 'copy'): Buffer[] {
  const { messages } = sampleMessages();
  return Array.from({ length: count }, (_, index) => Buffer.concat([Buffer.from(`X-Warden-Test: ${tag}-${index}\r\n`), messages[index % messages.length]!]));
}
