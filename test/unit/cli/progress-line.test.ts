import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProgressLine } from '../../../src/cli/progress-line';

describe('the progress line of warden analyze', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('shows nothing before the run has lasted two seconds, then files, facts and files/s, redrawn in place', () => {
    const written: string[] = [];
    const progress = new ProgressLine((text) => written.push(text));
    progress.files = 900;
    vi.advanceTimersByTime(1_000);
    expect(written).toEqual([]);
    progress.files = 3_000;
    progress.facts = 3_210;
    vi.advanceTimersByTime(1_000);
    expect(written).toEqual(['\r\x1b[Kanalyze: 3,000 files, 3,210 facts, 1,500 files/s']);
    progress.files = 4_500;
    vi.advanceTimersByTime(1_000);
    expect(written.at(-1)).toBe('\r\x1b[Kanalyze: 4,500 files, 3,210 facts, 1,500 files/s');
    progress.stop();
  });

  it('clears a line it has shown before other text, and only then', () => {
    const written: string[] = [];
    const progress = new ProgressLine((text) => written.push(text));
    progress.clear();
    expect(written).toEqual([]);
    vi.advanceTimersByTime(2_000);
    progress.clear();
    progress.clear();
    expect(written.slice(1)).toEqual(['\r\x1b[K']);
    progress.stop();
  });

  it('stops redrawing when stopped, leaving the line cleared', () => {
    const written: string[] = [];
    const progress = new ProgressLine((text) => written.push(text));
    vi.advanceTimersByTime(2_000);
    progress.stop();
    const count = written.length;
    vi.advanceTimersByTime(5_000);
    expect(written.at(-1)).toBe('\r\x1b[K');
    expect(written).toHaveLength(count);
  });

  it('writes nothing at all without a terminal', () => {
    const progress = new ProgressLine(undefined);
    progress.files = 10;
    vi.advanceTimersByTime(10_000);
    expect(() => progress.stop()).not.toThrow();
  });
});
