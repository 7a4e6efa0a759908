// The vendor families. A notification or notice format is read by the first family that knows it
// (in this order); every family's refinements apply to every record, in this order.
import type { VendorReader } from './types';
import { qmail } from './qmail';
import { exim } from './exim';
import { googleGroups } from './googlegroups';
import { gmail } from './gmail';
import { mFilter } from './mfilter';
import { fml } from './fml';
import { dovecot } from './dovecot';
import { opensmtpd } from './opensmtpd';
import { amazonSes } from './amazonses';
import { autoReply } from './autoreply';
import { mcAfee } from './mcafee';

export const VENDOR_READERS: readonly VendorReader[] = [amazonSes, autoReply, googleGroups, fml, gmail, mFilter, dovecot, opensmtpd, qmail, exim, mcAfee];
