// RunLog: the run record of a fit (run-record.ts) in a run folder (learn.path by default, as the CLI's
// runs/<date-time>/): run.json with the hyper-parameters and the environment, log.jsonl with each fit's columns,
// training batches at a bounded rate, every epoch's row and the end, and at each fit's end the loss and schedule
// charts. A subscriber of the Recorder's published log: no path of its own through the loop, and a host read (the
// smoothed loss) only when a batch line is due.
import { availableParallelism, hostname } from 'node:os';
import { join } from 'node:path';
import { Callback } from '../learner/callback.js';
import { isMainProcess } from '../learner/rank.js';
import type { AroundPhase } from '../learner/events.js';
import type { BatchLog, LogRow } from '../learner/logs.js';
import { CancelFitException } from '../learner/exceptions.js';
import * as torch from '../torch/index.js';
import { checkNumber, checkOptions, checkPath, optBool } from '../torch/validate.js';
import { RunRecordWriter, type RunLine } from './run-record.js';
import { Recorder } from './recorder.js';

/** A record line as another callback gives it: RunLog fills in its time. */
export type LineWithoutTime = { [K in RunLine['type']]: Omit<Extract<RunLine, { type: K }>, 't'> }[RunLine['type']];

export interface RunLogOptions {
  /** The run folder (default: the Learner's path). */
  dir?: string;
  /** The least time between two batch lines, ms (default 500; 0: every training batch, a host read each). */
  batchEveryMs?: number;
  /** Write the loss and schedule charts (SVG and PNG) at each fit's end (default true). */
  charts?: boolean;
}

export class RunLog extends Callback {
  override order = 61;
  readonly dir: string | null;
  readonly batchEveryMs: number;
  readonly charts: boolean;
  #writer: RunRecordWriter | null = null;
  /** Other subscribers of the record as it is written (the live dashboard). */
  readonly #listeners = new Set<(line: RunLine) => void>();
  #step = 0;
  #cancelled = false;
  #inFit = false;

  constructor(options: RunLogOptions = {}) {
    super();
    const fn = 'callbacks.RunLog';
    const o = checkOptions(fn, options, ['dir', 'batchEveryMs', 'charts']);
    this.dir = o.dir === undefined ? null : checkPath(fn, 'options.dir', o.dir);
    this.batchEveryMs = o.batchEveryMs === undefined ? 500 : checkNumber(fn, 'options.batchEveryMs', o.batchEveryMs, { min: 0 });
    this.charts = optBool(fn, 'options.charts', o.charts, true);
  }

  /** The run folder in use (the Learner's path unless dir was given). */
  get runDir(): string {
    return this.dir ?? this.learn.path;
  }

  /** Calls f with every line written from now on; the function returned unsubscribes. */
  listen(f: (line: RunLine) => void): () => void {
    this.#listeners.add(f);
    return () => this.#listeners.delete(f);
  }

  /** Appends another callback's line to the record during a fit (its time filled in) and passes it to the
   * listeners (the dashboard's stats and image grids); false outside a fit. */
  append(line: LineWithoutTime): boolean {
    const w = this.#inFit ? this.#writer : null;
    if (w === null) return false;
    this.#emit(w, { ...line, t: w.t } as RunLine);
    return true;
  }

  #emit(w: RunRecordWriter, line: RunLine): void {
    w.append(line);
    for (const f of this.#listeners) f(line);
  }

  override afterCancelFit(): void {
    this.#cancelled = true;
  }

  override aroundPhases: readonly AroundPhase[] = ['fit'];
  /** The record is open and subscribed for the length of a fit; its end is written on every exit path. */
  override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
    if (phase !== 'fit' || this.learn.validatingOnly || !isMainProcess()) return next();
    const w = this.#open();
    w.open();
    w.info.fits++;
    w.writeInfo();
    this.#cancelled = false;
    this.#inFit = true;
    const l = this.learn;
    let lastAt = -Infinity;
    let rows = 0;
    const unsubscribe = l.logs.subscribe({
      header: (names) => this.#emit(w, { type: 'fit', t: w.t, fit: w.info.fits, names: [...names], nEpoch: l.nEpoch }),
      batch: (b: BatchLog) => {
        if (!b.training) return;
        this.#step++;
        rows += b.size;
        const now = performance.now();
        if (now - lastAt < this.batchEveryMs && b.iter !== b.nIter - 1) return;
        const seconds = (now - lastAt) / 1000;
        const line: RunLine = {
          type: 'batch',
          t: w.t,
          epoch: b.epoch,
          nEpoch: b.nEpoch,
          iter: b.iter,
          nIter: b.nIter,
          step: this.#step,
          loss: b.smoothLoss(),
          lr: b.lr,
          mom: b.mom,
          samplesPerSec: Number.isFinite(seconds) && seconds > 0 ? Math.round(rows / seconds) : null,
        };
        lastAt = now;
        rows = 0;
        this.#emit(w, line);
      },
      row: (row: LogRow, names) => {
        const values: Record<string, number | string | null> = {};
        names.forEach((n, i) => {
          const v = row[i];
          values[n] = v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? null : v;
        });
        this.#emit(w, { type: 'epoch', t: w.t, step: this.#step, row: values });
      },
    });
    let status: 'completed' | 'cancelled' | 'failed' = 'completed';
    let error: string | undefined;
    try {
      await next();
      if (this.#cancelled) status = 'cancelled';
    } catch (e) {
      status = e instanceof CancelFitException ? 'cancelled' : 'failed';
      if (status === 'failed') error = e instanceof Error ? e.message : String(e);
      throw e;
    } finally {
      unsubscribe();
      this.#inFit = false;
      try {
        if (this.charts) this.#writeCharts(w);
      } finally {
        try {
          this.#emit(w, { type: 'end', t: w.t, status, ...(error === undefined ? {} : { error }) });
        } finally {
          w.close();
        }
        w.info.status = status;
        w.info.ended = new Date().toISOString();
        w.writeInfo();
      }
    }
  }

  /** The writer of this run folder: made at the first fit, reused by later fits. */
  #open(): RunRecordWriter {
    const dir = this.runDir;
    if (this.#writer?.dir === dir) {
      this.#writer.info.status = 'running';
      this.#writer.info.ended = null;
      return this.#writer;
    }
    this.#step = 0;
    this.#writer = new RunRecordWriter(dir, { hyper: this.#hyper(), env: this.#env() }, 'callbacks.RunLog');
    return this.#writer;
  }

  #writeCharts(w: RunRecordWriter): void {
    const rec = this.learn.cbs.find((c): c is Recorder => c instanceof Recorder);
    if (!rec || rec.losses.length === 0) return;
    for (const [kind, draw] of [
      ['loss', (file: string) => rec.plotLoss({ file })],
      ['schedule', (file: string) => rec.plotSched({ file })],
    ] as const) {
      if (kind === 'schedule' && Object.keys(rec.hps).length === 0) continue; // no ParamScheduler: no schedule to chart
      draw(join(w.dir, kind));
      this.#emit(w, { type: 'file', t: w.t, kind, path: `${kind}.svg` });
    }
  }

  #hyper(): Record<string, unknown> {
    const l = this.learn;
    const name = (f: unknown): string =>
      typeof f === 'function' ? f.name || 'function' : f !== null && typeof f === 'object' ? f.constructor.name : String(f);
    return {
      lr: l.lr,
      batchSize: l.dls.train.batchSize,
      wd: l.wd,
      moms: l.moms,
      optimizer: name(l.optFunc),
      loss: name(l.lossFunc),
      model: l.model.constructor.name,
      parameters: l.model.parameters().reduce((n, p) => n + p.numel(), 0),
      metrics: l.metrics.map((m) => m.name),
    };
  }

  #env(): Record<string, unknown> {
    return {
      libtorch: torch.libtorchVersion,
      node: process.version,
      device: this.learn.dls.device,
      threads: torch.getNumThreads(),
      blasThreads: torch.getBlasThreads(),
      cpus: availableParallelism(),
      platform: `${process.platform}-${process.arch}`,
      hostname: hostname(),
    };
  }
}
