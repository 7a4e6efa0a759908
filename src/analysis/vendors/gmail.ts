// Gmail's own (pre-DSN) bounce text: "Delivery to the following recipient(s) failed permanently /
// has been delayed", the addresses indented, then "Technical details of ... failure:" holding the
// remote server's reply.
import type { RecipientRecord } from '../dsn';
import type { VendorReader } from './types';
import { recordFor } from './blocks';

export const gmail: VendorReader = {
  family: 'gmail',
  matches: (report) => /Delivery to the following recipients? (?:failed permanently|has been delayed)/i.test(report.text) && /Technical details of/i.test(report.text),
  read: (report) => {
    const text = report.text;
    const delayed = /has been delayed/i.test(text);
    // The rule of dashes is tried where it starts (the look-behind): the text stops at the same place,
    // without reading a long rule to its end from each of its dashes.
    const details = /Technical details of (?:permanent|temporary) failure:\s*([\s\S]*?)(?:\n\s*\n|(?<!-)-{3,} ?Original message|$)/i.exec(text)?.[1] ?? '';
    const list = /Delivery to the following recipients? (?:failed permanently|has been delayed):?\s*\n([\s\S]*?)\n\s*\n(?!\s+\S+@)/i.exec(text)?.[1] ?? '';
    const records: RecipientRecord[] = [];
    // Tried where a token starts: a token holding an address matches from its first character.
    for (const match of list.matchAll(/(?<![^\s<>])([^\s<>]+@[^\s<>]+)/g)) {
      const record = recordFor(match[1] ?? '', details, 'gmail');
      if (delayed) record.action = 'delayed';
      records.push(record);
    }
    return records;
  },
};
