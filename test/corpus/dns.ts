// The loopback DNS of the generator's namespace: scenario domains resolve to the receiver (A only,
// so the MTAs use the implicit MX of RFC 5321 §5.1); the `dns` scenarios' domains fail as scripted,
// or publish a null MX (RFC 7505 §3: one MX record, preference 0, exchange ".").
import { startLocalDnsServer, type LocalDnsServer } from '../../src/dnsbl/local-dns-server';
import { BOUNCE_ADDRESS, BOUNCE_DOMAIN } from './receiver';
import type { Scenario } from './scenarios';

export function startScenarioDns(scenarios: readonly Scenario[], addressOf: (scenario: Scenario) => string): Promise<LocalDnsServer> {
  const byDomain = new Map<string, Scenario[]>();
  for (const scenario of scenarios) byDomain.set(scenario.domain, [...(byDomain.get(scenario.domain) ?? []), scenario]);
  return startLocalDnsServer({
    host: '127.0.0.1',
    port: 53,
    answer: (name, type) => {
      if (name === BOUNCE_DOMAIN) return { kind: 'answer', a: type === 'A' ? [BOUNCE_ADDRESS] : [] };
      const [scenario] = byDomain.get(name) ?? [];
      if (!scenario) return { kind: 'nxdomain' };
      if (scenario.phase === 'dns' && scenario.dns === 'nullmx') return { kind: 'answer', mx: type === 'MX' ? [{ priority: 0, exchange: '' }] : [] };
      if (scenario.phase === 'dns') return { kind: scenario.dns === 'servfail' ? 'servfail' : 'nxdomain' };
      return { kind: 'answer', a: type === 'A' ? [addressOf(scenario)] : [] };
    },
  });
}
