// ProgressCallback (order 60): the epoch table, and in a terminal a bar per phase redrawn in place with the
// smoothed loss. When output is not a terminal (a pipe, a file, CI) it writes the table rows only: no bars, no
// carriage returns (fastprogress checked isatty without calling it).
import { Callback } from '../learner/callback.js';
import type { Recorder } from './recorder.js';
import { silentLogger, type LogRow } from '../learner/learner.js';
import { ProgressBar, type BarStream } from '../progress/bar.js';
import { tableHeader, tableRow } from '../progress/format.js';
import { fail } from '../torch/validate.js';

export interface ProgressStream extends BarStream {
  isTTY?: boolean;
}

export class ProgressCallback extends Callback {
  override order = 60;
  private bar: ProgressBar | null = null;
  private widths: number[] = [];
  private oldLogger: ((row: LogRow) => void) | null = null;

  private readonly stream: ProgressStream;
  constructor(stream: ProgressStream = process.stdout) {
    super();
    if (stream === null || typeof stream !== 'object' || typeof (stream as { write?: unknown }).write !== 'function') {
      fail('callbacks.ProgressCallback', 'stream', 'a writable stream (an object with a write method)', stream);
    }
    this.stream = stream;
  }
  private get tty(): boolean {
    return this.stream.isTTY === true;
  }
  private line(s: string): void {
    this.stream.write(`${s}\n`);
  }

  override beforeFit(): void {
    // validate() and withoutLogging() run silent: leave their logger alone
    if (this.learn.validatingOnly || this.learn.logger === silentLogger) return;
    const names = this.learn.cb<Recorder>('recorder')?.metricNames ?? [];
    const h = tableHeader(names);
    this.widths = h.widths;
    this.line(h.line.trimEnd());
    this.oldLogger = this.learn.logger;
    this.learn.logger = (row) => {
      this.bar?.clear();
      this.line(tableRow(row, this.widths));
    };
  }
  private startBar(): void {
    // the phase's loader is set before its events fire (nIter only once its batches start)
    if (this.tty && this.oldLogger) this.bar = new ProgressBar(this.stream, this.learn.dl?.length ?? 0);
  }
  override beforeTrain(): void { this.startBar(); }
  override beforeValidate(): void { this.startBar(); }
  override afterBatch(): void {
    const bar = this.bar;
    const value = this.learn.iter + 1;
    if (!bar || !bar.due(value)) return;
    // the smoothed loss is read only when the bar redraws
    const loss = this.learn.training ? this.learn.smoothLoss : null;
    bar.update(value, loss === null ? '' : loss.toFixed(4));
  }
  private endBar(): void {
    this.bar?.clear();
    this.bar = null;
  }
  override afterTrain(): void { this.endBar(); }
  override afterValidate(): void { this.endBar(); }
  override afterFit(): void {
    this.endBar();
    if (this.oldLogger) this.learn.logger = this.oldLogger;
    this.oldLogger = null;
  }
}
