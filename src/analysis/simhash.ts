// A similarity hash of a message body that stays the same across one campaign's personalised
// copies: SimHash (Charikar 2002) over word 3-shingles of the text after removing what differs per
// recipient. Two bodies are "the same" when their 64-bit hashes differ in few bits.

const minWords = 8;

const salutation = /^\s*(?:hi|hello|hey|dear|hallo|bonjour|hola|ciao|olá|hej)\b[^\n]{0,60}$/iu;
const urls = /\b(?:https?:\/\/|www\.)\S+/giu;
const addresses = /[^\s<>"'@]+@[^\s<>"'@]+\.[a-z]{2,}/giu;

/**
 * The words that remain of a body once per-recipient tokens are gone: the salutation line (names),
 * URLs (tracking ids), addresses, anything containing a digit (order numbers, amounts, dates) and
 * long tokens (hashes, base64 ids). Lower-cased, NFKC-normalised.
 */
export function normalisedWords(body: string): string[] {
  const lines = body.normalize('NFKC').toLowerCase().split(/\r?\n/);
  const firstText = lines.findIndex((line) => line.trim() !== '');
  if (firstText >= 0 && salutation.test(lines[firstText]!)) lines.splice(firstText, 1);
  return wordsIn(lines.join(' ').replace(urls, ' ').replace(addresses, ' '), 2);
}

/**
 * The words of a normalised text (subject or body): white-space separated tokens without digits
 * (order numbers, amounts, dates) or over 20 characters (hashes, ids), reduced to their letters,
 * kept when at least `minLetters` remain.
 */
export function wordsIn(text: string, minLetters: number): string[] {
  const words: string[] = [];
  for (const token of text.split(/\s+/u)) {
    if (token.length === 0 || token.length > 20 || /\p{N}/u.test(token)) continue;
    const word = token.replace(/[^\p{L}]+/gu, '');
    if (word.length >= minLetters) words.push(word);
  }
  return words;
}

// Two independent 32-bit FNV-1a variants make one 64-bit feature hash; no dependency needed.
function featureHash(text: string): [number, number] {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    a = Math.imul(a ^ code, 0x01000193);
    b = Math.imul(b ^ code, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 13;
  a = Math.imul(a, 0xc2b2ae35);
  a ^= a >>> 16;
  return [a >>> 0, b >>> 0];
}

/** The SimHash of a body as 16 hex digits, or null when too little text remains to mean anything. */
export function bodySimhash(body: string): string | null {
  const words = normalisedWords(body);
  if (words.length < minWords) return null;
  const weights = new Int32Array(64);
  for (let i = 0; i + 3 <= words.length; i++) {
    const [high, low] = featureHash(`${words[i]} ${words[i + 1]} ${words[i + 2]}`);
    for (let bit = 0; bit < 32; bit++) {
      weights[bit] = weights[bit]! + ((high >>> bit) & 1 ? 1 : -1);
      weights[32 + bit] = weights[32 + bit]! + ((low >>> bit) & 1 ? 1 : -1);
    }
  }
  let high = 0;
  let low = 0;
  for (let bit = 0; bit < 32; bit++) {
    if (weights[bit]! > 0) high |= 1 << bit;
    if (weights[32 + bit]! > 0) low |= 1 << bit;
  }
  return (high >>> 0).toString(16).padStart(8, '0') + (low >>> 0).toString(16).padStart(8, '0');
}

/** A hash of bodySimhash as its two 32-bit halves: parsed once, compared many times. */
export type SimhashBits = readonly [number, number];

export const simhashBits = (hash: string): SimhashBits => [parseInt(hash.slice(0, 8), 16) >>> 0, parseInt(hash.slice(8, 16), 16) >>> 0];

function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

/** Bits that differ between two parsed hashes. */
export const bitsDistance = (a: SimhashBits, b: SimhashBits): number => popcount((a[0] ^ b[0]) >>> 0) + popcount((a[1] ^ b[1]) >>> 0);

/** Bits that differ between two hashes of bodySimhash. */
export function simhashDistance(a: string, b: string): number {
  return bitsDistance(simhashBits(a), simhashBits(b));
}
