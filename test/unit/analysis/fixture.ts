// Reads the hand-written report fixtures under test/fixtures/mail.
import { readFileSync } from 'node:fs';
import type { Fact } from '../../../src/analysis/fact';
import { analyzeMbox } from '../../../src/analysis/analyze';

export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../../fixtures/mail/${name}`, import.meta.url));
}

/** Every fact of every message in a raw mbox or message. */
export function factsOf(raw: Buffer | string): Fact[] {
  return analyzeMbox(raw).flatMap((result) => (result.ok ? result.facts : []));
}

export function withLineEnds(raw: Buffer, ending: '\r\n' | '\r'): Buffer {
  return Buffer.from(raw.toString('latin1').replace(/\r?\n/g, ending), 'latin1');
}
