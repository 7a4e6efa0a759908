// Exim: "The following address(es) failed:" then each address, indented, with its error lines
// indented further below it (Exim's bounce_message_text / default bounce template).
import type { RecipientRecord } from '../dsn';
import type { VendorReader } from './types';
import { recordFor } from './blocks';

const ADDRESS_LINE = /^([ \t]+)<?([^\s<>@]+@[^\s<>:]+\.[A-Za-z0-9-]+)>?(?::\s*(.*)|\s+(?:\(.*\))?|\s*<[^>]*>.*)?$/;

const FLUSH_ADDRESS_LINE = /^<?([^\s<>@]+@[^\s<>:]+\.[A-Za-z0-9-]+)>?:$/;

export const exim: VendorReader = {
  family: 'exim',
  matches: (report) =>
    /This message was created automatically by mail delivery software|following address(?:es)? failed|could not be delivered to one or more of its|has not yet been delivered to one or more of its/i.test(report.text),
  read: (report) => {
    const records: RecipientRecord[] = [];
    const lines = report.text.split('\n');
    for (let i = 0; i < lines.length; i += 1) {
      // 1&1 (Exim-based) writes the address flush left, "user@example.org:", its error below it.
      const flush = FLUSH_ADDRESS_LINE.exec(lines[i]!);
      if (flush) {
        const error: string[] = [];
        let j = i + 1;
        for (; j < lines.length && lines[j]!.trim() !== ''; j += 1) error.push(lines[j]!);
        const address = flush[1] ?? '';
        if (error.length > 0 && !records.some((record) => record.recipient === address.toLowerCase())) records.push(recordFor(address, error.join(' '), 'exim'));
        i = j - 1;
        continue;
      }
      const match = ADDRESS_LINE.exec(lines[i]!);
      if (!match) continue;
      const indent = (match[1] ?? '').replace(/\t/g, '        ').length;
      if (indent > 4) continue;
      const error: string[] = [match[3] ?? ''];
      let j = i + 1;
      for (; j < lines.length; j += 1) {
        const next = lines[j]!;
        const nextIndent = /^[ \t]*/.exec(next)![0].replace(/\t/g, '        ').length;
        if (next.trim() === '' || nextIndent <= indent) break;
        error.push(next);
      }
      const address = match[2] ?? '';
      if (!records.some((record) => record.recipient === address.toLowerCase())) records.push(recordFor(address, error.join(' '), 'exim'));
      i = j - 1;
    }
    return records;
  },
};
