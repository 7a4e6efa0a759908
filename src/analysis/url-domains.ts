// The registered domains of the URLs in a message body, for campaign fingerprints.
//
// Registered domains come from the Public Suffix List (tldts keeps it, private section included):
// on free hosting platforms (github.io, blob.core.windows.net, myshopify.com, ...) every sub-domain
// belongs to someone else, and collapsing them to the platform would make one "campaign" of
// unrelated senders' links, which is where throw-away spam pages and honest shops alike live.
import { isIP } from 'node:net';
import { getDomain } from 'tldts';
import { withoutTrailing } from './text-scan';

/** Link shorteners: their own domain says nothing; the short link itself names the campaign. */
export const linkShorteners = new Set([
  'bit.ly', 'tinyurl.com', 't.co', 'goo.gl', 'ow.ly', 'is.gd', 'buff.ly', 'rebrand.ly', 'cutt.ly',
  'shorturl.at', 'rb.gy', 't.ly', 'tiny.cc', 'bl.ink', 'lnkd.in', 's.id', 'v.gd',
]);

/**
 * Domains found in legitimate mail of every sender (markup namespaces, the big platforms' share
 * and unsubscribe links): complaints sharing them say nothing about a campaign.
 */
export const commonUrlDomains = new Set([
  'w3.org', 'schema.org', 'xmlsoap.org', 'openxmlformats.org', 'purl.org', 'ogp.me',
  'google.com', 'gstatic.com', 'googleapis.com', 'googleusercontent.com', 'youtube.com', 'gmail.com',
  'facebook.com', 'fb.com', 'instagram.com', 'whatsapp.com', 'twitter.com', 'x.com', 'linkedin.com',
  'tiktok.com', 'pinterest.com', 'apple.com', 'icloud.com', 'microsoft.com', 'office.com', 'outlook.com',
  'live.com', 'yahoo.com', 'wikipedia.org', 'mozilla.org', 'github.com', 'gravatar.com',
  ...linkShorteners,
]);

/** The registered domain of a host name (lower-case, no trailing dot); an IP literal is itself. */
export function registeredDomain(host: string): string {
  const name = host.toLowerCase().replace(/\.$/, '').replace(/^\[|\]$/g, '');
  if (isIP(name)) return name;
  // A name that is itself a public suffix (or a single label) has no registered domain: it stands for itself.
  return getDomain(name, { allowPrivateDomains: true }) ?? name;
}

const urlPattern = /\b(?:https?:\/\/|www\.)[^\s<>"'()[\]{}]+/gi;
const hostPattern = /^[a-z0-9.-]+\.[a-z]{2,63}$|^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * The URLs' fingerprints: the registered domain, or for a link shortener `host/first-path-segment`
 * (every campaign shares bit.ly; only the short link is theirs). Sorted, without duplicates.
 */
export function urlFingerprints(text: string): string[] {
  const found = new Set<string>();
  for (const match of text.matchAll(urlPattern)) {
    const url = match[0].replace(/^https?:\/\//i, '');
    const slash = url.search(/[/?#]/);
    let authority = slash >= 0 ? url.slice(0, slash) : url;
    authority = authority.slice(authority.lastIndexOf('@') + 1).replace(/:\d+$/, '');
    authority = withoutTrailing(authority, '.,;:!').toLowerCase();
    if (!hostPattern.test(authority)) continue;
    const domain = registeredDomain(authority);
    if (linkShorteners.has(domain)) {
      const segment = slash >= 0 ? (/^\/([A-Za-z0-9_-]{3,64})/.exec(url.slice(slash))?.[1] ?? '') : '';
      if (segment) found.add(`${domain}/${segment}`);
      else found.add(domain);
    } else found.add(domain);
    if (found.size >= 50) break;
  }
  return [...found].sort();
}
