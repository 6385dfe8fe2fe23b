// Recorder (order 50): the smoothed training loss, the learning rates, and each epoch's losses and metrics.
// The smoothed losses of an epoch are kept on the device and read once, at its end.
import { AvgLoss, AvgSmoothLoss, LossPartMetric, type Metric } from '../metrics/index.js';
import { Callback } from '../learner/callback.js';
import type { BatchLog } from '../learner/logs.js';
import type { AroundPhase } from '../learner/events.js';
import { formatTime } from '../progress/format.js';
import { writeChart } from '../plot/index.js';
import { lossChart, lrFindChart } from '../plot/learner-charts.js';
import { plotSched } from './param-scheduler.js';
import { checkOptions, fail, isTensorLike } from '../torch/validate.js';

export interface RecorderOptions {
  addTime?: boolean;
  trainMetrics?: boolean;
  validMetrics?: boolean;
  beta?: number;
}

export class Recorder extends Callback {
  override order = 50;
  readonly addTime: boolean;
  readonly trainMetrics: boolean;
  readonly validMetrics: boolean;
  readonly lossMetric = new AvgLoss();
  readonly smoothLossMetric: AvgSmoothLoss;
  /** Per training batch: the last group's learning rate, and the smoothed loss. */
  lrs: number[] = [];
  losses: number[] = [];
  /** Per epoch: the smoothed-loss count (to place validation points), and the row without epoch and time. */
  iters: number[] = [];
  values: (number | undefined)[][] = [];
  metricNames: string[] = [];
  /** Scheduled hyper-parameters per training batch, set by ParamScheduler at the end of a scheduled fit. */
  hps: Record<string, number[]> = {};
  /** The row being built for this epoch. */
  log: (number | string | undefined)[] = [];
  private cancelTrain = false;
  private cancelValid = false;
  private startEpoch = 0;
  /** Whether this epoch's beforeEpoch ran here (an epoch cancelled before it, as when resuming, logs no row). */
  private epochOpen = false;
  /** The epoch state of the fit (or validation) a validate() was called in, given back when it ends. */
  private saved: { log: (number | string | undefined)[]; epochOpen: boolean; startEpoch: number; cancelTrain: boolean; cancelValid: boolean }[] = [];

  constructor(o: RecorderOptions = {}) {
    super();
    const fn = 'callbacks.Recorder';
    checkOptions(fn, o, ['addTime', 'trainMetrics', 'validMetrics', 'beta'], 'opts');
    for (const k of ['addTime', 'trainMetrics', 'validMetrics'] as const) {
      if (o[k] !== undefined && typeof o[k] !== 'boolean') fail(fn, `opts.${k}`, 'a boolean', o[k]);
    }
    if (o.beta !== undefined && !(typeof o.beta === 'number' && o.beta >= 0 && o.beta < 1)) fail(fn, 'opts.beta', 'a number in [0, 1)', o.beta);
    this.addTime = o.addTime ?? true;
    this.trainMetrics = o.trainMetrics ?? false;
    this.validMetrics = o.validMetrics ?? true;
    this.smoothLossMetric = new AvgSmoothLoss(o.beta ?? 0.98);
  }

  /** A metric per named part of the loss, when the loss function has parts (nn.MultiLoss). */
  private partMetrics: Metric[] = [];
  private allMetrics(): Metric[] {
    return [...this.partMetrics, ...this.learn.metrics];
  }
  /** Metrics logged on the training phase: all with trainMetrics, else those whose logMetric asks for it. */
  private trainLogged(): Metric[] {
    return this.allMetrics().filter((m) => this.trainMetrics || m.logMetric !== 'valid');
  }
  private validLogged(): Metric[] {
    return this.validMetrics ? this.allMetrics().filter((m) => m.logMetric !== 'train') : [];
  }
  private trainMets(): Metric[] {
    if (this.cancelTrain) return [];
    return [this.smoothLossMetric, ...this.trainLogged()];
  }
  /** The metrics the validation phase accumulates (the loss first). */
  validationMetrics(): Metric[] {
    return this.validMets();
  }
  private validMets(): Metric[] {
    if (this.cancelValid) return [];
    return this.validMetrics ? [this.lossMetric, ...this.validLogged()] : [];
  }

  override beforeFit(): void {
    const parts = this.learn.lossFunc.partNames;
    if ((parts ?? []).join() !== this.partMetrics.map((m) => m.name).join()) {
      for (const m of this.partMetrics) m.reset();
      this.partMetrics = (parts ?? []).map((p) => new LossPartMetric(p));
    }
    const train = this.trainLogged().map((m) => m.name);
    const valid = this.validLogged().map((m) => m.name);
    let cols: string[];
    if (train.length)
      cols = [...['loss', ...train].map((n) => `train_${n}`), ...(this.validMetrics ? ['loss', ...valid].map((n) => `valid_${n}`) : [])];
    else cols = this.validMetrics ? ['train_loss', 'valid_loss', ...valid] : ['train_loss'];
    if (this.addTime) cols.push('time');
    this.metricNames = ['epoch', ...cols];
    this.learn.smoothLossReader = () => this.smoothLossValue();
    if (!this.learn.validatingOnly) this.learn.logs.header(this.metricNames);
    if (this.learn.validatingOnly) {
      // validate() must not clobber the fit's history (fastai#4132), nor the row of a fit's epoch it was called in
      this.saved.push({
        log: this.log,
        epochOpen: this.epochOpen,
        startEpoch: this.startEpoch,
        cancelTrain: this.cancelTrain,
        cancelValid: this.cancelValid,
      });
      return;
    }
    this.lrs = [];
    this.iters = [];
    this.losses = [];
    this.values = [];
    this.smoothLossMetric.reset();
  }
  override beforeEpoch(): void {
    this.epochOpen = true;
    this.startEpoch = performance.now();
    this.cancelTrain = false;
    this.cancelValid = false;
    this.log = [this.learn.epoch];
  }
  override beforeTrain(): void {
    for (const m of this.trainMets().slice(1)) m.reset();
  }
  override beforeValidate(): void {
    for (const m of this.validMets()) m.reset();
  }
  override afterBatch(): void {
    this.accumulate();
    const l = this.learn;
    if (!l.validatingOnly && l.logs.wantsBatches) l.logs.batch(this.batchLog());
  }
  private accumulate(): void {
    const l = this.learn;
    // a batch cancelled before its loss (or without targets and a loss supplied) has nothing to record
    if (l.loss === null) return;
    // the loss metrics read only the loss and targets: a model's several predictions (an array or object of
    // tensors, for a custom loss) are not theirs to check
    const lossOnly = l.pred === null || isTensorLike(l.pred) ? l : { pred: null, yb: l.yb, loss: l.loss, lossParts: l.lossParts };
    for (const m of l.training ? this.trainMets() : this.validMets()) {
      m.accumulate(m === this.lossMetric || m === this.smoothLossMetric || m instanceof LossPartMetric ? lossOnly : l);
    }
    if (l.training) {
      // the smoothed losses are computed when read: once at the epoch's end (or at a progress-bar redraw)
      this.lrs.push(l.opt!.hypers[l.opt!.hypers.length - 1]!.lr!);
    }
  }

  /** What the log's subscribers get per batch; the smoothed loss is read only when asked for. */
  private batchLog(): BatchLog {
    const l = this.learn;
    return {
      epoch: l.epoch,
      nEpoch: l.nEpoch,
      iter: l.iter,
      nIter: l.nIter,
      training: l.training,
      size: l.xb[0]?.shape[0] ?? 0,
      lr: hyper(l, 'lr'),
      mom: hyper(l, 'mom'),
      smoothLoss: () => (l.training ? this.smoothLossValue() : null),
    };
  }
  override afterTrain(): void {
    this.flushLosses();
    this.log.push(...this.trainMets().map((m) => m.value));
  }
  override afterValidate(): void {
    this.log.push(...this.validMets().map((m) => m.value));
  }
  override afterCancelTrain(): void {
    this.cancelTrain = true;
  }
  override afterCancelValidate(): void {
    this.cancelValid = true;
  }
  override afterEpoch(): void {
    if (!this.epochOpen) return;
    this.epochOpen = false;
    this.flushLosses();
    const l = this.learn;
    l.finalRecord = this.log.slice(1) as (number | undefined)[];
    if (!l.validatingOnly) this.values.push(l.finalRecord);
    if (this.addTime) this.log.push(formatTime((performance.now() - this.startEpoch) / 1000));
    // validate() logs nothing: its row is the caller's return value
    if (!l.validatingOnly) l.logs.row(this.log);
    if (!l.validatingOnly) this.iters.push(this.smoothLossMetric.count);
  }
  override aroundPhases: readonly AroundPhase[] = ['fit'];
  /** However a fit ends (an error skips afterFit), its smoothed losses are read and recorded, so none stay pending
   * on the device and `losses` shows the batches run before a failure. */
  override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
    if (phase !== 'fit') return next();
    try {
      await next();
    } finally {
      this.flushLosses();
    }
  }
  override afterFit(): void {
    // a fit cancelled mid-epoch (the LR finder's divergence stop, early stopping) skips afterTrain and afterEpoch
    this.flushLosses();
    const saved = this.learn.validatingOnly ? this.saved.pop() : undefined;
    if (saved) Object.assign(this, saved);
  }
  /**
   * The training loss (smoothed, from skipStart on) and, withValid, the validation loss placed at the end of
   * each epoch's iterations (found by its column name, so train metrics do not shift it: fastai#3480).
   * Returns the SVG; with `file`, also writes it and a PNG beside it.
   */
  plotLoss(o: { skipStart?: number; withValid?: boolean; file?: string } = {}): string {
    const svg = lossChart(this.losses, (o.withValid ?? true) ? this.validLossPoints() : [], o.skipStart ?? 5);
    if (o.file) writeChart(svg, o.file);
    return svg;
  }

  /** The LR finder's chart: smoothed loss against learning rate (log scale), the last skipEnd points left out,
   * suggestions marked. Returns the SVG; with `file`, also writes it and a PNG. */
  plotLrFind(o: { skipEnd?: number; suggestions?: Record<string, [number, number]>; file?: string } = {}): string {
    const svg = lrFindChart(this.lrs, this.losses, o.skipEnd ?? 5, o.suggestions ?? {});
    if (o.file) writeChart(svg, o.file);
    return svg;
  }

  /** Charts the scheduled hyper-parameters of the last scheduled fit (fastai's plot_sched). */
  plotSched(o: { file?: string } = {}): string {
    return plotSched(this.hps, o.file);
  }

  /** [iteration, validation loss] at the end of each epoch, found by column name (fastai#3480). */
  validLossPoints(): [number, number][] {
    const col = this.metricNames.indexOf('valid_loss') - 1; // values leave out the epoch column
    if (col < 0) return [];
    return this.values
      .map((v, i) => [this.iters[i]!, v[col]] as [number, number | undefined])
      .filter((p): p is [number, number] => p[1] !== undefined);
  }

  /** The epoch's smoothed losses, in one read. */
  private flushLosses(): void {
    this.losses.push(...this.smoothLossMetric.takeSmoothed());
  }
  /** The current smoothed training loss (one host read), or null before the first batch. */
  smoothLossValue(): number | null {
    return this.smoothLossMetric.value ?? null;
  }
}

/** A hyper-parameter of the last parameter group, or null (no optimizer yet, or a rule without it). */
function hyper(l: { opt: { hypers: Record<string, number>[] } | null }, name: string): number | null {
  const h = l.opt?.hypers.at(-1)?.[name];
  return typeof h === 'number' ? h : null;
}
