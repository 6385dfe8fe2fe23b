// A console progress bar as fastprogress draws it: `|█████-----| 62.50% [5/8 00:03<00:01 0.4012]`,
// redrawn in place with a carriage return, at most every 0.2 s after the first few iterations.
import { formatTime } from './format.js';

export interface BarStream {
  write(s: string): unknown;
  columns?: number;
}

const FIRST_ITERS = 5;
const REDRAW_SECONDS = 0.2;

export class ProgressBar {
  private readonly start: number;
  private lastDraw = -Infinity;
  private drawn = false;
  /** The last state drawn, for redraw. */
  private last: { value: number; comment: string } | null = null;

  /** `now` (milliseconds) is injectable so tests need not depend on the machine's speed. */
  constructor(
    private readonly stream: BarStream,
    readonly total: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.start = now();
  }

  /** Whether update(value) would redraw now (so callers read values for the comment only then). */
  due(value: number): boolean {
    return value <= FIRST_ITERS || value >= this.total || (this.now() - this.lastDraw) / 1000 >= REDRAW_SECONDS;
  }

  update(value: number, comment = ''): void {
    const now = this.now();
    const elapsed = (now - this.start) / 1000;
    const remaining = value > 0 ? (elapsed / value) * (this.total - value) : 0;
    const pct = this.total ? (100 * value) / this.total : 100;
    const text = `${pct.toFixed(2)}% [${value}/${this.total} ${formatTime(elapsed)}<${formatTime(remaining)}${comment ? ` ${comment}` : ''}]`;
    const cols = Math.min(this.stream.columns || 100, 100);
    const length = Math.max(10, Math.min(cols - 60, cols - text.length - 4));
    const filled = this.total ? Math.min(length, Math.floor((length * value) / this.total)) : 0;
    this.stream.write(`\r|${'█'.repeat(filled)}${'-'.repeat(length - filled)}| ${text}`);
    this.lastDraw = now;
    this.drawn = true;
    this.last = { value, comment };
  }

  /** Draws the last state again (after text was written above a cleared bar). */
  redraw(): void {
    if (this.last) this.update(this.last.value, this.last.comment);
  }

  /** Clears the bar's line (when the phase ends, before the table row is written). */
  clear(): void {
    if (!this.drawn) return;
    const cols = Math.min(this.stream.columns || 100, 100);
    this.stream.write(`\r${' '.repeat(cols)}\r`);
    this.drawn = false;
  }
}
