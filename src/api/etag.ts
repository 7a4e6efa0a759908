// Conditional GETs: whether an If-None-Match header names the current entity tag (RFC 9110 §13.1.2,
// weak comparison: a W/ prefix on either side does not matter).
export function matchesEtag(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const current = etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => {
    const candidate = tag.trim();
    return candidate === '*' || candidate.replace(/^W\//, '') === current;
  });
}
