// The status line `warden analyze` keeps on a terminal's stderr during a long run: files, facts and
// files/s, redrawn in place ("\r" and "erase to end of line", ECMA-48 EL), cleared before any other
// text goes to stderr so that a warning never lands in the middle of it.

export interface ProgressTiming {
  /** Nothing is shown before the run has lasted this long. */
  afterMs: number;
  /** How often the line is redrawn. */
  everyMs: number;
}

const ERASE_LINE = '\r\x1b[K';

/** Counts and, when given a terminal's writer, a status line that the next line of stderr replaces. */
export class ProgressLine {
  files = 0;
  facts = 0;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout | undefined;
  private shown = false;

  constructor(
    private readonly write: ((text: string) => void) | undefined,
    private readonly timing: ProgressTiming = { afterMs: 2_000, everyMs: 1_000 },
  ) {
    if (write) this.timer = setInterval(() => this.show(), timing.everyMs).unref();
  }

  private show() {
    const elapsedMs = performance.now() - this.started;
    if (elapsedMs < this.timing.afterMs) return;
    const perSecond = Math.round(this.files / (elapsedMs / 1000));
    this.write!(`${ERASE_LINE}analyze: ${this.files.toLocaleString('en')} files, ${this.facts.toLocaleString('en')} facts, ${perSecond.toLocaleString('en')} files/s`);
    this.shown = true;
  }

  /** Clears the status line before other text goes to stderr. */
  clear() {
    if (this.shown) this.write!(ERASE_LINE);
    this.shown = false;
  }

  stop() {
    clearInterval(this.timer);
    this.clear();
  }
}
