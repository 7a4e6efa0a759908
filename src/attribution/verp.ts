// VERP (variable envelope return path): the sender id sits inside the bounce address, as configured
// by a pattern such as `bounces+{sender}@relay.example`.

const compiled = new Map<string, RegExp>();

function patternRegExp(pattern: string): RegExp {
  let re = compiled.get(pattern);
  if (!re) {
    const [before, after] = pattern.split('{sender}') as [string, string | undefined];
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    re = new RegExp(`^${escape(before)}(.+?)${escape(after ?? '')}$`, 'i');
    compiled.set(pattern, re);
  }
  return re;
}

/** The sender id an address carries under the first matching pattern. */
export function senderFromVerp(address: string, patterns: readonly string[]): string | undefined {
  const bare = address.trim().replace(/^<|>$/g, '');
  for (const pattern of patterns) {
    if (!pattern.includes('{sender}')) continue;
    const match = patternRegExp(pattern).exec(bare);
    // The domain is case-insensitive, the id keeps its case (tokens are base64url).
    if (match?.[1]) return match[1];
  }
  return undefined;
}
