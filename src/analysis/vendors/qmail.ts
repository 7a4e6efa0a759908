// qmail (and its descendants: netqmail, vpopmail, s/qmail): "<address>:" then the error paragraph.
import type { RecipientRecord } from '../dsn';
import type { VendorReader } from './types';
import { recordFor } from './blocks';

export const qmail: VendorReader = {
  family: 'qmail',
  matches: (report) => /This is the qmail-send program|qmail-send|\(#[45]\.\d+\.\d+\)|Hi\. This is the /i.test(report.text),
  read: (report) => {
    const records: RecipientRecord[] = [];
    const re = /^<([^>\s]+@[^>\s]+)>:?[ \t]*\n?([\s\S]*?)(?=\n\s*\n|\n<[^>\s]+@|(?![\s\S]))/gm;
    for (const match of report.text.matchAll(re)) records.push(recordFor(match[1] ?? '', match[2] ?? '', 'qmail'));
    return records;
  },
};
