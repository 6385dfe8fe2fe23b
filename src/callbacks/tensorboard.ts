// TensorBoard (fastai's TensorBoardCallback): a fit's log as a TensorBoard run (`tensorboard --logdir runs`). A
// subscriber of the published log: each epoch's row as scalars, the smoothed loss, lr and mom every trainFreq
// training batches, histograms of the weights and gradients every histFreq epochs, optionally showResults' image,
// and the fit's hyper-parameters for the HParams tab. Steps are learn.trainIter (training batches done in the fit),
// so per-batch and per-epoch curves share an axis. Main process only; not during the LR finder or validate().
import { resolve } from 'node:path';
import { Callback } from '../learner/callback.js';
import type { AroundPhase } from '../learner/events.js';
import type { BatchLog, LogRow } from '../learner/logs.js';
import { isMainProcess } from '../learner/rank.js';
import { checkPath } from '../learner/checks.js';
import { DataLoaders } from '../data/index.js';
import { FlintError } from '../torch/errors.js';
import { checkInt, checkOptions, fail } from '../torch/validate.js';
import { SummaryWriter, defaultLogDir } from '../tensorboard/writer.js';
import { checkHparams, hparamsExperiment, hparamsSessionEnd, hparamsSessionStart, type HParamValue } from '../tensorboard/summary.js';
import { LRFinder } from './lr-finder.js';
import { ParamScheduler } from './param-scheduler.js';

export interface TensorBoardOptions {
  /** The run's folder, relative to learn.path (default: runs/<date>_<hostname>, a new one per fit). */
  logDir?: string;
  /** Training batches between the per-batch scalars (batch/train_loss, batch/lr, batch/mom); 0: none. Each reads
   * the smoothed loss from the device (default 1: every batch; raise it on a GPU). */
  trainFreq?: number;
  /** Epochs between the histograms of the weights and gradients; 0: none (default 1). */
  histFreq?: number;
  /** An image of learn.showResults after each epoch (image data; default false). */
  showResults?: boolean;
  /** Whether to record the fit's hyper-parameters for the HParams tab (default true); an object adds its own to
   * them (or replaces them by name). */
  hparams?: boolean | Record<string, HParamValue>;
}

const FN = 'callbacks.TensorBoard';

export class TensorBoard extends Callback {
  override order = 60;
  override runValid = false;
  override aroundPhases: readonly AroundPhase[] = ['fit'];
  readonly logDir: string | null;
  readonly trainFreq: number;
  readonly histFreq: number;
  readonly showResults: boolean;
  readonly hparams: boolean;
  readonly extraHparams: Record<string, HParamValue>;
  /** The open writer during a fit (null outside one). */
  writer: SummaryWriter | null = null;
  #started = false;

  constructor(options: TensorBoardOptions = {}) {
    super();
    const o = checkOptions(FN, options, ['logDir', 'trainFreq', 'histFreq', 'showResults', 'hparams'], 'opts');
    this.logDir = o.logDir === undefined ? null : checkPath(FN, 'opts.logDir', o.logDir);
    this.trainFreq = o.trainFreq === undefined ? 1 : checkInt(FN, 'opts.trainFreq', o.trainFreq, { min: 0 });
    this.histFreq = o.histFreq === undefined ? 1 : checkInt(FN, 'opts.histFreq', o.histFreq, { min: 0 });
    if (o.showResults !== undefined && typeof o.showResults !== 'boolean') fail(FN, 'opts.showResults', 'a boolean', o.showResults);
    this.showResults = o.showResults ?? false;
    if (o.hparams !== undefined && typeof o.hparams !== 'boolean') checkHparams(FN, 'opts.hparams', o.hparams);
    this.hparams = o.hparams !== false;
    this.extraHparams = typeof o.hparams === 'object' ? { ...o.hparams } : {};
  }

  /** The writer is open and subscribed for the length of a fit, closed and unsubscribed on every exit path. */
  override async around(phase: AroundPhase, next: () => Promise<void>): Promise<void> {
    const l = this.learn;
    if (phase !== 'fit' || l.validatingOnly || !isMainProcess() || l.cbs.some((c) => c instanceof LRFinder)) return next();
    if (this.showResults && l.dls.showResultsTable !== DataLoaders.prototype.showResultsTable) {
      throw new FlintError(`${FN}: showResults logs an image of image data; this data shows its results as a table`);
    }
    const w = new SummaryWriter(resolve(l.path, this.logDir ?? defaultLogDir()));
    this.writer = w;
    this.#started = false;
    const unsubscribe = l.logs.subscribe({
      header: (names) => this.#header(w, names),
      row: (row, names) => this.#row(w, row, names),
      ...(this.trainFreq > 0 ? { batch: (b: BatchLog) => this.#batch(w, b) } : {}),
    });
    let failure: { error: unknown } | null = null;
    try {
      await next();
    } catch (e) {
      failure = { error: e };
    }
    unsubscribe();
    this.writer = null;
    try {
      if (this.#started) w.writeSummary(FN, [hparamsSessionEnd(failure ? 'STATUS_FAILURE' : 'STATUS_SUCCESS', Date.now() / 1000)]);
    } catch (e) {
      // a failed fit's own error is the one to see
      if (!failure) failure = { error: e };
    } finally {
      w.close();
    }
    if (failure) throw failure.error;
  }

  /** The fit's start: its hyper-parameters, and its metrics (the row's columns) for the HParams tab. */
  #header(w: SummaryWriter, names: readonly string[]): void {
    if (!this.hparams) return;
    const hp = this.#hparamValues();
    w.writeSummary(FN, [
      hparamsExperiment(
        hp,
        names.filter((n) => n !== 'epoch' && n !== 'time'),
      ),
    ]);
    w.writeSummary(FN, [hparamsSessionStart(hp, Date.now() / 1000)]);
    this.#started = true;
  }

  #hparamValues(): Record<string, HParamValue> {
    const l = this.learn;
    const opt = l.opt!;
    const last = opt.hypers[opt.hypers.length - 1]!;
    const hp: Record<string, HParamValue> = {
      lr: this.#lr(),
      epochs: l.nEpoch,
      batch_size: l.dls.train.batchSize,
      model: l.model.constructor.name,
      optimizer: opt.constructor.name.replace(/Optimizer$/, ''),
    };
    if (typeof last.wd === 'number') hp.wd = last.wd;
    return { ...hp, ...this.extraHparams };
  }

  /** The last group's lr: the peak of a scheduled one (fitOneCycle's lrMax), else the fit's. */
  #lr(): number {
    const l = this.learn;
    const hypers = l.opt!.hypers;
    const sched = l.cbs.find((c): c is ParamScheduler => c instanceof ParamScheduler)?.scheds.lr;
    if (!sched) return hypers[hypers.length - 1]!.lr!;
    let max = -Infinity;
    for (let i = 0; i <= 100; i++) {
      const v = sched(i / 100);
      max = Math.max(max, typeof v === 'number' ? v : v[v.length - 1]!);
    }
    return max;
  }

  #row(w: SummaryWriter, row: LogRow, names: readonly string[]): void {
    const step = this.learn.trainIter;
    names.forEach((name, i) => {
      const v = row[i];
      if (name !== 'epoch' && typeof v === 'number') w.addScalar(name, v, step);
    });
  }

  #batch(w: SummaryWriter, b: BatchLog): void {
    const step = this.learn.trainIter;
    if (!b.training || step % this.trainFreq !== 0) return;
    const loss = b.smoothLoss();
    if (loss !== null) w.addScalar('batch/train_loss', loss, step);
    if (b.lr !== null) w.addScalar('batch/lr', b.lr, step);
    if (b.mom !== null) w.addScalar('batch/mom', b.mom, step);
  }

  #histEpoch(): boolean {
    return this.histFreq > 0 && this.learn.epoch % this.histFreq === 0;
  }

  /** The gradients of the epoch's last training batch, before the step uses and clears them. */
  override afterBackward(): void {
    const w = this.writer;
    const l = this.learn;
    if (w === null || l.validatingOnly || l.iter !== l.nIter - 1 || !this.#histEpoch()) return;
    // this batch's number: trainIter counts it after the batch
    for (const [name, p] of l.model.namedParameters()) {
      const g = p.grad;
      if (g !== null) w.addHistogram(`grads/${name}`, g, l.trainIter + 1);
    }
  }

  override async afterEpoch(): Promise<void> {
    const w = this.writer;
    const l = this.learn;
    // (a validate() called inside the fit runs its own epoch)
    if (w === null || l.validatingOnly) return;
    const step = l.trainIter;
    if (this.#histEpoch()) for (const [name, p] of l.model.namedParameters()) w.addHistogram(`weights/${name}`, p, step);
    if (this.showResults) w.addFigure('results', await l.showResults(), step);
    w.flush();
  }
}
