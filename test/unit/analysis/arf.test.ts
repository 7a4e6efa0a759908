import { describe, expect, it } from 'vitest';
import { factsOf, fixture, withLineEnds } from './fixture';

describe('ARF feedback reports (RFC 5965)', () => {
  it('reads an abuse report with the complaining recipient, source IP and original message', () => {
    expect(factsOf(fixture('arf-abuse.eml'))).toEqual([
      expect.objectContaining({
        kind: 'complaint',
        recipient: 'lee.chen@mailbox.example',
        reason: 'feedback',
        hardBounce: false,
        feedbackType: 'abuse',
        ip: '203.0.113.7',
        arrivalDate: '2026-03-12T09:12:44.000Z',
        originalMessageId: 'spring-2026-0077@acme.example',
        from: 'news@acme.example',
        subject: 'Spring offers',
      }),
    ]);
  });

  it('reads a report whose original is headers only and whose recipient is redacted', () => {
    const [fact] = factsOf(fixture('arf-headers-only-redacted.eml'));
    expect(fact).toMatchObject({ kind: 'complaint', feedbackType: 'abuse', ip: '203.0.113.9', originalMessageId: 'weekly-991@globex.example', from: 'alerts@globex.example' });
    expect(fact?.recipient).toBe('redacted@isp.example');
  });

  it('reads a report with CR-only line ends', () => {
    expect(factsOf(withLineEnds(fixture('arf-abuse.eml'), '\r'))).toEqual(factsOf(fixture('arf-abuse.eml')));
  });

  it('reads the other feedback types as they are named', () => {
    const raw = fixture('arf-abuse.eml').toString('latin1').replace('Feedback-Type: abuse', 'Feedback-Type: not-spam');
    expect(factsOf(raw)[0]?.feedbackType).toBe('not-spam');
  });

  it('reads a Microsoft JMRP forward (no ARF part) as an abuse complaint', () => {
    expect(factsOf(fixture('jmrp-complaint.eml'))).toEqual([
      expect.objectContaining({ kind: 'complaint', recipient: 'complainer@outlook.example', feedbackType: 'abuse', ip: '203.0.113.7', originalMessageId: 'spring-2026-0123@acme.example' }),
    ]);
  });
});
