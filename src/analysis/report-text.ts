// The human-readable side of a report: where the returned message starts, HTML-only notices, and
// whether an envelope looks like a bounce at all.
import type { Header } from './mime';
import type { BounceText } from './vendors/types';
import { headerValue, parseHeaders, splitHeaderBlock } from './mime';
import { withoutComments } from './text-scan';

// Where a returned message starts inside a plain-text bounce. One '^' in front of both alternatives
// rather than one in each: the same matches, found in about two thirds of the time. The rule of
// dashes and the blanks after it are one optional group: `[ \t]*(?:-{2,})?[ \t]*` reads the same
// lines, but two adjacent runs of blanks split a run of n blanks n ways, in time growing with n².
const ORIGINAL_MARKER =
  /^(?:[ \t]*(?:(?:-{2,}|={2,}|\*{2,}|_{2,})[ \t]*)?(?:below this line is a copy of the message|this is a copy of the message|original message|the original message|returned message|unsent message below|undelivered message (?:is )?attached|forwarded message|headers of (?:the )?(?:original|your) message|message headers follow|the (?:returned|original) message headers?|copy of (?:the |your )?message|your message (?:reads|follows)|text of the message follows|message text follows)\b(?!\s+(?:was|is|has been) (?:received|sent|delivered))(?![^\n]*\bfrom\s*$).*$|Content-Type: message\/rfc822)/im;

export function splitReturnedMessage(text: string): { error: string; original?: Header[] } {
  const marker = ORIGINAL_MARKER.exec(text);
  let cut = marker ? marker.index : -1;
  let originalStart = marker ? marker.index + marker[0].length : -1;
  const embedded = /\n(?:Return-Path|Received|Message-I[Dd]|DKIM-Signature|X-Mailer|MIME-Version): [^\n]*\n(?:[\w-]+: |[ \t])/.exec(text);
  if (embedded && (cut === -1 || embedded.index < cut)) {
    cut = embedded.index;
    originalStart = embedded.index + 1;
  }
  if (cut === -1) return { error: text };
  const rest = text.slice(originalStart).replace(/^\s*\n/, '');
  const original = parseHeaders(splitHeaderBlock(rest).head);
  return { error: text.slice(0, cut), original: original.length > 0 ? original : undefined };
}

export function stripHtml(html: string): string {
  return html
    .replace(/<(?:script|style)[\s\S]*?<\/(?:script|style)>/gi, ' ')
    .replace(/<br\s*\/?>|<\/(?:p|div|tr|li|h\d)>/gi, '\n')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&');
}

const BOUNCE_FROM = /^(?:mailer-daemon|post_?master|mail-daemon|maildaemon|mail.?delivery|mdaemon|double-bounce|bounce|returned|nobody|mail\.?notification|system administrator|root)\b/i;
const BOUNCE_SUBJECT =
  /undeliver|undelivered|delivery (?:status|failure|has failed|notification|problem|report)|returned mail|failure notice|mail delivery (?:failed|failure|system|subsystem)|could not (?:be )?deliver|non[- ]?delivery|delivery failed|warning: (?:could not|delayed)|delayed mail|message (?:delay|not delivered|delivery)|rejected|bounce|mail system error|nicht zustellbar|unzustellbar|no entregado|non recapitabile|non remis|不達|エラー|error/i;

export function isBounceEnvelope(report: BounceText): boolean {
  const returnPath = headerValue(report.headers, 'return-path');
  if (returnPath !== undefined && /^\s*<\s*>\s*$/.test(returnPath)) return true;
  if (BOUNCE_FROM.test(report.from) || /mailer-daemon|postmaster/i.test(headerValue(report.headers, 'from') ?? '')) return true;
  return BOUNCE_SUBJECT.test(report.subject);
}

export function addressesIn(value: string): string[] {
  const out: string[] = [];
  // Tried only where a token starts (the look-behind): the same matches as without it, since a
  // token holding an address matches from its first character, and linear in a long token.
  for (const match of value.matchAll(/(?<![^\s<>()"',;:])[^\s<>()"',;:]+@[^\s<>()"',;:]+/g)) {
    const address = match[0].toLowerCase();
    out.push(address.endsWith('.') ? address.slice(0, -1) : address);
  }
  return out;
}

/** An RFC 5322 date as ISO-8601 UTC, or undefined when unreadable. */
export function toIsoDate(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const time = Date.parse(withoutComments(value).trim());
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}
