// Postfix's policy delegation protocol (SMTPD_POLICY_README), with no I/O: a request is
// `name=value` lines ended by an empty line; the answer is `action=<action>` and an empty line.
// Postfix keeps the connection open and sends the next request on it after each answer.
import { StringDecoder } from 'node:string_decoder';

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

const attributeName = /^[a-z_][a-z0-9_]*$/i;

/**
 * Splits a byte stream into requests; feed it whatever the socket delivers. A line longer than the
 * limit cannot be resynchronised on: `overflowed` turns true and the caller closes the connection.
 */
export class PolicyRequestReader {
  private buffered = '';
  private attributes: PolicyAttributes = {};
  private count = 0;
  private error: string | undefined;
  // A UTF-8 character split across two TCP segments is decoded whole.
  private readonly decoder = new StringDecoder('utf8');
  overflowed = false;

  constructor(private readonly limits: PolicyReaderLimits = defaultReaderLimits) {}

  push(chunk: Buffer | string): PolicyRequest[] {
    if (this.overflowed) return [];
    this.buffered += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const requests: PolicyRequest[] = [];
    let start = 0;
    for (let end = this.buffered.indexOf('\n', start); end >= 0; end = this.buffered.indexOf('\n', start)) {
      // Postfix sends LF; people testing by hand with telnet or nc send CRLF.
      const line = this.buffered.charCodeAt(end - 1) === 13 && end > start ? this.buffered.slice(start, end - 1) : this.buffered.slice(start, end);
      start = end + 1;
      if (line.length > this.limits.maxLineBytes) this.error ??= `line longer than ${this.limits.maxLineBytes} bytes`;
      else if (line === '') {
        requests.push(this.error ? { ok: false, error: this.error, attributes: this.attributes } : { ok: true, attributes: this.attributes });
        this.attributes = {};
        this.count = 0;
        this.error = undefined;
      } else this.addLine(line);
    }
    this.buffered = this.buffered.slice(start);
    if (this.buffered.length > this.limits.maxLineBytes) {
      this.overflowed = true;
      this.buffered = '';
    }
    return requests;
  }

  private addLine(line: string): void {
    const equals = line.indexOf('=');
    const name = equals > 0 ? line.slice(0, equals) : '';
    if (!attributeName.test(name)) {
      this.error ??= `not a name=value line: ${JSON.stringify(line.slice(0, 80))}`;
      return;
    }
    if (++this.count > this.limits.maxAttributes) {
      this.error ??= `more than ${this.limits.maxAttributes} attributes`;
      return;
    }
    this.attributes[name] = line.slice(equals + 1);
  }
}

/** Postfix access(5) actions this server answers with. */
export type PostfixAction =
  | { kind: 'DUNNO' }
  | { kind: 'DEFER_IF_PERMIT'; status: `4.${number}.${number}`; text: string }
  | { kind: 'REJECT'; status: `5.${number}.${number}`; text: string };

/** The answer on the wire. Text is one line: a CR or LF in it would end the answer early. */
export function formatAction(action: PostfixAction): string {
  if (action.kind === 'DUNNO') return 'action=DUNNO\n\n';
  const text = action.text.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?').slice(0, 400);
  return `action=${action.kind} ${action.status} ${text}\n\n`;
}

/** Where the request came from in the SMTP dialogue; counting happens once per message. */
export function isEndOfMessage(attributes: PolicyAttributes): boolean {
  return attributes.protocol_state?.toUpperCase() === 'END-OF-MESSAGE';
}
