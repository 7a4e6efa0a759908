// Pure: one zone's DNS answer for one target -> listed / clear / refused / error / unknown.
import type { CheckOutcome, CodeMeaning } from '../db/schema/dnsbl';
import { SEVERITY_RANK, type Severity, type ZoneDefinition } from '../config/dnsbl-zone';

export type DnsErrorCode = 'E_DNS_TIMEOUT' | 'E_DNS_SERVFAIL' | 'E_DNS_RCODE' | 'E_DNS_NETWORK' | 'E_DNS_MALFORMED';

/** What the resolver saw, before any list-specific meaning. */
export type DnsblAnswer =
  | { status: 'nxdomain' }
  /** NOERROR without an A record. */
  | { status: 'nodata' }
  | { status: 'answer'; addresses: string[]; txt: string[] }
  | { status: 'error'; code: DnsErrorCode; message: string };

export type InterpretedOutcome = Exclude<CheckOutcome, 'unhealthy'>;

export interface Interpretation {
  outcome: InterpretedOutcome;
  /** The 127/8 answers the outcome rests on. */
  codes: string[];
  meanings: CodeMeaning[];
  /** Highest severity among the listing meanings; null unless listed. */
  severity: Severity | null;
  /** Human explanation for refused, error and unknown outcomes. */
  explanation: string | null;
  txt: string[];
}

export function maxSeverity(severities: readonly Severity[]): Severity | null {
  let highest: Severity | null = null;
  for (const severity of severities) {
    if (highest === null || SEVERITY_RANK[severity] > SEVERITY_RANK[highest]) highest = severity;
  }
  return highest;
}

function isLoopbackNet(address: string): boolean {
  return address.startsWith('127.');
}

function meaningsOf(zone: ZoneDefinition, code: string): { meanings: CodeMeaning[]; listing: boolean } {
  const documented = zone.codes.find((entry) => entry.code === code);
  if (documented) {
    return {
      meanings: [{ code, meaning: documented.meaning, severity: documented.severity }],
      listing: documented.effect === 'listed',
    };
  }
  if (zone.bitmask.length > 0) {
    const lastOctet = Number(code.split('.')[3]);
    const meanings: CodeMeaning[] = [];
    let knownBits = 0;
    for (const bit of zone.bitmask) {
      if ((lastOctet & bit.bit) !== 0) {
        knownBits |= bit.bit;
        meanings.push({ code, meaning: bit.meaning, severity: bit.severity });
      }
    }
    const unknownBits = lastOctet & ~knownBits;
    if (unknownBits !== 0) {
      meanings.push({ code, meaning: `Undocumented bits ${unknownBits} in answer ${code}`, severity: zone.defaultSeverity });
    }
    return { meanings, listing: true };
  }
  // RFC 5782 §2.1: any 127/8 answer is a listing, even one the data does not document.
  return {
    meanings: [{ code, meaning: `Listed with undocumented code ${code}`, severity: zone.defaultSeverity }],
    listing: true,
  };
}

export function interpretAnswer(zone: ZoneDefinition, answer: DnsblAnswer): Interpretation {
  const empty = { codes: [], meanings: [], severity: null, txt: [] };
  switch (answer.status) {
    case 'error':
      return { ...empty, outcome: 'error', explanation: `${answer.code}: ${answer.message}` };
    case 'nxdomain':
    case 'nodata':
      return { ...empty, outcome: 'clear', explanation: null };
    case 'answer':
      break;
  }
  const txt = answer.txt;
  const loopback = [...new Set(answer.addresses.filter(isLoopbackNet))].sort();
  const outside = answer.addresses.filter((address) => !isLoopbackNet(address));

  const refused = zone.refusedCodes.filter((entry) => loopback.includes(entry.code));
  if (refused.length > 0) {
    // One error code taints the whole answer: the list did not answer the question.
    return {
      outcome: 'refused',
      codes: refused.map((entry) => entry.code),
      meanings: [],
      severity: null,
      explanation: refused.map((entry) => entry.explanation).join(' '),
      txt,
    };
  }
  if (loopback.length === 0) {
    return {
      outcome: 'unknown',
      codes: [],
      meanings: [],
      severity: null,
      explanation:
        `${zone.zone} answered ${outside.join(', ') || 'no address'}, outside 127.0.0.0/8: not a listing ` +
        '(RFC 5782 §2.1). A parked or hijacked list domain answers like this.',
      txt,
    };
  }
  const meanings: CodeMeaning[] = [];
  const listingSeverities: Severity[] = [];
  for (const code of loopback) {
    const found = meaningsOf(zone, code);
    meanings.push(...found.meanings);
    if (found.listing) listingSeverities.push(...found.meanings.map((meaning) => meaning.severity));
  }
  const listed = listingSeverities.length > 0;
  return {
    outcome: listed ? 'listed' : 'clear',
    codes: loopback,
    meanings,
    severity: listed ? maxSeverity(listingSeverities) : null,
    explanation: outside.length > 0 ? `Ignored answers outside 127.0.0.0/8: ${outside.join(', ')}` : null,
    txt,
  };
}
