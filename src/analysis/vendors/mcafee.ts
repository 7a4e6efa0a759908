// McAfee Email and Web Security Appliance ("X-NAI-Header: Modified by McAfee ..."): its "The
// following addresses had delivery problems" notice reports the recipients its SMTP proxy refused
// while checking them, i.e. answers to RCPT, even though the DSN it attaches names no command.
import type { Header } from '../mime';
import { headerValue } from '../mime';
import type { VendorReader } from './types';

export function isMcAfeeAppliance(headers: Header[]): boolean {
  return /mcafee/i.test(headerValue(headers, 'x-nai-header') ?? '');
}

export const mcAfee: VendorReader = {
  family: 'mcafee',
  refine: (record, report) => {
    if (isMcAfeeAppliance(report.headers)) record.smtpCommand ??= 'RCPT';
  },
};
