// The Learner as users get it: the loop from src/learner with fastai's default callbacks from src/callbacks.
// (This file sits above both layers, so neither imports the other.)
import type { Module } from './nn/index.js';
import { DataLoaders } from './data/index.js';
import { BaseLearner, readExport, type LearnerOptions, type LossFunc } from './learner/index.js';
import type { Callback } from './learner/index.js';
import * as torch from './torch/index.js';
import { TorchError, type Tensor } from './torch/index.js';
import { join } from 'node:path';
import { CastToTensor, LRFinder, ParamScheduler, ProgressCallback, Recorder, TrainEvalCallback, type Suggestion, valley } from './callbacks/index.js';
import { type HyperValue } from './optim/index.js';
import { SchedCos, combineScheds, combinedCos } from './schedule/index.js';

export class Learner extends BaseLearner {
  constructor(dls: DataLoaders, model: Module, o: LearnerOptions = {}) {
    super(dls, model, o, [TrainEvalCallback, CastToTensor, Recorder, ProgressCallback]);
  }
  /** The learning rate(s) per parameter group after setting `lr` (a number, per-group list, or fastai slice). */
  private groupLrs(lr: HyperValue | undefined): number[] {
    if (!this.opt) this.createOpt();
    this.opt!.setHyper('lr', lr ?? this.lr);
    return this.opt!.hypers.map((h) => h.lr!);
  }

  /** fastai's one-cycle policy: lr warms up from lrMax/div to lrMax over pctStart of training (cosine), then
   * anneals to lrMax/divFinal; momentum does the opposite (moms). */
  async fitOneCycle(nEpoch: number, lrMax?: HyperValue, o: { div?: number; divFinal?: number; pctStart?: number; moms?: [number, number, number];
    wd?: number | null; cbs?: (Callback | (new () => Callback))[]; resetOpt?: boolean; startEpoch?: number } = {}): Promise<void> {
    const lrs = this.groupLrs(lrMax);
    const div = o.div ?? 25;
    const divFinal = o.divFinal ?? 1e5;
    const pct = o.pctStart ?? 0.25;
    const [m0, m1, m2] = o.moms ?? this.moms;
    const scheds = {
      lr: combinedCos(pct, lrs.map((l) => l / div), lrs, lrs.map((l) => l / divFinal)),
      mom: combinedCos(pct, m0, m1, m2),
    };
    await this.fit(nEpoch, undefined, { wd: o.wd, cbs: [new ParamScheduler(scheds), ...(o.cbs ?? [])], resetOpt: o.resetOpt, startEpoch: o.startEpoch });
  }

  /** Flat lr for pctStart of training, then cosine annealing to lr/divFinal. */
  async fitFlatCos(nEpoch: number, lr?: HyperValue, o: { divFinal?: number; pctStart?: number; wd?: number | null;
    cbs?: (Callback | (new () => Callback))[]; resetOpt?: boolean } = {}): Promise<void> {
    const lrs = this.groupLrs(lr);
    const scheds = { lr: combinedCos(o.pctStart ?? 0.75, lrs, lrs, lrs.map((l) => l / (o.divFinal ?? 1e5))) };
    await this.fit(nEpoch, undefined, { wd: o.wd, cbs: [new ParamScheduler(scheds), ...(o.cbs ?? [])], resetOpt: o.resetOpt });
  }

  /** SGD with warm restarts: nCycles cosine cycles from lrMax to 0, each cycleMult times longer. */
  async fitSgdr(nCycles: number, cycleLen: number, lrMax?: HyperValue, o: { cycleMult?: number; wd?: number | null;
    cbs?: (Callback | (new () => Callback))[]; resetOpt?: boolean } = {}): Promise<void> {
    const lrs = this.groupLrs(lrMax);
    const mult = o.cycleMult ?? 2;
    const nEpoch = mult === 1 ? cycleLen * nCycles : Math.floor((cycleLen * (mult ** nCycles - 1)) / (mult - 1));
    const pcts = Array.from({ length: nCycles }, (_, i) => (cycleLen * mult ** i) / nEpoch);
    const scheds = { lr: combineScheds(pcts, pcts.map(() => SchedCos(lrs, 0))) };
    await this.fit(nEpoch, undefined, { wd: o.wd, cbs: [new ParamScheduler(scheds), ...(o.cbs ?? [])], resetOpt: o.resetOpt });
  }

  /** fastai's transfer-learning recipe: train the last group frozen, then everything with discriminative lrs. */
  async fineTune(epochs: number, baseLr = 2e-3, o: { freezeEpochs?: number; lrMult?: number; pctStart?: number; div?: number;
    wd?: number | null; cbs?: (Callback | (new () => Callback))[] } = {}): Promise<void> {
    this.freeze();
    await this.fitOneCycle(o.freezeEpochs ?? 1, { stop: baseLr }, { pctStart: 0.99, wd: o.wd, cbs: o.cbs });
    const lr = baseLr / 2;
    this.unfreeze();
    await this.fitOneCycle(epochs, { start: lr / (o.lrMult ?? 100), stop: lr }, { pctStart: o.pctStart ?? 0.3, div: o.div ?? 5, wd: o.wd, cbs: o.cbs });
  }

  /**
   * The LR range test: the lr grows exponentially from startLr to endLr over numIt training batches, stopping
   * when the smoothed loss passes 4x its best; nothing is validated and the model and optimizer are restored
   * exactly. Returns each suggestion function's lr ({ valley } by default); with showPlot (default) it writes
   * the chart with the suggestions to `<path>/lr_find.svg|png`.
   */
  async lrFind(o: { startLr?: number; endLr?: number; numIt?: number; stopDiv?: boolean; showPlot?: boolean;
    suggestFuncs?: Record<string, Suggestion> } = {}): Promise<Record<string, number>> {
    const numIt = o.numIt ?? 100;
    const nEpoch = Math.floor(numIt / this.dls.train.length) + 1;
    const finder = new LRFinder(o.startLr ?? 1e-7, o.endLr ?? 10, numIt, o.stopDiv ?? true);
    await this.noLogging(() => this.fit(nEpoch, undefined, { cbs: [finder] }));
    const rec = this.recorder;
    if (!rec) throw new TorchError('lrFind needs the Recorder (defaultCbs)');
    let lrs = rec.lrs.slice(Math.floor(numIt / 10), -5);
    let losses = rec.losses.slice(Math.floor(numIt / 10), -5);
    const nan = losses.findIndex((l) => Number.isNaN(l));
    if (nan >= 0) { lrs = lrs.slice(0, nan); losses = losses.slice(0, nan); }
    if (lrs.length < 2) throw new TorchError(`lrFind: only ${lrs.length} usable points; raise numIt or lower startLr`);
    const out: Record<string, number> = {};
    const points: Record<string, [number, number]> = {};
    for (const [name, f] of Object.entries(o.suggestFuncs ?? { valley })) {
      const s = f(lrs, losses, numIt);
      out[name] = s.lr;
      points[name] = s.point;
    }
    if (o.showPlot ?? true) rec.plotLrFind({ suggestions: points, file: join(this.path, 'lr_find') });
    return out;
  }

  /** Freezes parameter groups before n (the optimizer's state is cleared, as in fastai). */
  freezeTo(n: number): void {
    if (!this.opt) this.createOpt();
    this.opt!.freezeTo(n);
    this.opt!.clearState();
  }
  freeze(): void {
    this.freezeTo(-1);
  }
  unfreeze(): void {
    this.freezeTo(0);
  }

  /** Runs fn without the progress callback (no bars, no table), restoring it afterwards (fastai's no_bar). */
  async noBar<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.withoutCbs([ProgressCallback], fn);
  }
  /** The Recorder (a default callback), unless defaultCbs was false. */
  get recorder(): Recorder | undefined {
    return this.cbs.find((c): c is Recorder => c instanceof Recorder);
  }
  /** The ProgressCallback (a default callback), unless defaultCbs was false or noBar is active. */
  get progress(): ProgressCallback | undefined {
    return this.cbs.find((c): c is ProgressCallback => c instanceof ProgressCallback);
  }
  /** The TrainEvalCallback (a default callback), unless defaultCbs was false. */
  get trainEval(): TrainEvalCallback | undefined {
    return this.cbs.find((c): c is TrainEvalCallback => c instanceof TrainEvalCallback);
  }
}

/**
 * Loads what learn.export wrote (fastai's load_learner): a Learner with the model (rebuilt from the registry,
 * weights loaded, in eval mode), the loss function and the preprocessing (on `learn.dls.preprocessing`), ready
 * for predict and getPreds. Its loaders are empty: predict on new data through `getPreds({ dl })`.
 */
export function loadLearner(file: string, o: { device?: string } = {}): Learner {
  const device = o.device ?? 'cpu';
  const parts = readExport(file, { device });
  const empty = (): Tensor => torch.zeros([0]);
  const dls = DataLoaders.fromTensors(empty(), empty(), empty(), empty(), { device });
  dls.preprocessing = parts.preprocessing;
  const learn = new Learner(dls, parts.model, parts.lossFunc ? { lossFunc: parts.lossFunc as LossFunc } : {});
  return learn;
}
