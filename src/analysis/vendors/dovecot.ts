// Dovecot's LDA and LMTP (and Pigeonhole Sieve's "reject") refuse a message with a notice of their
// own, "Your message to <%t> was automatically rejected:" then the reason (lib-lda mail-send.c).
// The reason is the delivering agent's verdict, given after every SMTP hop a DSN part might
// describe, so it outranks the DSN's Diagnostic-Code.
import type { VendorReader } from './types';
import { recordFor } from './blocks';

const NOTICE = /^Your message to <([^<>\s]+)> was automatically rejected:?[ \t]*\n?([\s\S]*?)(?:\n[ \t]*\n|\n?$)/m;

export const dovecot: VendorReader = {
  family: 'dovecot',
  authoritative: true,
  matches: (report) => /was automatically rejected/.test(report.text) && NOTICE.test(report.text),
  read: (report) => {
    const notice = NOTICE.exec(report.text);
    if (!notice || !notice[2]?.trim()) return [];
    // %t is the envelope recipient, or the bare user name when the agent was given only that.
    return [recordFor(notice[1]!, notice[2], 'dovecot')];
  },
};
