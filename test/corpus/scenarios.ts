// The scenarios of the MTA corpus (scenarios.json): what the scripted receiver answers, and the
// label every bounce of that scenario gets. Labels come from here, never from an analyzer.
import { readFileSync } from 'node:fs';
import { REASONS, type Reason } from '../../src/analysis/reasons';

export interface Scenario {
  id: string;
  /** Whose wording it is (provider or MTA). */
  provider: string;
  /** The recipient domain; the loopback DNS resolves it (or refuses to, for `dns`). */
  domain: string;
  /** The receiver's name in its greeting and EHLO, as the provider's MX calls itself. */
  mx: string;
  /** When the receiver answers with `reply`: at the greeting, MAIL FROM, RCPT TO or after DATA; `dns` never reaches it. */
  phase: 'connect' | 'mail' | 'rcpt' | 'data' | 'dns';
  /** The reply lines exactly as documented; {ip} is the client's address, {rcpt} the recipient, {host} the mx. */
  reply: string[];
  /** For phase `dns`: how the loopback DNS answers the domain (`nullmx`: the single "0 ." MX of RFC 7505). */
  dns?: 'nxdomain' | 'servfail' | 'nullmx';
  reason: Reason;
  hardBounce: boolean;
  /** Where the wording was seen: a provider's documentation page or a public page or issue. */
  source: string;
}

const path = new URL('./scenarios.json', import.meta.url);

export function loadScenarios(): Scenario[] {
  const scenarios = JSON.parse(readFileSync(path, 'utf8')) as Scenario[];
  const ids = new Set<string>();
  for (const scenario of scenarios) {
    if (ids.has(scenario.id)) throw new Error(`scenario ${scenario.id} appears twice`);
    ids.add(scenario.id);
    if (!(REASONS as readonly string[]).includes(scenario.reason)) throw new Error(`scenario ${scenario.id}: unknown reason ${scenario.reason}`);
    if (scenario.phase !== 'dns' && !/^[45]\d\d[ -]/.test(scenario.reply[0] ?? '')) throw new Error(`scenario ${scenario.id}: reply must start with a 4xx or 5xx code`);
    // The receiver tells a greeting- or MAIL-phase scenario by the address its domain resolves to.
    if ((scenario.phase === 'connect' || scenario.phase === 'mail') && scenarios.some((other) => other !== scenario && other.domain === scenario.domain)) throw new Error(`scenario ${scenario.id}: its domain must be its own`);
    if (!/^https?:\/\//.test(scenario.source)) throw new Error(`scenario ${scenario.id}: source must be a URL`);
  }
  return scenarios;
}

/** A temporary refusal: the MTA queues the message, warns of the delay, and finally gives up. */
export function isTemporary(scenario: Scenario): boolean {
  if (scenario.phase === 'dns') return scenario.dns === 'servfail';
  return scenario.reply[0]!.startsWith('4');
}

/**
 * Whether an MTA's expiry notice quotes the refusal behind it, so that it is labelled by the
 * scenario's reason rather than `expired` (the reference analyzer's convention): the notice carries
 * the start of the receiver's reply, or for a resolver failure the resolver's answer for the domain
 * (Postfix's "Name service error for name=<domain>"). Exim's "all hosts ... have been failing" and
 * "retry timeout exceeded" alone, and OpenSMTPD's "Envelope expired", say only that time ran out.
 */
export function expiryQuotesCause(notice: string, scenario: Scenario): boolean {
  const flat = notice.replace(/\s+/g, ' ');
  if (scenario.phase === 'dns') return flat.includes(`name=${scenario.domain}`);
  const words = (scenario.reply[0] ?? '').replace(/^[45]\d\d[ -](?:[245]\.\d{1,3}\.\d{1,3} )?/, '');
  const longest = words.split(/\{[a-z]+\}/).map((piece) => piece.replace(/\s+/g, ' ').trim()).sort((a, b) => b.length - a.length)[0] ?? '';
  const fragment = longest.slice(0, 30);
  return fragment.length > 0 && flat.includes(fragment);
}
