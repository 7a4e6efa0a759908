// A small, allocation-light MIME reader for reports: headers, multipart trees, transfer and charset
// decoding. The analyzer needs report parts whole and fast; see analyze.ts for why it is not
// mailparser's simpleParser on the hot path.
import { TextDecoder } from 'node:util';
import libmime from 'libmime';
import { isWhiteSpaceCode } from './text-scan';

export interface Header {
  /** Lower-cased field name. */
  name: string;
  /** Unfolded, still encoded value. */
  value: string;
}

export interface MimePart {
  headers: Header[];
  /** Lower-cased media type, 'text/plain' when absent (RFC 2045 §5.2). */
  contentType: string;
  params: Record<string, string>;
  /** Body as a binary (latin1) string with LF line ends, transfer encoding not yet removed. */
  body: string;
  children: MimePart[];
}

const MAX_DEPTH = 12;
const MAX_PARTS = 400;

/** CRLF and CR-only line ends become LF, so every later step sees one shape. */
export function normaliseLineEnds(text: string): string {
  if (text.indexOf('\r') === -1) return text;
  // Two plain-string passes (CRLF, then any CR left alone) cost less than one /\r\n?/g.
  const crlf = text.replaceAll('\r\n', '\n');
  return crlf.indexOf('\r') === -1 ? crlf : crlf.replaceAll('\r', '\n');
}

/** Splits a header block from its body at the first empty line. */
export function splitHeaderBlock(text: string): { head: string; body: string } {
  if (text.startsWith('\n')) return { head: '', body: text.slice(1) };
  const at = text.indexOf('\n\n');
  if (at === -1) return { head: text, body: '' };
  return { head: text.slice(0, at), body: text.slice(at + 2) };
}

/** Parses an unfolded header block; lines that are not fields end nothing, they are skipped. */
export function parseHeaders(head: string): Header[] {
  const headers: Header[] = [];
  const lines = head.split('\n');
  let current: Header | undefined;
  for (const line of lines) {
    if (line === '') continue;
    const first = line.charCodeAt(0);
    if ((first === 32 || first === 9) && current) {
      current.value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0 || colon > 76) {
      current = undefined;
      continue;
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === '' || hasWhiteSpace(name)) {
      current = undefined;
      continue;
    }
    current = { name, value: line.slice(colon + 1).trim() };
    headers.push(current);
  }
  return headers;
}

/** `/\s/.test(text)` without a regular-expression call. */
function hasWhiteSpace(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) if (isWhiteSpaceCode(text.charCodeAt(i))) return true;
  return false;
}


export function headerValue(headers: Header[], name: string): string | undefined {
  for (const header of headers) if (header.name === name) return header.value;
  return undefined;
}

/** Splits `type/subtype; a=b; c="d"` into a lower-cased type and its parameters. */
export function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  if (!value) return { type: 'text/plain', params };
  // The type ends at ';' or at a space: "text/plain charset=..." lost its semicolon somewhere.
  const typeMatch = /^\s*([^;\s]*)/.exec(value);
  const type = (typeMatch?.[1] ?? '').toLowerCase() || 'text/plain';
  const rest = value.slice(typeMatch?.[0].length ?? 0);
  let extended = false;
  for (const { name, value: raw } of contentTypeParams(rest)) {
    if (name.includes('*')) extended = true;
    else params[name.toLowerCase()] = raw;
  }
  if (extended) Object.assign(params, extendedParams(value));
  return { type: type.includes('/') ? type : 'text/plain', params };
}

/**
 * RFC 2231 parameters (`name*=charset'lang'%xx`, continuations `name*0*=`, `name*1=`), joined and
 * decoded by libmime; the plain ones are read above. Nothing when libmime cannot read the value.
 */
function extendedParams(value: string): Record<string, string> {
  try {
    const parsed = libmime.parseHeaderValue(value);
    const decoded: Record<string, string> = {};
    for (const name of parsed.decodedParams) if (parsed.params[name] !== undefined) decoded[name] = parsed.params[name];
    return decoded;
  } catch {
    return {};
  }
}

/**
 * The parameters after a content type, as `/[;\s]\s*([A-Za-z0-9_.*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))/g`
 * finds them (a quoted value unescaped), in one pass. That expression, retried at every white-space
 * character of a run and reading the run to its end each time, took time growing with the square of
 * the run: a Content-Type line with 100,000 spaces held the thread for seconds.
 */
function* contentTypeParams(text: string): Generator<{ name: string; value: string }> {
  let at = 0;
  while (at < text.length) {
    const code = text.charCodeAt(at);
    if (code !== 59 && !isWhiteSpaceCode(code)) {
      at += 1;
      continue;
    }
    const nameStart = skipWhiteSpace(text, at + 1);
    let nameEnd = nameStart;
    while (nameEnd < text.length && isParamNameCode(text.charCodeAt(nameEnd))) nameEnd += 1;
    const equals = skipWhiteSpace(text, nameEnd);
    if (nameEnd === nameStart || text.charCodeAt(equals) !== 61) {
      // Every start inside the white space just read reaches the same name, and fails the same way.
      at = nameEnd === nameStart ? Math.max(at + 1, nameStart) : nameEnd;
      continue;
    }
    const valueStart = skipWhiteSpace(text, equals + 1);
    const quotedEnd = text.charCodeAt(valueStart) === 34 ? closingQuote(text, valueStart + 1) : -1;
    if (quotedEnd !== -1) {
      yield { name: text.slice(nameStart, nameEnd), value: text.slice(valueStart + 1, quotedEnd).replace(/\\(.)/g, '$1') };
      at = quotedEnd + 1;
    } else {
      let valueEnd = valueStart;
      while (valueEnd < text.length && text.charCodeAt(valueEnd) !== 59 && !isWhiteSpaceCode(text.charCodeAt(valueEnd))) valueEnd += 1;
      yield { name: text.slice(nameStart, nameEnd), value: text.slice(valueStart, valueEnd) };
      at = valueEnd;
    }
  }
}

function skipWhiteSpace(text: string, from: number): number {
  let at = from;
  while (at < text.length && isWhiteSpaceCode(text.charCodeAt(at))) at += 1;
  return at;
}

/** [A-Za-z0-9_.*-] */
function isParamNameCode(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || (code >= 48 && code <= 57) || code === 95 || code === 46 || code === 42 || code === 45;
}

/**
 * The index of the '"' closing a quoted string whose content starts at `from`, or -1. A backslash
 * quotes the next character unless it ends a line (the '.' of `\\.` does not match line ends).
 */
function closingQuote(text: string, from: number): number {
  for (let at = from; at < text.length; at += 1) {
    const code = text.charCodeAt(at);
    if (code === 34) return at;
    if (code === 92) {
      const next = text.charCodeAt(at + 1);
      if (Number.isNaN(next) || next === 10 || next === 13 || next === 0x2028 || next === 0x2029) return -1;
      at += 1;
    }
  }
  return -1;
}

/** Parses a whole message (binary string, LF line ends) into a part tree. */
export function parseMime(text: string): MimePart {
  const counter = { parts: 0 };
  return parsePart(text, 0, counter);
}

function parsePart(text: string, depth: number, counter: { parts: number }): MimePart {
  counter.parts += 1;
  const { head, body } = splitHeaderBlock(text);
  const headers = parseHeaders(head);
  const { type, params } = parseContentType(headerValue(headers, 'content-type'));
  const part: MimePart = { headers, contentType: type, params, body, children: [] };
  if (depth >= MAX_DEPTH || counter.parts >= MAX_PARTS) return part;
  if (type.startsWith('multipart/')) {
    let chunks = params.boundary ? splitMultipart(body, params.boundary) : [];
    if (chunks.length === 0) {
      // A boundary parameter that the body never uses (rewritten headers, a lost parameter): the
      // body's own first "--token" line that recurs is the boundary.
      const guess = /^--([^\s-][^\s]{5,})\s*$/m.exec(body)?.[1];
      if (guess && body.indexOf('\n--' + guess, body.indexOf('--' + guess) + 2) !== -1) chunks = splitMultipart(body, guess);
    }
    // A multipart body with no parts at all is read as the plain text it really is.
    if (chunks.length === 0) part.contentType = 'text/plain';
    for (const chunk of chunks) {
      if (counter.parts >= MAX_PARTS) break;
      part.children.push(parsePart(chunk, depth + 1, counter));
    }
  } else if (type === 'message/rfc822' || type === 'message/global') {
    const decoded = decodeTransfer(body, headerValue(headers, 'content-transfer-encoding'));
    part.children.push(parsePart(decoded, depth + 1, counter));
  }
  return part;
}

function splitMultipart(body: string, boundary: string): string[] {
  const delimiter = '--' + boundary;
  const chunks: string[] = [];
  let start = -1;
  let pos: number;
  if (body.startsWith(delimiter)) pos = 0;
  else pos = lineStartingWith(body, delimiter, 1);
  while (pos !== -1) {
    const lineEnd = body.indexOf('\n', pos);
    const isClose = body.startsWith('--', pos + delimiter.length);
    if (start !== -1) chunks.push(body.slice(start, pos > 0 ? pos - 1 : pos));
    if (isClose || lineEnd === -1) {
      start = -1;
      break;
    }
    start = lineEnd + 1;
    pos = lineStartingWith(body, delimiter, lineEnd + 1);
  }
  // Truncated MIME: a part without its closing delimiter still counts.
  if (start !== -1 && start < body.length) chunks.push(body.slice(start));
  return chunks;
}

/**
 * The first index at or after `from` (and after 0) where a line starts with `prefix`. Searching for
 * the prefix and checking the character before is several times faster than searching for
 * "\n" + prefix: the string search keys on the first character, and "\n" is everywhere.
 */
export function lineStartingWith(text: string, prefix: string, from: number): number {
  let at = text.indexOf(prefix, Math.max(from, 1));
  while (at !== -1 && text.charCodeAt(at - 1) !== 10) at = text.indexOf(prefix, at + 1);
  return at;
}

export function decodeTransfer(body: string, encoding: string | undefined): string {
  const cte = (encoding ?? '').trim().toLowerCase();
  if (cte === 'base64') return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('latin1');
  if (cte === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

/**
 * Quoted-printable (RFC 2045 §6.7) to a binary string: trailing white space of each line dropped,
 * soft line breaks ("=" at a line end) joined, "=XX" decoded; any other "=" stays as written.
 */
export function decodeQuotedPrintable(body: string): string {
  const joined = trimLineEnds(body).replaceAll('=\n', '');
  let at = joined.indexOf('=');
  if (at === -1) return joined;
  let decoded = '';
  let copied = 0;
  while (at !== -1) {
    const high = hexValue(joined.charCodeAt(at + 1));
    const low = high === -1 ? -1 : hexValue(joined.charCodeAt(at + 2));
    if (low === -1) {
      at = joined.indexOf('=', at + 1);
      continue;
    }
    decoded += joined.slice(copied, at) + String.fromCharCode(high * 16 + low);
    copied = at + 3;
    at = joined.indexOf('=', copied);
  }
  return decoded + joined.slice(copied);
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** `text.replace(/[ \t]+$/gm, '')`: spaces and tabs before each line end removed. */
function trimLineEnds(text: string): string {
  // The regular expression's line ends include CR, U+2028 and U+2029; the loop below knows only LF.
  if (text.indexOf('\r') !== -1 || text.indexOf('\u2028') !== -1 || text.indexOf('\u2029') !== -1) return text.replace(/[ \t]+$/gm, '');
  let trimmed = '';
  let copied = 0;
  let lineStart = 0;
  for (;;) {
    const lineEnd = text.indexOf('\n', lineStart);
    const end = lineEnd === -1 ? text.length : lineEnd;
    let cut = end;
    while (cut > lineStart && (text.charCodeAt(cut - 1) === 32 || text.charCodeAt(cut - 1) === 9)) cut -= 1;
    if (cut !== end) {
      trimmed += text.slice(copied, cut);
      copied = end;
    }
    if (lineEnd === -1) break;
    lineStart = lineEnd + 1;
  }
  return copied === 0 ? text : trimmed + text.slice(copied);
}

const decoders = new Map<string, TextDecoder | null>();

function decoderFor(charset: string): TextDecoder | null {
  const key = charset.trim().toLowerCase();
  let decoder = decoders.get(key);
  if (decoder === undefined) {
    try {
      decoder = new TextDecoder(key === 'utf8' ? 'utf-8' : key);
    } catch {
      decoder = null;
    }
    decoders.set(key, decoder);
  }
  return decoder;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** Turns a binary string into text: the named charset, else UTF-8 when valid, else latin1. */
export function decodeCharset(binary: string, charset: string | undefined): string {
  // Pure ASCII (every character one UTF-8 byte: the native length count is several times faster
  // than a /[^\x00-\x7f]/ scan) without ESC has nothing to decode.
  // eslint-disable-next-line no-control-regex
  if (Buffer.byteLength(binary, 'utf8') === binary.length && !/\x1b/.test(binary)) return binary;
  // Already text (a code point above 0xff cannot be a byte): nothing to decode.
  if (/[^\x00-\xff]/.test(binary)) return binary;
  const bytes = Buffer.from(binary, 'latin1');
  // ISO-2022-JP announces itself with escape sequences even where no charset is declared.
  const named = charset ? decoderFor(charset) : /\x1b\$[@B]/.test(binary) ? decoderFor('iso-2022-jp') : null;
  if (named) {
    try {
      return named.decode(bytes);
    } catch {
      // fall through to the guesses below
    }
  }
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return binary;
  }
}

/** Decodes raw 8-bit (UTF-8) header text, then RFC 2047 encoded words (by libmime). */
export function decodeHeaderText(value: string): string {
  // Raw 8-bit bytes first (they are the binary string); encoded words are ASCII and decode after.
  const text = decodeCharset(value, undefined);
  if (!text.includes('=?')) return text;
  try {
    // libmime joins adjacent words of one charset before decoding, so a character split across
    // two words (as Exchange splits ISO-2022-JP subjects) decodes whole.
    return libmime.decodeWords(text);
  } catch {
    return text;
  }
}

/** The decoded text of a leaf part. */
export function partText(part: MimePart): string {
  const binary = decodeTransfer(part.body, headerValue(part.headers, 'content-transfer-encoding'));
  return decodeCharset(binary, part.params.charset);
}

/** Visits every part depth-first, with whether it sits inside an attached message. */
export function walkParts(root: MimePart, visit: (part: MimePart, insideAttachedMessage: boolean) => void): void {
  const stack: Array<[MimePart, boolean]> = [[root, false]];
  while (stack.length > 0) {
    const [part, inside] = stack.pop()!;
    visit(part, inside);
    const attached = inside || part.contentType === 'message/rfc822' || part.contentType === 'message/global';
    for (let i = part.children.length - 1; i >= 0; i -= 1) stack.push([part.children[i]!, attached]);
  }
}
