// The demo relay's content fingerprint: one value per template, whoever sends it to whomever; a
// value the send-events API and the X-Warden-Fingerprint header accept.
import { describe, expect, it } from 'vitest';
import { contentFingerprint, platformTemplates, renderBody, troubleMakerTemplates } from '../../../demo/mail/content';
import { composeMessage, originalHeaders } from '../../../demo/mail/original';
import { demoSenders, seededRandom } from '../../../demo/senders';
import { relayFingerprintShape } from '../../../src/analysis/fingerprints';

describe('the demo relay content fingerprint', () => {
  const random = seededRandom(3);
  const fingerprintOf = (template: (typeof platformTemplates)[number], domain: string, recipient: string) =>
    contentFingerprint(renderBody(template, domain, recipient, random), recipient);

  it('is shared by copies of one template to different recipients from different senders', () => {
    const [shipped] = platformTemplates;
    const a = fingerprintOf(shipped!, 'delta-gym.example', 'u123456@gmail.example');
    const b = fingerprintOf(shipped!, 'north-tours.example', 'u987@outlook.example');
    expect(a).toBe(b);
    expect(a).toMatch(relayFingerprintShape);
  });

  it('tells templates apart, the trouble-makers’ from the platform’s and from each other', () => {
    const all = [...platformTemplates, ...Object.values(troubleMakerTemplates).flat()];
    const prints = all.map((template) => fingerprintOf(template, 'shop.example', 'u1@gmail.example'));
    expect(new Set(prints).size).toBe(all.length);
  });

  it('is written into the message and quoted by its headers', () => {
    const [sender] = demoSenders(5);
    const message = composeMessage(sender!, 1, 'u42@gmail.example', '<A1@x.example>', new Date('2026-01-01T00:00:00Z'), random);
    expect(originalHeaders(message)).toContain(`X-Warden-Fingerprint: ${message.fingerprint}`);
    expect(message.fingerprint).toBe(contentFingerprint(message.body, message.recipient));
  });
});
