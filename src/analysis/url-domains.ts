// The registered domains of the URLs in a message body, for campaign fingerprints.
//
// A compact public-suffix approach instead of the full Public Suffix List (about 10,000 rules that
// change monthly): the fingerprint needs only a consistent grouping of the links spam uses, so
// (1) a two-letter country TLD under a generic second level (co.uk, com.au, ne.jp, org.br, ...)
// is a suffix, (2) a short list of multi-label suffixes that do not follow that shape, and (3) the
// free hosting platforms where every sub-domain belongs to someone else (github.io, netlify.app,
// ...), which is where throw-away spam pages live. A suffix this misses merely groups a little
// wider (example.com.xx's siblings together), never splits one campaign into many.
import { isIP } from 'node:net';
import { withoutTrailing } from './text-scan';

const genericSecondLevels = new Set(['com', 'net', 'org', 'co', 'ac', 'gov', 'edu', 'or', 'ne', 'go', 'mil', 'gob', 'nic', 'ltd', 'plc', 'sch', 'gen', 'biz', 'info', 'nom']);

const multiLabelSuffixes = new Set([
  // Country second levels that are not generic words.
  'kiev.ua', 'spb.ru', 'msk.ru', 'priv.no', 'gv.at', 'asso.fr', 'gouv.fr', 'qc.ca', 'on.ca', 'bc.ca',
  // Platforms whose sub-domains are separate owners (and favourite hosts of throw-away pages).
  'github.io', 'gitlab.io', 'blogspot.com', 'wordpress.com', 'wixsite.com', 'weebly.com', 'tumblr.com',
  'herokuapp.com', 'netlify.app', 'vercel.app', 'pages.dev', 'workers.dev', 'web.app', 'firebaseapp.com',
  'appspot.com', 'azurewebsites.net', 'cloudfront.net', 'amazonaws.com', 's3.amazonaws.com', 'r2.dev',
  'ngrok.io', 'ngrok-free.app', 'glitch.me', 'repl.co', 'onrender.com', 'fly.dev', 'surge.sh',
  '000webhostapp.com', 'godaddysites.com', 'square.site', 'mystrikingly.com', 'carrd.co', 'webflow.io',
  'myshopify.com', 'sharepoint.com', 'duckdns.org', 'no-ip.org', 'ddns.net',
]);

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
  const labels = name.split('.').filter(Boolean);
  if (labels.length <= 2) return labels.join('.');
  // Longest known suffix first: s3.amazonaws.com before amazonaws.com.
  for (let take = Math.min(3, labels.length - 1); take >= 2; take--) {
    const suffix = labels.slice(-take).join('.');
    if (multiLabelSuffixes.has(suffix)) return labels.slice(-take - 1).join('.');
  }
  const [second, top] = labels.slice(-2) as [string, string];
  if (top.length === 2 && genericSecondLevels.has(second)) return labels.slice(-3).join('.');
  return labels.slice(-2).join('.');
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
