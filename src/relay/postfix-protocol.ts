// Postfix's policy delegation protocol (SMTPD_POLICY_README), with no I/O: a request is
// `name=value` lines ended by an empty line; the answer is `action=<action>` and an empty line.
// Postfix keeps the connection open and sends the next request on it after each answer.
import { oneLine } from './refusal';

/** Attributes of one request, by name (request, protocol_state, sender, sasl_username, ...). */
export type PolicyAttributes = Record<string, string>;

export type PolicyRequest =
  | { ok: true; attributes: PolicyAttributes }
  /** A request that broke the protocol; it still gets an answer (DUNNO), as Postfix expects one. */
  | { ok: false; error: string; attributes: PolicyAttributes };

export interface PolicyReaderLimits {
  /** Longest line; Postfix's own attribute values stay far below (line_length_limit is 2048). */
  maxLineBytes: number;
  /** Most attributes in one request; Postfix 3.x sends about 30. */
  maxAttributes: number;
}

export const defaultReaderLimits: PolicyReaderLimits = { maxLineBytes: 16_384, maxAttributes: 200 };

// The attributes Postfix 3.x sends (SMTPD_POLICY_README). A name read off the wire is matched
// against these and the constant string reused: no string made and interned per name.
const knownNames = [
  'request', 'protocol_state', 'protocol_name', 'helo_name', 'queue_id', 'sender', 'recipient', 'recipient_count',
  'client_address', 'client_name', 'client_port', 'reverse_client_name', 'server_address', 'server_port', 'instance',
  'sasl_method', 'sasl_username', 'sasl_sender', 'size', 'ccert_subject', 'ccert_issuer', 'ccert_fingerprint',
  'ccert_pubkey_fingerprint', 'encryption_protocol', 'encryption_cipher', 'encryption_keysize', 'etrn_domain', 'stress',
  'policy_context', 'compatibility_level', 'mail_version',
];
const knownNamesByLength: string[][] = [];
for (const name of knownNames) (knownNamesByLength[name.length] ??= []).push(name);

const LF = 10;
const CR = 13;
const EQUALS = 61;

/** A name character: [a-z_] at the start, [a-z0-9_] after, either case. */
function isNameCode(code: number, first: boolean): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || (!first && code >= 48 && code <= 57);
}

function nameAt(text: string, start: number, end: number): string {
  const candidates = knownNamesByLength[end - start];
  if (candidates) for (const name of candidates) if (text.startsWith(name, start)) return name;
  return text.slice(start, end);
}

/**
 * Splits a byte stream into requests; feed it whatever the socket delivers. Each read is decoded
 * once, up to its last line end (a UTF-8 character split across TCP segments is decoded whole);
 * the rest waits as bytes for the next read. A line longer than the limit cannot be resynchronised
 * on: `overflowed` turns true and the caller closes the connection.
 */
export class PolicyRequestReader {
  /** The start of a line whose end has not arrived yet. */
  private partial: Buffer | undefined;
  private attributes: PolicyAttributes = {};
  private count = 0;
  private error: string | undefined;
  overflowed = false;

  /** Whether part of a request has arrived and its end has not. */
  get inRequest(): boolean {
    return this.partial !== undefined || this.count > 0 || this.error !== undefined;
  }

  constructor(private readonly limits: PolicyReaderLimits = defaultReaderLimits) {}

  push(chunk: Buffer | string): PolicyRequest[] {
    if (this.overflowed) return [];
    let data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    if (this.partial) {
      data = Buffer.concat([this.partial, data]);
      this.partial = undefined;
    }
    const lastLineEnd = data.lastIndexOf(LF);
    const requests: PolicyRequest[] = [];
    if (lastLineEnd >= 0) {
      const text = data.toString('utf8', 0, lastLineEnd + 1);
      let start = 0;
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
        // Postfix sends LF; people testing by hand with telnet or nc send CRLF.
        const lineEnd = end > start && text.charCodeAt(end - 1) === CR ? end - 1 : end;
        if (lineEnd - start > this.limits.maxLineBytes) this.error ??= `line longer than ${this.limits.maxLineBytes} bytes`;
        else if (lineEnd === start) {
          requests.push(this.error ? { ok: false, error: this.error, attributes: this.attributes } : { ok: true, attributes: this.attributes });
          this.attributes = {};
          this.count = 0;
          this.error = undefined;
        } else this.addLine(text, start, lineEnd);
        start = end + 1;
      }
    }
    const rest = data.length - lastLineEnd - 1;
    if (rest > this.limits.maxLineBytes) this.overflowed = true;
    // A copy: the socket's buffer may be far larger than the line's start.
    else if (rest > 0) this.partial = Buffer.from(data.subarray(lastLineEnd + 1));
    return requests;
  }

  private addLine(text: string, start: number, end: number): void {
    let equals = start;
    while (equals < end && isNameCode(text.charCodeAt(equals), equals === start)) equals++;
    if (equals === start || equals === end || text.charCodeAt(equals) !== EQUALS) {
      this.error ??= `not a name=value line: ${JSON.stringify(text.slice(start, Math.min(end, start + 80)))}`;
      return;
    }
    if (++this.count > this.limits.maxAttributes) {
      this.error ??= `more than ${this.limits.maxAttributes} attributes`;
      return;
    }
    this.attributes[nameAt(text, start, equals)] = text.slice(equals + 1, end);
  }
}

/** Postfix access(5) actions this server answers with. */
export type PostfixAction =
  | { kind: 'DUNNO' }
  | { kind: 'DEFER_IF_PERMIT'; status: `4.${number}.${number}`; text: string }
  /** With `code`, that reply code (e.g. 550 for one recipient) instead of Postfix's access_map_reject_code (554). */
  | { kind: 'REJECT'; status: `5.${number}.${number}`; text: string; code?: `5${number}` }
  /** A header added to the message (access(5): before the content only, never at END-OF-MESSAGE). */
  | { kind: 'PREPEND'; header: string }
  /**
   * Deliver the whole message by this master.cf transport (access(5) FILTER transport:destination).
   * The destination is left empty: Postfix then uses default_filter_nexthop, or the recipient domain.
   */
  | { kind: 'FILTER'; transport: string };

/** The answer on the wire. Text is one line: a CR or LF in it would end the answer early. */
export function formatAction(action: PostfixAction): string {
  if (action.kind === 'DUNNO') return 'action=DUNNO\n\n';
  if (action.kind === 'FILTER') return `action=FILTER ${action.transport}:\n\n`;
  if (action.kind === 'PREPEND') return `action=PREPEND ${oneLine(action.header)}\n\n`;
  // access(5): "5NN text" rejects with that code; REJECT uses access_map_reject_code.
  if (action.kind === 'REJECT' && action.code) return `action=${action.code} ${action.status} ${oneLine(action.text)}\n\n`;
  return `action=${action.kind} ${action.status} ${oneLine(action.text)}\n\n`;
}

/** Where the request came from in the SMTP dialogue; counting happens once per message. */
export function isEndOfMessage(attributes: PolicyAttributes): boolean {
  return attributes.protocol_state?.toUpperCase() === 'END-OF-MESSAGE';
}
