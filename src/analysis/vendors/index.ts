// The non-standard bounce families, tried in order; the first whose format matches reads the report.
import type { VendorReader } from './types';
import { qmail } from './qmail';
import { exim } from './exim';
import { googleGroups } from './googlegroups';
import { gmail } from './gmail';
import { mFilter } from './mfilter';
import { fml } from './fml';
import { dovecot } from './dovecot';
import { opensmtpd } from './opensmtpd';

export const VENDOR_READERS: readonly VendorReader[] = [googleGroups, fml, gmail, mFilter, dovecot, opensmtpd, qmail, exim];
