import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitMbox } from '../../../src/analysis/mbox';
import { normaliseLineEnds } from '../../../src/analysis/mime';
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

  it('splits as a plain reading of the lines does, whatever the mix of line ends and From lines', () => {
    // The straightforward reading: every line end to LF, then every "\nFrom " starts a message.
    const reference = (raw: string): string[] => {
      const lf = raw.replace(/\r\n?/g, '\n');
      const starts = [lf.startsWith('From ') ? 0 : -1];
      for (let at = lf.indexOf('\nFrom '); at !== -1; at = lf.indexOf('\nFrom ', at + 1)) starts.push(at + 1);
      return starts
        .map((start, i) => {
          const end = starts[i + 1] ?? lf.length;
          const lineEnd = start === -1 ? -1 : lf.indexOf('\n', start);
          const body = start === -1 ? lf.slice(0, end) : lineEnd === -1 || lineEnd >= end ? '' : lf.slice(lineEnd + 1, end);
          return body.includes('\n>From ') ? body.replace(/\n>(>*From )/g, '\n$1') : body;
        })
        .filter((body) => body.trim() !== '');
    };
    const piece = fc.constantFrom('From ', '>From ', '>>From ', 'From', '\r', '\n', '\r\n', 'x', ' ', '>');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (pieces) => {
        const raw = pieces.join('');
        expect(splitMbox(raw)).toEqual(reference(raw));
        expect(normaliseLineEnds(raw)).toBe(raw.replace(/\r\n?/g, '\n'));
      }),
      { numRuns: 2000 },
    );
  });
});
