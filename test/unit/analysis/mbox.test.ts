import { describe, expect, it } from 'vitest';
import { splitMbox } from '../../../src/analysis/mbox';
import { factsOf, fixture } from './fixture';

describe('mbox splitting', () => {
  it('reads a file with no From line as one message', () => {
    expect(splitMbox('Subject: a\n\nbody\n')).toEqual(['Subject: a\n\nbody\n']);
  });

  it('splits at every From line, in LF, CRLF and CR-only files alike', () => {
    const mbox = 'From a@x Mon Mar  9 10:00:00 2026\nSubject: one\n\n1\n\nFrom b@x Mon Mar  9 10:01:00 2026\nSubject: two\n\n2\n';
    const lf = splitMbox(mbox);
    expect(lf).toHaveLength(2);
    expect(lf[1]).toBe('Subject: two\n\n2\n');
    expect(splitMbox(mbox.replace(/\n/g, '\r\n'))).toEqual(lf);
    expect(splitMbox(mbox.replace(/\n/g, '\r'))).toEqual(lf);
  });

  it('restores mboxrd-quoted >From lines', () => {
    expect(splitMbox('From a@x Mon Mar  9 10:00:00 2026\nSubject: q\n\n>From the start\n')).toEqual(['Subject: q\n\nFrom the start\n']);
  });

  it('analyzes each message of an mbox holding a bounce and a complaint', () => {
    const mbox = Buffer.concat([
      Buffer.from('From MAILER-DAEMON Tue Mar 10 08:15:02 2026\n'),
      fixture('dsn-postfix-userunknown.eml'),
      Buffer.from('\nFrom fbl@fbl.mailbox.example Thu Mar 12 09:30:00 2026\n'),
      fixture('arf-abuse.eml'),
    ]);
    expect(factsOf(mbox).map((f) => f.kind)).toEqual(['bounce', 'complaint']);
  });
});
