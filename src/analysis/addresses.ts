// Mail addresses as reports, headers and the relay give them: the one place that takes them apart.

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
