// Mail addresses as reports, headers and the relay give them: the one place that takes them apart.
import { firstAddress, withoutEnds, withoutTrailing } from './text-scan';

/**
 * The domain of an address (`alice@Shop.Example` → `shop.example`): what follows the last `@`,
 * lower-cased (RFC 5321 §2.4: domains are case-insensitive). None when there is no `@` or nothing
 * after it (`alice@`): a domain is never the empty string.
 */
export function domainOf(address: string | null | undefined): string | undefined {
  if (!address) return undefined;
  const at = address.lastIndexOf('@');
  return at >= 0 && at < address.length - 1 ? address.slice(at + 1).toLowerCase() : undefined;
}

/** An address with a quoted local part ("a..b"@example.org, RFC 5321 §4.1.2). */
const QUOTED_ADDRESS = /"[^"\s]+"@[^\s<>()"',;:[\]]+\.[A-Za-z0-9-]+/;

/** The address in `rfc822; <user@example.com>` or a bare `user@example.com`; '' when there is none. */
export function addressIn(value: string | undefined): string {
  if (!value) return '';
  const semi = value.indexOf(';');
  const rest = semi === -1 ? value : value.slice(semi + 1);
  // RFC 5321 quoted local part ("a..b"@example.org) keeps its quotes: they are part of the address.
  const quoted = QUOTED_ADDRESS.exec(rest);
  if (quoted) return withoutTrailing(quoted[0].toLowerCase(), '>.,)');
  const match = firstAddress(rest) ?? firstAddress(value);
  if (match) return cleanAddress(match);
  // An address-type field ("rfc822; user@mailhub") may name a host without a dot: a local
  // delivery on an internal host reports the recipient as that host knows it.
  if (semi !== -1 && /^\s*rfc822\s*$/i.test(value.slice(0, semi))) {
    const local = /^\s*<?([^\s<>()"',;:[\]@]+@[A-Za-z0-9-]+)>?\s*$/.exec(rest);
    if (local) return cleanAddress(local[1]!);
  }
  return '';
}

/** An address as text carries it, without the brackets, quotes, `mailto:` and punctuation around it, lower-cased. */
export function cleanAddress(address: string): string {
  return withoutEnds(address, '<\'"(', '>\'".,)').replace(/^mailto:/i, '').toLowerCase();
}
