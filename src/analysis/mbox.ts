// Splits mbox bytes into messages; a file with no leading "From " line is one message.
import { normaliseLineEnds } from './mime';

/**
 * Splits an mbox (mboxo/mboxrd) into messages. Every line starting with "From " begins a message
 * (mboxo quotes such body lines as ">From "); text before the first one, as in a file that has
 * none, is a message of its own. LF, CRLF and CR-only line ends are all read.
 */
export function splitMbox(raw: Buffer | string): string[] {
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  const lf = normaliseLineEnds(text);
  const starts: number[] = [];
  if (lf.startsWith('From ')) starts.push(0);
  else starts.push(-1);
  // One pass over "From " finds the From lines and whether any line is a quoted ">From " (most
  // files have none). Searching for "\nFrom " is slower: the search keys on the first character.
  let quoted = false;
  for (let at = lf.indexOf('From ', 1); at !== -1; at = lf.indexOf('From ', at + 1)) {
    const before = lf.charCodeAt(at - 1);
    if (before === 10) starts.push(at);
    else if (before === 62 && at >= 2 && lf.charCodeAt(at - 2) === 10) quoted = true;
  }
  const messages: string[] = [];
  for (let i = 0; i < starts.length; i += 1) {
    const start = starts[i]!;
    const end = i + 1 < starts.length ? starts[i + 1]! : lf.length;
    let body: string;
    if (start === -1) body = lf.slice(0, end);
    else {
      const lineEnd = lf.indexOf('\n', start);
      body = lineEnd === -1 || lineEnd >= end ? '' : lf.slice(lineEnd + 1, end);
    }
    // mboxrd: ">From " quoted lines are restored.
    if (quoted && body.includes('\n>From ')) body = body.replace(/\n>(>*From )/g, '\n$1');
    if (body.trim() !== '') messages.push(body);
  }
  return messages;
}
