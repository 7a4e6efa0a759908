// Exim: "The following address(es) failed:" then each address indented with its error lines below.
import type { RecipientRecord } from '../dsn';
import type { VendorReader } from './types';
import { recordFor } from './blocks';

export const exim: VendorReader = {
  family: 'exim',
  matches: (report) =>
    /This message was created automatically by mail delivery software|following address(?:es)? failed|could not be delivered to one or more of its|has not yet been delivered to one or more of its/i.test(report.text),
  read: (report) => {
    const records: RecipientRecord[] = [];
    const re = /^[ \t]+<?([^\s<>@]+@[^\s<>:]+?)>?(?::|\s*$| \(|\s+[A-Za-z])([^\n]*(?:\n[ \t]+[^\n]+)*)/gm;
    for (const match of report.text.matchAll(re)) {
      const address = match[1] ?? '';
      if (!address.includes('.')) continue;
      records.push(recordFor(address, match[2] ?? '', 'exim'));
    }
    return records.filter((record, i) => records.findIndex((r) => r.recipient === record.recipient) === i);
  },
};
