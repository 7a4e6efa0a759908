// Google Groups: a post refused by a group (missing group or no permission to post), sent in the
// poster's language from Google's mailer-daemon, naming the group in X-Failed-Recipients.
import type { RecipientRecord } from '../dsn';
import type { VendorReader } from './types';
import { headerValue } from '../mime';
import { addressIn } from '../addresses';

export const googleGroups: VendorReader = {
  family: 'googlegroups',
  matches: (report) => /groups\.google\.com|Google Groups/.test(report.text) && /google/i.test(report.from),
  read: (report) => {
    const failed = headerValue(report.headers, 'x-failed-recipients') ?? '';
    const records: RecipientRecord[] = [];
    for (const part of failed.split(',')) {
      const recipient = addressIn(part);
      if (recipient) {
        records.push({
          recipient,
          format: 'googlegroups',
          // Every language variant says the same thing: the group refused the sender's post.
          diagnosticCode: 'group may not exist, or you may not have permission to post messages to the group: ' + report.text.replace(/\s+/g, ' ').trim().slice(0, 300),
        });
      }
    }
    return records;
  },
};
