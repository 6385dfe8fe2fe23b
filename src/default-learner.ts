// The Learner as users get it: the loop from src/learner with fastai's default callbacks from src/callbacks.
// (This file sits above both layers, so neither imports the other.)
import type { Module } from './nn/index.js';
import { type DataLoaders, loadersFor } from './data/index.js';
import { BaseLearner, readExport, type LearnerOptions, type LossFunc } from './learner/index.js';
import type { Callback } from './learner/index.js';
import type { LearnerExtras } from './learner/callback.js';
import { join } from 'node:path';
import { FIT_OPTIONS } from './learner/learner.js';
import { isMainProcess } from './learner/rank.js';
import { checkLr, checkLrGroups, checkMoms, checkPath, named, optBool } from './learner/checks.js';
import { FlintError } from './torch/index.js';
import { checkFunction, checkInt, checkNumber, checkOptions, checkString, describe, fail } from './torch/validate.js';
import { DistributedTrainer } from './callbacks/distributed.js';
import type { DistributedDataParallelOptions } from './nn/parallel/index.js';
import { CastToTensor, LRFinder, ParamScheduler, ProgressCallback, Recorder, TrainEvalCallback, type Suggestion, valley } from './callbacks/index.js';
import type { HyperValue } from './optim/index.js';
import { SchedCos, combineScheds, combinedCos } from './schedule/index.js';

type Cbs = (Callback | (new () => Callback))[];
export interface FitOneCycleOptions {
  div?: number;
  divFinal?: number;
  pctStart?: number;
  moms?: [number, number, number];
  wd?: number | null;
  cbs?: Cbs;
  resetOpt?: boolean;
  startEpoch?: number;
}
export interface FitFlatCosOptions {
  divFinal?: number;
  pctStart?: number;
  wd?: number | null;
  cbs?: Cbs;
  resetOpt?: boolean;
}
export interface FitSgdrOptions {
  cycleMult?: number;
  wd?: number | null;
  cbs?: Cbs;
  resetOpt?: boolean;
}
export interface FineTuneOptions {
  freezeEpochs?: number;
  lrMult?: number;
  pctStart?: number;
  div?: number;
  wd?: number | null;
  cbs?: Cbs;
}
export interface LrFindOptions {
  startLr?: number;
  endLr?: number;
  numIt?: number;
  stopDiv?: boolean;
  showPlot?: boolean;
  suggestFuncs?: Record<string, Suggestion>;
}

/** At most this many SGDR cycles (each is a schedule piece). */
const MAX_CYCLES = 10_000;

/** A schedule's warm-up share: in [0, 1) (a share of 1 leaves the annealing no room). */
function checkPct(fn: string, arg: string, v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !(v >= 0 && v < 1)) fail(fn, arg, 'a number in [0, 1)', v);
  return v as number;
}
const optPositive = (fn: string, arg: string, v: unknown): number | undefined => (v === undefined ? undefined : checkNumber(fn, arg, v, { gt: 0 }));

/** Splits fit's own options (wd, cbs, resetOpt, startEpoch) from a scheduled fit's options, checking those. */
function fitPart(o: { wd?: number | null; cbs?: Cbs; resetOpt?: boolean; startEpoch?: number }): {
  wd?: number | null;
  cbs?: Cbs;
  resetOpt?: boolean;
  startEpoch?: number;
} {
  const out: { wd?: number | null; cbs?: Cbs; resetOpt?: boolean; startEpoch?: number } = {};
  if (o.wd !== undefined) out.wd = o.wd;
  if (o.cbs !== undefined) out.cbs = o.cbs;
  if (o.resetOpt !== undefined) out.resetOpt = o.resetOpt;
  if (o.startEpoch !== undefined) out.startEpoch = o.startEpoch;
  return out;
}

// callbacks see this Learner's members on `this.learn` (see LearnerExtras in src/learner/callback.ts)
// (the class implements it, so the two cannot drift apart; FullLearner, as `Learner` in there is callback.ts's type)
type FullLearner = Learner;
declare module './learner/callback.js' {
  interface LearnerExtras {
    fitOneCycle: FullLearner['fitOneCycle'];
    fitFlatCos: FullLearner['fitFlatCos'];
    fitSgdr: FullLearner['fitSgdr'];
    fineTune: FullLearner['fineTune'];
    lrFind: FullLearner['lrFind'];
    freezeTo: FullLearner['freezeTo'];
    freeze: FullLearner['freeze'];
    unfreeze: FullLearner['unfreeze'];
    noBar: FullLearner['noBar'];
    readonly recorder: FullLearner['recorder'];
    readonly progress: FullLearner['progress'];
    readonly trainEval: FullLearner['trainEval'];
  }
}

export class Learner extends BaseLearner implements LearnerExtras {
  constructor(dls: DataLoaders, model: Module, o: LearnerOptions = {}) {
    super(dls, model, o, [TrainEvalCallback, CastToTensor, Recorder, ProgressCallback]);
  }
  /** The learning rate(s) per parameter group after setting `lr` (a number, per-group list, or fastai slice). */
  #groupLrs(fn: string, arg: string, lr: HyperValue | null | undefined): number[] {
    if (!this.opt) this.createOpt();
    checkLrGroups(fn, arg, lr, this.opt!.hypers.length);
    this.opt!.setHyper('lr', lr ?? this.lr);
    return this.opt!.hypers.map((h) => h.lr!);
  }

  /** fastai's one-cycle policy: lr warms up from lrMax/div to lrMax over pctStart of training (cosine), then
   * anneals to lrMax/divFinal; momentum does the opposite (moms). */
  async fitOneCycle(nEpoch: number, lrMax?: HyperValue | null, o: FitOneCycleOptions = {}): Promise<void> {
    const fn = 'Learner.fitOneCycle';
    checkInt(fn, 'nEpoch', nEpoch, { min: 1 });
    // null is fastai's lr=None: the default
    if (lrMax !== undefined && lrMax !== null) checkLr(fn, 'lrMax', lrMax);
    checkOptions(fn, o, ['div', 'divFinal', 'pctStart', 'moms', ...FIT_OPTIONS], 'opts');
    const div = optPositive(fn, 'opts.div', o.div) ?? 25;
    const divFinal = optPositive(fn, 'opts.divFinal', o.divFinal) ?? 1e5;
    const pct = checkPct(fn, 'opts.pctStart', o.pctStart) ?? 0.25;
    const [m0, m1, m2] = o.moms === undefined ? this.moms : checkMoms(fn, 'opts.moms', o.moms);
    const fo = this._checkFitOptions(fn, fitPart(o), nEpoch);
    await this._exclusive(
      fn,
      async () => {
        const lrs = this.#groupLrs(fn, 'lrMax', lrMax);
        const scheds = {
          lr: combinedCos(
            pct,
            lrs.map((l) => l / div),
            lrs,
            lrs.map((l) => l / divFinal),
          ),
          mom: combinedCos(pct, m0, m1, m2),
        };
        // through fit (fastai's fit_one_cycle calls self.fit), so a subclass's fit runs
        await this.fit(nEpoch, undefined, { ...fo, cbs: [new ParamScheduler(scheds), ...(fo.cbs ?? [])] });
      },
      true,
    );
  }

  /** Flat lr for pctStart of training, then cosine annealing to lr/divFinal. */
  async fitFlatCos(nEpoch: number, lr?: HyperValue | null, o: FitFlatCosOptions = {}): Promise<void> {
    const fn = 'Learner.fitFlatCos';
    checkInt(fn, 'nEpoch', nEpoch, { min: 1 });
    // null is fastai's lr=None: the default
    if (lr !== undefined && lr !== null) checkLr(fn, 'lr', lr);
    checkOptions(fn, o, ['divFinal', 'pctStart', 'wd', 'cbs', 'resetOpt'], 'opts');
    const divFinal = optPositive(fn, 'opts.divFinal', o.divFinal) ?? 1e5;
    const pct = checkPct(fn, 'opts.pctStart', o.pctStart) ?? 0.75;
    const fo = this._checkFitOptions(fn, fitPart(o), nEpoch);
    await this._exclusive(
      fn,
      async () => {
        const lrs = this.#groupLrs(fn, 'lr', lr);
        const scheds = {
          lr: combinedCos(
            pct,
            lrs,
            lrs,
            lrs.map((l) => l / divFinal),
          ),
        };
        // through fit (fastai's fit_one_cycle calls self.fit), so a subclass's fit runs
        await this.fit(nEpoch, undefined, { ...fo, cbs: [new ParamScheduler(scheds), ...(fo.cbs ?? [])] });
      },
      true,
    );
  }

  /** SGD with warm restarts: nCycles cosine cycles from lrMax to 0, each cycleMult times longer. */
  async fitSgdr(nCycles: number, cycleLen: number, lrMax?: HyperValue | null, o: FitSgdrOptions = {}): Promise<void> {
    const fn = 'Learner.fitSgdr';
    checkInt(fn, 'nCycles', nCycles, { min: 1, max: MAX_CYCLES });
    checkInt(fn, 'cycleLen', cycleLen, { min: 1 });
    // null is fastai's lr=None: the default
    if (lrMax !== undefined && lrMax !== null) checkLr(fn, 'lrMax', lrMax);
    checkOptions(fn, o, ['cycleMult', 'wd', 'cbs', 'resetOpt'], 'opts');
    const mult = o.cycleMult === undefined ? 2 : checkNumber(fn, 'opts.cycleMult', o.cycleMult, { min: 1 });
    const nEpoch = mult === 1 ? cycleLen * nCycles : Math.floor((cycleLen * (mult ** nCycles - 1)) / (mult - 1));
    if (!Number.isSafeInteger(nEpoch)) {
      throw new FlintError(
        `${fn}: ${nCycles} cycles of ${cycleLen} epoch(s), each ${mult} times longer, make ${nEpoch} epochs; use fewer cycles or a smaller cycleMult`,
      );
    }
    const fo = this._checkFitOptions(fn, fitPart(o), nEpoch);
    await this._exclusive(
      fn,
      async () => {
        const lrs = this.#groupLrs(fn, 'lrMax', lrMax);
        const pcts = Array.from({ length: nCycles }, (_, i) => (cycleLen * mult ** i) / nEpoch);
        const total = pcts.reduce((a, b) => a + b, 0);
        // the last cycle is cut by the floor above; the shares must sum to 1
        pcts[pcts.length - 1] = pcts[pcts.length - 1]! + 1 - total;
        const scheds = {
          lr: combineScheds(
            pcts,
            pcts.map(() => SchedCos(lrs, 0)),
          ),
        };
        // through fit (fastai's fit_one_cycle calls self.fit), so a subclass's fit runs
        await this.fit(nEpoch, undefined, { ...fo, cbs: [new ParamScheduler(scheds), ...(fo.cbs ?? [])] });
      },
      true,
    );
  }

  /** fastai's transfer-learning recipe: train the last group frozen, then everything with discriminative lrs. */
  async fineTune(epochs: number, baseLr = 2e-3, o: FineTuneOptions = {}): Promise<void> {
    const fn = 'Learner.fineTune';
    checkInt(fn, 'epochs', epochs, { min: 1 });
    checkNumber(fn, 'baseLr', baseLr, { gt: 0 });
    checkOptions(fn, o, ['freezeEpochs', 'lrMult', 'pctStart', 'div', 'wd', 'cbs'], 'opts');
    const freezeEpochs = o.freezeEpochs === undefined ? 1 : checkInt(fn, 'opts.freezeEpochs', o.freezeEpochs, { min: 0 });
    const lrMult = optPositive(fn, 'opts.lrMult', o.lrMult) ?? 100;
    const pct = checkPct(fn, 'opts.pctStart', o.pctStart) ?? 0.3;
    const div = optPositive(fn, 'opts.div', o.div) ?? 5;
    const fo = this._checkFitOptions(fn, fitPart(o), epochs);
    await this._exclusive(
      fn,
      async () => {
        this.freeze();
        if (freezeEpochs > 0) await this.fitOneCycle(freezeEpochs, { stop: baseLr }, { pctStart: 0.99, wd: fo.wd, cbs: fo.cbs });
        const lr = baseLr / 2;
        this.unfreeze();
        await this.fitOneCycle(epochs, { start: lr / lrMult, stop: lr }, { pctStart: pct, div, wd: fo.wd, cbs: fo.cbs });
      },
      true,
    );
  }

  /**
   * The LR range test: the lr grows exponentially from startLr to endLr over numIt training batches, stopping
   * when the smoothed loss passes 4x its best; nothing is validated and the model and optimizer are restored
   * exactly. Returns each suggestion function's lr ({ valley } by default); with showPlot (default) it writes
   * the chart with the suggestions to `<path>/lr_find.svg|png`.
   */
  async lrFind(o: LrFindOptions = {}): Promise<Record<string, number>> {
    const fn = 'Learner.lrFind';
    checkOptions(fn, o, ['startLr', 'endLr', 'numIt', 'stopDiv', 'showPlot', 'suggestFuncs'], 'opts');
    const startLr = optPositive(fn, 'opts.startLr', o.startLr) ?? 1e-7;
    const endLr = optPositive(fn, 'opts.endLr', o.endLr) ?? 10;
    const numIt = o.numIt === undefined ? 100 : checkInt(fn, 'opts.numIt', o.numIt, { min: 1 });
    const stopDiv = optBool(fn, 'opts.stopDiv', o.stopDiv) ?? true;
    const showPlot = optBool(fn, 'opts.showPlot', o.showPlot) ?? true;
    const funcs =
      o.suggestFuncs === undefined ? { valley } : checkOptions<Record<string, unknown>>(fn, o.suggestFuncs, undefined, 'opts.suggestFuncs');
    const entries = Object.entries(funcs).map(([k, f]) => [k, checkFunction<Suggestion>(fn, `opts.suggestFuncs.${k}`, f)] as const);
    if (entries.length === 0) fail(fn, 'opts.suggestFuncs', 'at least one suggestion function', funcs);
    return this._exclusive(
      fn,
      async () => {
        const rec = this.recorder;
        if (!rec) throw new FlintError(`${fn}: needs the Recorder (a default callback; the Learner was made with defaultCbs: false)`);
        this._checkTrainBatches(fn);
        // a data-parallel fit's ranks each run their shard's batches
        const dt = this.cbs.find((c): c is DistributedTrainer => c instanceof DistributedTrainer);
        const nEpoch = Math.floor(numIt / (dt ? dt.trainBatchesPerRank() : this.dls.train.length)) + 1;
        const finder = new LRFinder(startLr, endLr, numIt, stopDiv);
        await this.noLogging(() => this.fit(nEpoch, undefined, { cbs: [finder] }));
        let lrs = rec.lrs.slice(Math.floor(numIt / 10), -5);
        let losses = rec.losses.slice(Math.floor(numIt / 10), -5);
        const nan = losses.findIndex((l) => Number.isNaN(l));
        if (nan >= 0) {
          lrs = lrs.slice(0, nan);
          losses = losses.slice(0, nan);
        }
        if (lrs.length < 2)
          throw new FlintError(`${fn}: only ${lrs.length} usable points (of ${rec.lrs.length} batches run); raise numIt or lower startLr`);
        const out: Record<string, number> = {};
        const points: Record<string, [number, number]> = {};
        for (const [name, f] of entries) {
          const s: unknown = f(lrs, losses, numIt);
          const r = s as { lr?: unknown; point?: unknown } | null;
          if (r === null || typeof r !== 'object' || typeof r.lr !== 'number' || !Array.isArray(r.point) || r.point.length !== 2) {
            throw new FlintError(`${fn}: the suggestion function '${name}' returned ${describe(s)}, expected { lr, point: [lr, loss] }`);
          }
          out[name] = r.lr;
          points[name] = r.point as [number, number];
        }
        // a data-parallel run's ranks found the same: rank 0 draws
        if (showPlot && isMainProcess()) rec.plotLrFind({ suggestions: points, file: join(this.path, 'lr_find') });
        return out;
      },
      true,
    );
  }

  /** Freezes parameter groups before n (the optimizer's state is cleared, as in fastai). */
  freezeTo(n: number): void {
    checkInt('Learner.freezeTo', 'n', n);
    if (!this.opt) this.createOpt();
    const groups = this.opt!.hypers.length;
    if (n >= groups || n < -groups) fail('Learner.freezeTo', 'n', `a parameter-group index in [${-groups}, ${groups - 1}]`, n);
    this.opt!.freezeTo(n);
    this.opt!.clearState();
  }
  freeze(): void {
    this.freezeTo(-1);
  }
  unfreeze(): void {
    this.freezeTo(0);
  }

  /**
   * Trains data-parallel over torch.distributed from the next fit on (fastai's to_distributed): adds a
   * DistributedTrainer (once). Every rank runs the same script (`flint launch`), after initProcessGroup.
   */
  toDistributed(options: DistributedDataParallelOptions = {}): this {
    const fn = 'Learner.toDistributed';
    if (this.cbs.some((c) => c instanceof DistributedTrainer)) throw new FlintError(`${fn}: this Learner is already distributed`);
    this.addCb(named(fn, () => new DistributedTrainer(options)));
    return this;
  }

  /** Runs fn without the progress callback (no bars, no table), restoring it afterwards (fastai's no_bar). */
  async noBar<T>(fn: () => Promise<T> | T): Promise<T> {
    checkFunction('Learner.noBar', 'fn', fn);
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
 * for predict and getPreds. Its loaders hold no data: predict on new data through `getPreds({ dl })` (a tabular
 * export's loaders make one with `testDl(rows)`).
 */
export function loadLearner(file: string, o: { device?: string } = {}): Learner {
  const fn = 'loadLearner';
  checkPath(fn, 'file', file);
  checkOptions(fn, o, ['device'], 'opts');
  const device = o.device === undefined ? 'cpu' : checkString(fn, 'opts.device', o.device);
  const parts = named(fn, () => readExport(file, { device }));
  // an application's loaders when it registered its kind (TabularDataLoaders encode new rows), else empty ones
  const dls = named(fn, () => loadersFor(parts.preprocessing, device));
  const learn = new Learner(dls, parts.model, parts.lossFunc ? { lossFunc: parts.lossFunc as LossFunc } : {});
  return learn;
}
