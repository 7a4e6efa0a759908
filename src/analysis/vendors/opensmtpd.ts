// OpenSMTPD (bounce.c): "This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.", then
// each recipient flush left with the remote reply or the queue's own verdict on one line
// ("user@example.org: 550 5.1.1 ... User unknown", "... : Network error on destination MXs").
// The notice names no SMTP command: the reply is printed alone, whether it answered RCPT or DATA.
import type { RecipientRecord } from '../dsn';
import type { VendorReader } from './types';
import { recordFor } from './blocks';

const RECIPIENT_LINE = /^<?([^\s<>@:]+@[^\s<>:]+\.[A-Za-z0-9-]+)>?: (\S.*)$/;

export const opensmtpd: VendorReader = {
  family: 'opensmtpd',
  matches: (report) =>
    /This is the MAILER-DAEMON, please DO NOT REPLY to this e-?mail/.test(report.text) &&
    report.headers.some((header) => header.name === 'received' && /\(OpenSMTPD\) with /.test(header.value)),
  read: (report) => {
    const records: RecipientRecord[] = [];
    for (const line of report.text.split('\n')) {
      const match = RECIPIENT_LINE.exec(line);
      if (!match) continue;
      const record = recordFor(match[1]!, match[2]!, 'opensmtpd');
      record.commandUnrecorded = true;
      if (!records.some((known) => known.recipient === record.recipient)) records.push(record);
    }
    return records;
  },
};
