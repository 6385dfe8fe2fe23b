// ProgressCallback (order 60): the epoch table, a subscriber of the published log (learn.logs). In a terminal, a
// bar per phase redrawn in place with the smoothed loss; text written through learn.logs.write appears on its own
// line above the bar. When output is not a terminal (a pipe, a file, CI) no bars and no carriage returns: a plain
// progress line at each quarter of a phase and at least every 30 seconds, then the table rows.
import { Callback } from '../learner/callback.js';
import { isMainProcess } from '../learner/rank.js';
import type { AroundPhase } from '../learner/events.js';
import type { BatchLog, LogRow, LogSink } from '../learner/logs.js';
import { ProgressBar, type BarStream } from '../progress/bar.js';
import { formatTime, tableHeader, tableRow } from '../progress/format.js';
import { checkFunction, checkNumber, checkOptions, fail } from '../torch/validate.js';

export interface ProgressStream extends BarStream {
  isTTY?: boolean;
}

export interface ProgressOptions {
  /** Without a terminal: the longest time between two progress lines, in seconds (default 30). */
  plainEvery?: number;
  /** The clock, in milliseconds (tests inject one). */
  now?: () => number;
}

export class ProgressCallback extends Callback {
  override order = 60;
  private bar: ProgressBar | null = null;
  private widths: number[] = [];
  /** Subscribed to the log (for the length of a fit). */
  private live = false;
  // plain progress lines (no terminal): the phase's start, the last line's time, the next quarter to report
  private phaseStart = 0;
  private lastLine = 0;
  private nextQuarter = 1;

  private readonly stream: ProgressStream;
  private readonly plainEvery: number;
  private readonly now: () => number;
  constructor(stream: ProgressStream = process.stdout, o: ProgressOptions = {}) {
    super();
    const fn = 'callbacks.ProgressCallback';
    if (stream === null || typeof stream !== 'object' || typeof (stream as { write?: unknown }).write !== 'function') {
      fail(fn, 'stream', 'a writable stream (an object with a write method)', stream);
    }
    checkOptions(fn, o, ['plainEvery', 'now'], 'opts');
    this.plainEvery = o.plainEvery === undefined ? 30 : checkNumber(fn, 'opts.plainEvery', o.plainEvery, { gt: 0 });
    this.now = o.now === undefined ? () => performance.now() : checkFunction(fn, 'opts.now', o.now);
    this.stream = stream;
  }
  private get tty(): boolean {
    return this.stream.isTTY === true;
  }
  private line(s: string): void {
    this.stream.write(`${s}\n`);
  }

  /** What this callback subscribes to the log with, for the length of a fit. */
  private readonly sink: LogSink = {
    console: true,
    header: (names) => {
      const h = tableHeader([...names]);
      this.widths = h.widths;
      this.line(h.line.trimEnd());
    },
    row: (row: LogRow) => {
      this.bar?.clear();
      this.line(tableRow(row, this.widths));
    },
    batch: (b) => this.plainProgress(b),
    write: (text) => this.write(text),
  };

  /** Prints text on its own line; a bar being drawn is cleared first and redrawn below it (fastprogress's write). */
  write(text: string): void {
    if (typeof text !== 'string') fail('ProgressCallback.write', 'text', 'a string', text);
    const bar = this.bar;
    bar?.clear();
    this.line(text);
    bar?.redraw();
  }

  override aroundPhases: readonly AroundPhase[] = ['fit'];
  /** Subscribed to the log for the length of a fit, unsubscribed on every exit path; validate() prints nothing. */
  override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
    if (phase !== 'fit' || this.learn.validatingOnly || !isMainProcess()) return next();
    // a terminal draws bars from the loop's events: it takes no batches, so the Recorder builds no batch log for it
    const { batch: _batch, ...bars } = this.sink;
    const unsubscribe = this.learn.logs.subscribe(this.tty ? bars : this.sink);
    this.live = true;
    try {
      await next();
    } finally {
      this.endBar();
      this.live = false;
      unsubscribe();
    }
  }

  private startPhase(): void {
    this.phaseStart = this.now();
    this.lastLine = this.phaseStart;
    this.nextQuarter = 1;
    // the phase's loader is set before its events fire (nIter only once its batches start); noLogging shows no bars
    if (this.tty && this.live && !this.learn.logs.quiet) this.bar = new ProgressBar(this.stream, this.learn.dl?.length ?? 0, this.now);
  }
  override beforeTrain(): void {
    this.startPhase();
  }
  override beforeValidate(): void {
    this.startPhase();
  }
  override afterBatch(): void {
    const bar = this.bar;
    const value = this.learn.iter + 1;
    if (!bar?.due(value)) return;
    // the smoothed loss is read only when the bar redraws
    const loss = this.learn.training ? this.learn.smoothLoss : null;
    bar.update(value, loss === null ? '' : loss.toFixed(4));
  }

  /** Without a terminal: a line at each quarter of the phase, and whenever plainEvery seconds passed since the last. */
  private plainProgress(b: BatchLog): void {
    if (this.tty || this.learn.logs.quiet || b.nIter === 0) return;
    const done = b.iter + 1;
    const now = this.now();
    const quarter = done * 4 >= this.nextQuarter * b.nIter;
    if (!quarter && (now - this.lastLine) / 1000 < this.plainEvery) return;
    while (done * 4 >= this.nextQuarter * b.nIter) this.nextQuarter++;
    this.lastLine = now;
    const loss = b.smoothLoss();
    const pct = ((100 * done) / b.nIter).toFixed(0).padStart(3);
    this.line(
      `epoch ${b.epoch + 1}/${b.nEpoch} ${b.training ? 'train' : 'valid'} ${done}/${b.nIter} (${pct}%) ` +
        `${formatTime((now - this.phaseStart) / 1000)}${loss === null ? '' : ` loss ${loss.toFixed(4)}`}`,
    );
  }

  private endBar(): void {
    this.bar?.clear();
    this.bar = null;
  }
  override afterTrain(): void {
    this.endBar();
  }
  override afterValidate(): void {
    this.endBar();
  }
}
