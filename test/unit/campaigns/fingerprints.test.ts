// Campaign fingerprints of a message: URL registered domains, normalised subject, body SimHash.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contentFingerprints, normaliseSubject } from '../../../src/analysis/fingerprints';
import { bodySimhash, simhashDistance } from '../../../src/analysis/simhash';
import { registeredDomain, urlFingerprints } from '../../../src/analysis/url-domains';

const maxDistance = 6;
const word = fc.stringMatching(/^[a-z]{3,10}$/);
const template = fc.array(word, { minLength: 30, maxLength: 120 });

/** What a mailing system puts in each copy: name, order number, tracking link, address, token. */
const personalisation = fc.record({
  name: fc.stringMatching(/^[A-Z][a-z]{2,9}$/),
  number: fc.integer({ min: 0, max: 10_000_000 }),
  token: fc.stringMatching(/^[A-Za-z0-9]{24,40}$/),
  user: fc.stringMatching(/^[a-z]{3,8}$/),
  amount: fc.float({ min: 1, max: 5000, noNaN: true }),
});
type Personalisation = typeof personalisation extends fc.Arbitrary<infer T> ? T : never;

function personalise(words: string[], p: Personalisation): string {
  const middle = Math.floor(words.length / 2);
  return [
    `Hi ${p.name},`,
    '',
    words.slice(0, middle).join(' '),
    `Your order ${p.number} of $${p.amount.toFixed(2)} is waiting: https://track.example.net/c/${p.token}?r=${p.user}`,
    words.slice(middle).join(' '),
    `This message was sent to ${p.user}@mail.example.org (ref ${p.token}).`,
  ].join('\n');
}

describe('body similarity hash', () => {
  it('matches bodies that differ only in per-recipient tokens', () => {
    fc.assert(
      fc.property(template, personalisation, personalisation, (words, a, b) => {
        const first = bodySimhash(personalise(words, a));
        const second = bodySimhash(personalise(words, b));
        expect(first).not.toBeNull();
        expect(simhashDistance(first!, second!)).toBeLessThanOrEqual(maxDistance);
      }),
    );
  });

  it('does not match unrelated bodies', () => {
    fc.assert(
      fc.property(template, template, personalisation, (wordsA, wordsB, p) => {
        fc.pre(new Set(wordsA).size >= 20 && new Set(wordsB).size >= 20);
        // Bodies sharing at most a few words by chance: independent texts.
        const shared = wordsB.filter((w) => wordsA.includes(w)).length;
        fc.pre(shared < wordsB.length / 4);
        const distance = simhashDistance(bodySimhash(personalise(wordsA, p))!, bodySimhash(personalise(wordsB, p))!);
        expect(distance).toBeGreaterThan(maxDistance);
      }),
    );
  });

  it('stays close when a few words of a long body change', () => {
    const words = Array.from({ length: 200 }, (_, i) => `word${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + ((i * 7) % 26))}`.replace(/\d/g, ''));
    const edited = [...words];
    edited[50] = 'different';
    expect(simhashDistance(bodySimhash(words.join(' '))!, bodySimhash(edited.join(' '))!)).toBeLessThanOrEqual(maxDistance);
  });

  it('gives no hash to a body too short to mean anything', () => {
    expect(bodySimhash('Thanks, see you at 5!')).toBeNull();
  });
});

describe('URL registered domains', () => {
  it.each([
    ['www.shop.example.com', 'example.com'],
    ['mail.example.co.uk', 'example.co.uk'],
    ['a.b.example.com.au', 'example.com.au'],
    ['evil-pages.github.io', 'evil-pages.github.io'],
    ['promo.netlify.app', 'promo.netlify.app'],
    ['bucket.s3.amazonaws.com', 'bucket.s3.amazonaws.com'],
    // Private-section suffixes of the Public Suffix List: each sub-domain is a different owner.
    ['files.blob.core.windows.net', 'files.blob.core.windows.net'],
    ['bakery.myshopify.com', 'bakery.myshopify.com'],
    ['news.example.pages.dev', 'example.pages.dev'],
    ['a.b.example.kiev.ua', 'example.kiev.ua'],
    ['co.uk', 'co.uk'],
    ['EXAMPLE.ORG.', 'example.org'],
    ['192.0.2.7', '192.0.2.7'],
  ])('%s → %s', (host, expected) => expect(registeredDomain(host)).toBe(expected));

  it('finds the domains of links in text and HTML, shortened links by their path', () => {
    const text = 'Buy now https://deals.spam-pills.example/buy?id=42 or <a href="http://www.spam-pills.example">here</a>, ' +
      'see https://bit.ly/3xYzAbc and user:pw@ignored www.other.example.co.uk/path.';
    expect(urlFingerprints(text)).toEqual(['bit.ly/3xYzAbc', 'example.co.uk', 'spam-pills.example']);
  });
});

describe('subject normalisation', () => {
  it('drops reply prefixes, numbers and ids', () => {
    expect(normaliseSubject('Re: Fwd: Your order #4411 from Alice is ready')).toBe(normaliseSubject('Your order 9920 from Alice is ready'));
    expect(normaliseSubject('Your order 9920 from Alice is ready')).toBe('your order from alice is ready');
  });

  it('gives nothing for a subject too short to be distinctive', () => {
    expect(normaliseSubject('Hello')).toBeNull();
    expect(normaliseSubject('Invoice 2026-11')).toBeNull();
  });

  it('fingerprints a message from its subject and body', () => {
    const prints = contentFingerprints({ subject: 'Cheap pills shipped overnight to you', text: 'Visit https://pills.example/now for the best cheap pills shipped to your door today without prescription', html: '' });
    expect(prints.urlDomains).toEqual(['pills.example']);
    expect(prints.subject).toBe('cheap pills shipped overnight to you');
    expect(prints.bodySimhash).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('simhash distance', () => {
  it('counts the differing bits of two 64-bit hashes', () => {
    const hash = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }).map((n) => n.toString(16).padStart(16, '0'));
    fc.assert(
      fc.property(hash, hash, (a, b) => {
        const differing = [...(BigInt(`0x${a}`) ^ BigInt(`0x${b}`)).toString(2)].filter((bit) => bit === '1').length;
        expect(simhashDistance(a, b)).toBe(differing);
      }),
    );
    expect(simhashDistance('ffffffffffffffff', '0000000000000000')).toBe(64);
  });
});
