// fml (a mailing-list manager, "X-MLServer: fml [fml 4.0.3 ...]"): it answers a refused post with
// a notice of its own naming the list in angle brackets ("You are not a member of this mailing list
// <list@example.org>.", "Duplicated Message-ID in <list@example.org>.").
import type { RecipientRecord } from '../dsn';
import type { BounceText, VendorReader } from './types';
import { headerValue } from '../mime';
import { recordFor } from './blocks';

const NOTICE = /not a member of this mailing list|duplicated message-id|not (?:allowed|permitted) to post/i;

/** An fml refusal: not a delivery failure report, but the list refusing our post. */
export function isFmlRefusal(report: BounceText): boolean {
  return /^\s*fml\b/i.test(headerValue(report.headers, 'x-mlserver') ?? '') && NOTICE.test(report.text);
}

export const fml: VendorReader = {
  family: 'fml',
  isBounce: isFmlRefusal,
  matches: isFmlRefusal,
  read: (report) => {
    const lines = report.text.split('\n');
    const index = lines.findIndex((line) => NOTICE.test(line));
    if (index === -1) return [];
    const notice = lines.slice(index, index + 3).join(' ');
    const list = /<([^\s<>@]+@[^\s<>@]+\.[A-Za-z0-9-]+)>/.exec(notice)?.[1];
    const records: RecipientRecord[] = list ? [recordFor(list, notice, 'fml')] : [];
    return records;
  },
};
