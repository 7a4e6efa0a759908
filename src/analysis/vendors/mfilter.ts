// m-FILTER (Digital Arts' mail gateway): the failed addresses, then "-------server message" with
// the remote reply and "-------SMTP command" with the command that reply answered.
import type { RecipientRecord } from '../dsn';
import type { VendorReader } from './types';
import { recordFor } from './blocks';

const SECTION = /^-{7}(server message|SMTP command|original (?:message|mail info))\s*$/;

export const mFilter: VendorReader = {
  family: 'mfilter',
  matches: (report) => /^-{7}server message\s*$/m.test(report.text),
  read: (report) => {
    const lines = report.text.split('\n');
    const addresses: string[] = [];
    const sections: Record<string, string[]> = {};
    let section: string | undefined;
    for (const line of lines) {
      const heading = SECTION.exec(line);
      if (heading) {
        section = heading[1]!.startsWith('original') ? 'original' : heading[1]!;
        sections[section] = [];
        continue;
      }
      if (section === undefined) {
        const address = /^\s*<?([^\s<>@]+@[^\s<>@]+\.[A-Za-z0-9-]+)>?\s*$/.exec(line);
        if (address) addresses.push(address[1]!);
      } else if (section !== 'original' && line.trim() !== '') sections[section]!.push(line.trim());
    }
    const reply = (sections['server message'] ?? []).join(' ');
    const command = (sections['SMTP command'] ?? [])[0]?.toUpperCase();
    return addresses.map((address): RecipientRecord => {
      const record = recordFor(address, reply, 'mfilter');
      const verb = /^(HELO|EHLO|MAIL|RCPT|DATA)\b/.exec(command ?? '')?.[1];
      if (verb) record.smtpCommand = verb;
      return record;
    });
  },
};
