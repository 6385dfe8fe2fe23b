// Logs as data (Keras's History/ProgbarLogger): the Recorder publishes each fit's columns, each epoch's row and each
// batch's progress on the Learner's LogBus; outputs (the progress table, CSVLogger, a dashboard) subscribe to it
// instead of wrapping one another. Console output falls back to learn.logger when no console sink is subscribed.
import { tableHeader, tableRow } from '../progress/format.js';
import { checkFunction, fail } from '../torch/validate.js';

/** An epoch row: epoch, the values, and the time (fastai's logger argument). */
export type LogRow = (number | string | undefined)[];

/** One batch, as the Recorder knows it; `smoothLoss()` is a host read (ask only when drawing). */
export interface BatchLog {
  readonly epoch: number;
  readonly nEpoch: number;
  readonly iter: number;
  readonly nIter: number;
  readonly training: boolean;
  /** The batch's rows (its first input's first dimension, a host value). */
  readonly size: number;
  /** The last parameter group's lr and momentum (host values from the optimizer's hypers; null before one). */
  readonly lr: number | null;
  readonly mom: number | null;
  smoothLoss(): number | null;
}

/** A subscriber of the published log. Every method is optional. */
export interface LogSink {
  /** Output for people on the console: noLogging silences its rows, and while one is subscribed rows do not go
   * to learn.logger (the progress table is one). */
  readonly console?: boolean;
  /** A fit starts: its columns ('epoch', the losses and metrics, 'time'). */
  header?(names: readonly string[]): void;
  /** An epoch ended: its row, aligned with the header's names. */
  row?(row: LogRow, names: readonly string[]): void;
  /** A batch ended. */
  batch?(b: BatchLog): void;
  /** A line of text a callback prints (learn.logs.write): a sink drawing a bar puts it above the bar. */
  write?(text: string): void;
}

export class LogBus {
  #sinks: LogSink[] = [];
  #quiet = 0;
  #fits = 0;
  #names: readonly string[] = [];
  readonly #fallback: (row: LogRow) => void;

  constructor(fallback: (row: LogRow) => void) {
    this.#fallback = fallback;
  }

  /** The columns of the current fit (empty before the first). */
  get names(): readonly string[] {
    return this.#names;
  }
  /** How many headers were published: a console printer shows the header again when it changes. */
  get fits(): number {
    return this.#fits;
  }
  /** True inside noLogging: console sinks get no rows. */
  get quiet(): boolean {
    return this.#quiet > 0;
  }

  /** Adds a sink; the function returned removes it (idempotent). */
  subscribe(sink: LogSink): () => void {
    if (sink === null || typeof sink !== 'object') fail('LogBus.subscribe', 'sink', 'an object with header/row/batch/write methods', sink);
    for (const k of ['header', 'row', 'batch', 'write'] as const) {
      if (sink[k] !== undefined) checkFunction('LogBus.subscribe', `sink.${k}`, sink[k]);
    }
    this.#sinks.push(sink);
    return () => {
      this.#sinks = this.#sinks.filter((s) => s !== sink);
    };
  }

  /** Runs fn with console rows silenced (fastai's no_logging); file and dashboard sinks still receive them. */
  async quietly<T>(fn: () => Promise<T> | T): Promise<T> {
    this.#quiet++;
    try {
      return await fn();
    } finally {
      this.#quiet--;
    }
  }

  #hasConsole(): boolean {
    return this.#sinks.some((s) => s.console === true);
  }

  header(names: readonly string[]): void {
    this.#names = [...names];
    this.#fits++;
    for (const s of this.#sinks) if (!(s.console && this.quiet)) s.header?.(this.#names);
  }
  row(row: LogRow): void {
    for (const s of this.#sinks) if (!(s.console && this.quiet)) s.row?.(row, this.#names);
    if (!this.quiet && !this.#hasConsole()) this.#fallback(row);
  }
  /** Whether a sink takes batches (the Recorder builds a batch's log only then). */
  get wantsBatches(): boolean {
    return this.#sinks.some((s) => s.batch !== undefined);
  }
  batch(b: BatchLog): void {
    for (const s of this.#sinks) s.batch?.(b);
  }
  /** Prints a line for people: through the console sinks (a bar stays below it), or console.log without one. */
  write(text: string): void {
    if (typeof text !== 'string') fail('LogBus.write', 'text', 'a string', text);
    const consoles = this.#sinks.filter((s) => s.console === true && s.write);
    if (consoles.length === 0) console.log(text);
    for (const s of consoles) s.write!(text);
  }
}

/** learn.logger's default: each row formatted as the progress table (6 decimals, columns that widen to fit), the
 * header printed before a fit's first row. */
export function consoleTable(logs: LogBus, print: (line: string) => void = (line) => console.log(line)): (row: LogRow) => void {
  let shownFor = -1;
  let widths: number[] = [];
  return (row) => {
    if (shownFor !== logs.fits) {
      const h = tableHeader([...logs.names]);
      widths = h.widths;
      print(h.line.trimEnd());
      shownFor = logs.fits;
    }
    print(tableRow(row, widths));
  };
}
