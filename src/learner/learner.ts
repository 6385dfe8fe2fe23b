// The Learner: fastai's training loop. Every phase runs through withEvents (before, body, afterCancel on its
// cancellation, after); each batch runs in a memory scope; validation runs with gradients off; the loop
// yields to the event loop at least every 100 ms.
import { dirname, join } from 'node:path';
import * as torch from '../torch/index.js';
import { FlintError, Tensor } from '../torch/index.js';
import { ensureDir } from '../torch/files.js';
import { ArgumentError } from '../torch/errors.js';
import {
  checkArray,
  checkFunction,
  checkInt,
  checkNumber,
  checkOptions,
  checkTensor,
  describe,
  fail,
  isTensorLike,
  nameError,
  rewrite,
} from '../torch/validate.js';
import { Module, withNoneReduce, type LossFunction } from '../nn/index.js';
import * as optim from '../optim/index.js';
import { DataLoader, type Batch, type DataLoaders } from '../data/index.js';
import { type Metric, toMetric } from '../metrics/index.js';
import { Callback } from './callback.js';
import {
  type CallbackInput,
  checkCallback,
  checkCallbacks,
  checkLossFunc,
  checkLr,
  checkLrGroups,
  checkMoms,
  checkPath,
  checkParamGroups,
  checkWd,
  named,
  optBool,
  optLoader,
} from './checks.js';
import { writeExport } from './export.js';
import { readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { inOrder, PredsGatherer, predictItem, type GetPredsOptions, type GetPredsResult, type ItemPrediction } from './inference.js';
import { checkTtaOptions, ttaNow, type TtaOptions, type TtaResult } from './tta.js';
import { learnerSummary } from './summary.js';
import { showResults, type ShowResultsOptions } from './show-results.js';
import { around, CallbackTables, fire } from './dispatch.js';
import { Operations } from './operations.js';
import { isMainProcess } from './rank.js';
import { consoleTable, LogBus, type LogRow } from './logs.js';
import { AROUND_PHASES, type AroundPhase, EVENTS, type EventName, type StepPart, TRAINING_LOOP } from './events.js';
import {
  CancelBackwardException,
  CancelBatchException,
  CancelEpochException,
  CancelFitException,
  CancelStepException,
  CancelTrainException,
  CancelValidException,
  FitInterrupted,
} from './exceptions.js';

/** A loss function: a function (pred, ...targets) => loss or a loss Module, with the optional members of
 * nn.LossFunction (activation, decodes, reduction, named parts) that getPreds, predict and the Recorder use. */
export type LossFunc = (((pred: Tensor, ...targets: Tensor[]) => Tensor) | Module) & LossFunction;

/** A loss function applied to predictions and targets, whether a plain function or an nn loss module. */
export function callLoss(f: LossFunc, pred: Tensor, yb: Tensor[]): Tensor {
  return f instanceof Module ? f.call(pred, ...yb) : f(pred, ...yb);
}
export type OptFunc = (params: optim.ParamsInput, o: { lr: number }) => optim.Optimizer;
export type Splitter = (model: Module) => Tensor[] | Tensor[][];
export type { CallbackInput };
type Cancellation = new (...a: never[]) => Error;

export interface LearnerOptions {
  lossFunc?: LossFunc;
  optFunc?: OptFunc;
  lr?: number;
  splitter?: Splitter;
  cbs?: CallbackInput[];
  /** Metrics: instances, classes or factories given uncalled (metrics.F1Score), or (pred, ...targets) => tensor functions. */
  metrics?: (Metric | (new () => Metric) | (() => Metric) | ((pred: Tensor, ...targets: Tensor[]) => Tensor))[];
  path?: string;
  modelDir?: string;
  wd?: number | null;
  wdBnBias?: boolean;
  trainBn?: boolean;
  moms?: [number, number, number];
  defaultCbs?: boolean;
}

const YIELD_EVERY_MS = 100;
/** The options a Learner takes (application learners pass these on and keep the rest for their model). */
export const LEARNER_OPTIONS = [
  'lossFunc',
  'optFunc',
  'lr',
  'splitter',
  'cbs',
  'metrics',
  'path',
  'modelDir',
  'wd',
  'wdBnBias',
  'trainBn',
  'moms',
  'defaultCbs',
] as const;
export const FIT_OPTIONS = ['wd', 'cbs', 'resetOpt', 'startEpoch'] as const;
export interface FitOptions {
  wd?: number | null;
  cbs?: CallbackInput[];
  resetOpt?: boolean;
  startEpoch?: number;
}

export class Learner {
  readonly dls: DataLoaders;
  readonly model: Module;
  lossFunc: LossFunc;
  readonly optFunc: OptFunc;
  lr: number;
  readonly splitter: Splitter;
  metrics: Metric[];
  readonly path: string;
  readonly modelDir: string;
  wd: number | null;
  readonly wdBnBias: boolean;
  readonly trainBn: boolean;
  readonly moms: [number, number, number];
  opt: optim.Optimizer | null = null;
  cbs: Callback[] = [];

  // the state callbacks read (fastai's names, camelCase)
  epoch = 0;
  nEpoch = 1;
  iter = 0;
  nIter = 0;
  trainIter = 0;
  pctTrain = 0;
  training = false;
  dl: DataLoader | null = null;
  xb: Tensor[] = [];
  yb: Tensor[] = [];
  pred: Tensor | null = null;
  loss: Tensor | null = null;
  lossGrad: Tensor | null = null;
  /** The named parts of the last loss, when the loss function makes them (nn.MultiLoss), else null. */
  lossParts: Record<string, Tensor> | null = null;
  /** Set by the Recorder: reads the current smoothed training loss from the device. */
  smoothLossReader: (() => number | null) | null = null;
  finalRecord: (number | undefined)[] = [];
  /** The published log: the Recorder publishes the columns, each epoch's row and each batch; outputs subscribe. */
  readonly logs: LogBus = new LogBus((row) => this.logger(row));
  /** Where epoch rows go when no console output (the progress table) is subscribed to the log (fastai's logger):
   * by default a table formatted as the progress table's. */
  logger: (row: LogRow) => void = consoleTable(this.logs);
  /** True while validate() runs outside a fit: callbacks keep their fit history then (fastai#4132). */
  validatingOnly = false;
  private lastYield = 0;
  /** Set by SIGINT during a fit: the fit is cancelled once the current batch ends. */
  private sigint = false;
  /** Which callbacks run at each event, wrap the phases and supply the step's parts. */
  #tables = new CallbackTables(() => this.cbs);
  /** The public operations running now (one at a time, nested ones from callbacks). */
  #ops = new Operations();
  /** True while the optimizer holds no state for the current weights (new, or weights loaded without its state):
   * a fit resumed at startEpoch > 0 then warns. */
  #optStateless = true;
  /** An asynchronous afterCreate still running or failed: awaited (its error thrown) before any fit or validation. */
  private created: Promise<void> | null = null;
  private createError: unknown = null;

  /** True while a fit is being cancelled because of Ctrl-C (SIGINT): callbacks read it in afterCancelFit. */
  get interrupted(): boolean {
    return this.sigint;
  }

  /** Cancels the fit after the current batch, as Ctrl-C does (fit then throws FitInterrupted). */
  interrupt(): void {
    this.sigint = true;
  }

  /**
   * How a Ctrl-C becomes a cancelled fit: null (default), after the batch it arrived in. A data-parallel run sets it
   * (DistributedTrainer) to agree across ranks first, so every rank stops after the same batch: it is given whether
   * this process was interrupted and resolves to whether the fit stops now.
   */
  interruptAgreement: ((interrupted: boolean) => Promise<boolean>) | null = null;

  /** The smoothed training loss (fastai's learn.smooth_loss): a host read, so ask for it sparingly. */
  get smoothLoss(): number | null {
    return this.smoothLossReader?.() ?? null;
  }

  constructor(dls: DataLoaders, model: Module, o: LearnerOptions = {}, defaultCbs: CallbackInput[] = []) {
    const fn = 'Learner';
    const d = dls as Partial<DataLoaders> | null;
    if (d === null || typeof d !== 'object' || !(d.train instanceof DataLoader) || !(d.valid instanceof DataLoader)) {
      fail(fn, 'dls', 'a data.DataLoaders (train and valid DataLoaders)', dls);
    }
    if (!(model instanceof Module)) fail(fn, 'model', 'an nn.Module', model);
    checkOptions(fn, o, LEARNER_OPTIONS, 'opts');
    if (o.lossFunc !== undefined) checkLossFunc(fn, 'opts.lossFunc', o.lossFunc);
    if (o.optFunc !== undefined) checkFunction(fn, 'opts.optFunc', o.optFunc);
    if (o.splitter !== undefined) checkFunction(fn, 'opts.splitter', o.splitter);
    const lr = o.lr === undefined ? 1e-3 : checkNumber(fn, 'opts.lr', o.lr, { min: 0 });
    const cbs = checkCallbacks(fn, 'opts.cbs', o.cbs);
    const metrics =
      o.metrics === undefined
        ? []
        : checkArray(fn, 'opts.metrics', o.metrics, 'an array of metrics').map((m, i) => learnerMetric(fn, `opts.metrics[${i}]`, m));
    const path = o.path === undefined ? '.' : checkPath(fn, 'opts.path', o.path);
    const modelDir = o.modelDir === undefined ? 'models' : checkPath(fn, 'opts.modelDir', o.modelDir);
    const wd = checkWd(fn, 'opts.wd', o.wd) ?? null;
    const moms = o.moms === undefined ? ([0.95, 0.85, 0.95] as [number, number, number]) : checkMoms(fn, 'opts.moms', o.moms);
    this.dls = dls;
    this.model = model;
    this.lossFunc =
      o.lossFunc ??
      (() => {
        throw new FlintError('Learner: no lossFunc was given to the Learner, so it cannot compute a loss');
      });
    this.optFunc = o.optFunc ?? optim.Adam;
    this.lr = lr;
    this.splitter = o.splitter ?? optim.trainableParams;
    this.metrics = metrics;
    this.path = path;
    this.modelDir = modelDir;
    this.wd = wd;
    this.wdBnBias = optBool(fn, 'opts.wdBnBias', o.wdBnBias) ?? false;
    this.trainBn = optBool(fn, 'opts.trainBn', o.trainBn) ?? true;
    this.moms = [...moms];
    const defaults = optBool(fn, 'opts.defaultCbs', o.defaultCbs) ?? true;
    this.addCbs([...(defaults ? defaultCbs : []), ...cbs]);
    // fastai's afterCreate is synchronous; an asynchronous one cannot be awaited by a constructor, so it is
    // awaited before the first fit or validation, and its failure is thrown there (never an unhandled rejection)
    const r = this.event('afterCreate');
    if (r) {
      this.created = r.catch((e) => {
        this.createError = e;
      });
    }
  }

  // ---- callbacks ----
  #attach(cb: CallbackInput): Callback {
    const c = cb instanceof Callback ? cb : new cb();
    c.learn = this;
    this.cbs.push(c);
    this.#changed();
    return c;
  }
  addCb(cb: CallbackInput): Callback {
    return this.#attach(checkCallback('Learner.addCb', 'cb', cb));
  }
  addCbs(cbs: CallbackInput[]): Callback[] {
    return checkCallbacks('Learner.addCbs', 'cbs', cbs, true).map((c) => this.#attach(c));
  }
  #detach(cb: CallbackInput): void {
    const removed = this.cbs.filter((c) => (cb instanceof Callback ? c === cb : c instanceof cb));
    this.cbs = this.cbs.filter((c) => !removed.includes(c));
    // a removed callback no longer points at this learner (fastai's remove_cb sets cb.learn = None)
    for (const c of removed) if (c._attachedTo() === this) c.learn = null;
    this.#changed();
  }
  /** The callback list changed: the per-event tables are rebuilt on next use. */
  #changed(): void {
    this.#tables.invalidate();
  }
  /** Removes a callback instance, or every callback of a class. */
  removeCb(cb: CallbackInput): void {
    this.#detach(checkCallback('Learner.removeCb', 'cb', cb));
  }
  removeCbs(cbs: CallbackInput[]): void {
    for (const c of checkCallbacks('Learner.removeCbs', 'cbs', cbs, true)) this.#detach(c);
  }
  /** Runs fn with callbacks added, removing them afterwards even on error. */
  async withCbs<T>(cbs: CallbackInput[], fn: () => Promise<T> | T): Promise<T> {
    const list = checkCallbacks('Learner.withCbs', 'cbs', cbs, true);
    checkFunction('Learner.withCbs', 'fn', fn);
    return this.#withAdded(list, fn);
  }
  async #withAdded<T>(cbs: CallbackInput[], fn: () => Promise<T> | T): Promise<T> {
    const added = cbs.map((c) => this.#attach(c));
    try {
      return await fn();
    } finally {
      for (const c of added) this.#detach(c);
    }
  }
  /** Runs fn with callbacks removed, restoring them (in their places) afterwards even on error. */
  async withoutCbs<T>(cbs: CallbackInput[], fn: () => Promise<T> | T): Promise<T> {
    const list = checkCallbacks('Learner.withoutCbs', 'cbs', cbs, true);
    checkFunction('Learner.withoutCbs', 'fn', fn);
    const saved = [...this.cbs];
    for (const c of list) this.#detach(c);
    try {
      return await fn();
    } finally {
      this.cbs = saved;
      for (const c of saved) c.learn = this; // re-attached, as fastai's removed_cbs adds them back
      this.#changed();
    }
  }
  /** The first callback of a class (subclasses included): `learn.cb(Recorder)`; or the one exposed under a name
   * ('recorder', 'trainEval'...), as a convenience. */
  cb<C extends Callback>(cls: abstract new (...args: never[]) => C): C | undefined;
  cb<C extends Callback = Callback>(name: string): C | undefined;
  cb<C extends Callback>(key: string | (abstract new (...args: never[]) => C)): C | undefined {
    if (typeof key === 'function' && ((key as unknown) === Callback || key.prototype instanceof Callback)) {
      return this.cbs.find((c) => c instanceof key) as C | undefined;
    }
    if (typeof key !== 'string') fail('Learner.cb', 'key', 'a Callback class or a callback name', key);
    return this.cbs.find((c) => c.name === key) as C | undefined;
  }

  /**
   * Runs a public operation (fit, validate, lrFind...) alone on this Learner: a second one started while it
   * runs is refused (their batches would free each other's tensors). A nested call (a callback's validate, a
   * scheduled fit's fit) is allowed only from the innermost operation's own context while that operation awaits
   * its callbacks (or, when `composite`, its inner calls). If the callback does not await it, the operation
   * waits for it after that callback, so the two never run side by side. An asynchronous afterCreate is awaited first.
   */
  protected async _exclusive<T>(fn: string, f: () => Promise<T>, composite = false): Promise<T> {
    return this.#ops.run(fn, f, composite, async () => {
      if (this.created) await this.created;
      if (this.createError !== null) throw this.createError;
    });
  }
  /** The public name of the outermost operation running now (for messages), or `fallback`. */
  protected _opName(fallback: string): string {
    return this.#ops.name(fallback);
  }
  /** Fires an event on the callbacks that handle it, in order (stable for ties). Synchronous handlers run
   * without a promise per call; the first asynchronous one makes the rest wait for it. */
  event(name: EventName): void | Promise<void> {
    return fire(this.#tables.handlers(name), name, this.#ops);
  }

  /** Callbacks with a handler for an event (all of them for null), in the order they run. */
  orderedCbs(event: EventName | null): Callback[] {
    if (event !== null && !(EVENTS as readonly unknown[]).includes(event)) fail('Learner.orderedCbs', 'event', 'an event name or null', event);
    return this.#tables.ordered(event);
  }

  /** Which callbacks run at each event of the loop (fastai's show_training_loop); printed and returned. */
  showTrainingLoop(print: (s: string) => void = console.log): string {
    checkFunction('Learner.showTrainingLoop', 'print', print);
    const loop = TRAINING_LOOP.filter((s) => s !== 'afterCreate');
    let indent = 0;
    // a callback's around is asked at every phase (it picks the ones it wraps)
    const wrappers = this.orderedCbs(null)
      .filter((c) => AROUND_PHASES.some((p) => c.wrapsPhase(p)))
      .map((c) => `${c.constructor.name} (${c.aroundPhases?.join(', ') ?? 'every phase'})`);
    const lines: string[] = wrappers.length ? [`around              : [${wrappers.join(', ')}]`] : [];
    for (const s of loop) {
      if (s.startsWith('Start')) {
        lines.push(`${' '.repeat(indent)}${s}`);
        indent += 2;
      } else if (s.startsWith('End')) {
        indent -= 2;
        lines.push(`${' '.repeat(indent)}${s}`);
      } else {
        const cbs = s.startsWith('**') ? [] : this.orderedCbs(s as EventName).map((c) => c.constructor.name);
        lines.push(`${' '.repeat(indent)} - ${s.padEnd(19)}: [${cbs.join(', ')}]`);
      }
    }
    const text = lines.join('\n');
    print(text);
    return text;
  }

  /** fastai's show_results: the first items of a validation batch (or opts.dl's) with their targets and the model's
   * predictions, red when wrong, as an image grid; returns the SVG, and with `file` writes it and a PNG. */
  showResults(opts: ShowResultsOptions = {}): Promise<string> {
    return showResults(this, opts);
  }

  /** fastai's Learner.summary: the model's layers as one training batch goes through them (type, output shape,
   * parameter count, trainable), the parameter totals, the optimizer, the loss function, the freezing state and the
   * callbacks; printed with `print` and returned. */
  summary(print: (s: string) => void = console.log): string {
    return learnerSummary(this, print);
  }

  // ---- the loop ----
  /** Runs f inside the callbacks' around(phase). */
  #around(phase: AroundPhase, f: () => Promise<void>): Promise<void> {
    return around(this.#tables.wrappers(phase), phase, f);
  }

  /** Inside the callbacks' around(phase): before`X`; f; afterCancel`X` if f threw the phase's cancellation;
   * after`X`. Other errors pass through (every around's tear-down still runs). */
  #withEvents(f: () => void | Promise<void>, phase: AroundPhase, cancel: Cancellation): Promise<void> {
    const cap = phase[0]!.toUpperCase() + phase.slice(1);
    return this.#around(phase, async () => {
      try {
        await this.event(`before${cap}` as EventName);
        await f();
      } catch (e) {
        if (!(e instanceof cancel)) throw e;
        await this.event(`afterCancel${cap}` as EventName);
      }
      await this.event(`after${cap}` as EventName);
    });
  }

  /** Makes the optimizer from optFunc over the splitter's parameter groups (fastai's create_opt). */
  createOpt(): void {
    const fn = this._opName('Learner.createOpt');
    const groups = this.splitter(this.model);
    checkParamGroups(fn, groups);
    const opt = this.optFunc(groups, { lr: this.lr });
    if (!(opt instanceof optim.Optimizer)) fail(fn, 'optFunc', 'a function returning an optim.Optimizer', opt);
    this.opt = opt;
    this.#optStateless = true;
    optim.markNormBias(this.opt, this.model, { trainBn: this.trainBn, wdBnBias: this.wdBnBias });
  }

  /** What the model returned must be a live tensor, or (fastai's tuple predictions, for a custom loss) an array
   * or plain object of them; what the loss function returned, a tensor (one value to train on). */
  #checkPred(p: unknown): void {
    if (!isPrediction(p, 0)) {
      throw new FlintError(
        `${this._opName('Learner.fit')}: the model's forward returned ${describe(p)}; the Learner expects a tensor of predictions (or an array or object of tensors)`,
      );
    }
  }
  #checkLoss(l: unknown): void {
    const fn = this._opName('Learner.fit');
    if (!isTensorLike(l) || (l as Tensor).isDisposed) {
      throw new FlintError(`${fn}: the loss function returned ${describe(l)}; the Learner expects a tensor (a single value to train on)`);
    }
    if (this.training && (l as Tensor).numel() !== 1) {
      throw new FlintError(`${fn}: the loss function returned ${describe(l)}; training needs a single value (reduce the loss with mean or sum)`);
    }
  }

  // ---- the training step's parts (miniai's flexible learner): a subclass overrides them; a callback with a
  // method of the part's name (predict, getLoss, backward, step, zeroGrad) replaces them for the batches it runs in

  /** learn.pred = model(...learn.xb). (A callback's part is named `predict`; on the Learner that name is
   * fastai's predict(item), so the Learner's parts are doPredict, doGetLoss..., DESIGN.md's names.) */
  doPredict(): void {
    if (this.xb.length === 0) throw new FlintError('Learner.doPredict: there is no batch (learn.xb is empty); it runs inside the loop');
    const pred: unknown = this.model.call(...this.xb);
    this.#checkPred(pred);
    this.pred = pred as Tensor;
  }
  /** learn.lossGrad = lossFunc(pred, ...yb) when the batch has targets (learn.loss is set from it by the loop). */
  doGetLoss(): void {
    if (this.yb.length === 0) return;
    if (this.pred === null)
      throw new FlintError('Learner.doGetLoss: there is no prediction (learn.pred is null); it runs inside the loop after doPredict');
    const loss: unknown = callLoss(this.lossFunc, this.pred, this.yb);
    this.#checkLoss(loss);
    this.lossGrad = loss as Tensor;
    this.lossParts = this.lossFunc.lastParts ? { ...this.lossFunc.lastParts } : null;
  }
  doBackward(): void {
    if (this.lossGrad === null)
      throw new FlintError('Learner.doBackward: there is no loss to differentiate (learn.lossGrad is null); it runs inside the loop after doGetLoss');
    this.lossGrad.backward();
  }
  doStep(): void {
    if (this.opt === null) throw new FlintError('Learner.doStep: there is no optimizer yet (it is made by fit, or by createOpt)');
    this.opt.step();
  }
  doZeroGrad(): void {
    if (this.opt === null) throw new FlintError('Learner.doZeroGrad: there is no optimizer yet (it is made by fit, or by createOpt)');
    this.opt.zeroGrad();
  }

  /** Runs a part of the step inside the callbacks' around(part): the first callback (in order, switches allowing)
   * that supplies it, else the Learner's own method. */
  #part(part: StepPart, own: () => void): void | Promise<void> {
    const cb = this.#tables.supplier(part);
    const wrappers = this.#tables.wrappers(part);
    // nothing wraps it: no promise for a synchronous part
    if (wrappers.length === 0) return cb ? cb._supply(part) : own();
    return around(wrappers, part, async () => {
      await (cb ? cb._supply(part) : own());
    });
  }

  async #doOneBatch(): Promise<void> {
    // a part nothing wraps or supplies asynchronously returns no promise: no turn of the microtask queue for it
    let r = this.#part('predict', () => this.doPredict());
    if (r) await r;
    await this.event('afterPred');
    r = this.#part('getLoss', () => this.doGetLoss());
    if (r) await r;
    if (this.lossGrad !== null) {
      this.#checkLoss(this.lossGrad);
      this.loss ??= this.lossGrad.detach();
    }
    const computed = this.loss;
    await this.event('afterLoss');
    if (this.training && this.loss !== computed) this.#takeAssignedLoss();
    if (!this.training) return;
    if (this.lossGrad === null) {
      throw new FlintError(
        `${this._opName('Learner.fit')}: a training batch has no loss to train on: ${
          this.yb.length === 0
            ? `the batch has no targets (it has ${this.xb.length} part${this.xb.length === 1 ? '' : 's'}, all inputs by dls.nInp = ${this.dls.nInp})`
            : 'nothing set learn.lossGrad'
        }; give the batch targets, or supply the loss (a callback with getLoss(learn), or a Learner subclass overriding doGetLoss, setting learn.lossGrad)`,
      );
    }
    await this.#withEvents(() => this.#part('backward', () => this.doBackward()), 'backward', CancelBackwardException);
    await this.#withEvents(() => this.#part('step', () => this.doStep()), 'step', CancelStepException);
    r = this.#part('zeroGrad', () => this.doZeroGrad());
    if (r) await r;
  }

  /** A callback replaced learn.loss after the loss was computed: a differentiable loss is what trains (and what is
   * logged); anything else would leave training on the old learn.lossGrad in silence, so it is refused. */
  #takeAssignedLoss(): void {
    const l: unknown = this.loss;
    if (isTensorLike(l) && !(l as Tensor).isDisposed && (l as Tensor).requiresGrad) {
      this.#checkLoss(l);
      this.lossGrad = l as Tensor;
      this.loss = this.lossGrad.detach();
      return;
    }
    throw new FlintError(
      `${this._opName('Learner.fit')}: a callback replaced learn.loss after the loss was computed with ${describe(l)}, ` +
        'which does not require grad, so training cannot use it (it would go on with learn.lossGrad); assign a loss computed ' +
        'from the predictions (it requires grad) to change what trains',
    );
  }

  async #oneBatch(i: number, b: Batch): Promise<void> {
    this.iter = i;
    // nothing from the previous batch survives into this one (its tensors were freed with its scope)
    this.pred = null;
    this.loss = null;
    this.lossGrad = null;
    this.lossParts = null;
    const parts = Array.isArray(b) ? (b as Tensor[]) : [b as Tensor];
    // fastai's n_inp: the first nInp parts are the model's inputs, the rest its targets
    const nInp = this.dls.nInp;
    this.xb = parts.slice(0, nInp);
    this.yb = parts.slice(nInp);
    // the batch's tensors (prediction, loss, gradients' wrappers...) are freed when it ends
    await torch.tidy(() => this.#withEvents(() => this.#doOneBatch(), 'batch', CancelBatchException));
    if (performance.now() - this.lastYield > YIELD_EVERY_MS) {
      // keep SIGINT handlers, timers and servers alive; two turns of the event loop, so a signal that arrived during
      // the batch is read (libuv reads signals in its poll phase, which one turn may skip, as on the loop's first)
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      this.lastYield = performance.now();
    }
    // after the yield: a Ctrl-C that arrived during this batch cancels now, before another batch starts
    if (this.interruptAgreement === null ? this.sigint : await this.interruptAgreement(this.sigint)) throw new CancelFitException();
  }

  async #allBatches(): Promise<void> {
    const dl = this.dl!;
    this.nIter = dl.length;
    let i = 0;
    // an asynchronous dataset's loader builds the next batches while this one trains
    if (dl.isAsync) for await (const b of dl) await this.#oneBatch(i++, b);
    else for (const b of dl) await this.#oneBatch(i++, b);
  }

  async #doEpochTrain(): Promise<void> {
    this.dl = this.dls.train;
    await this.#withEvents(() => this.#allBatches(), 'train', CancelTrainException);
  }

  async #doEpochValidate(dl?: DataLoader<any>): Promise<void> {
    this.dl = dl ?? this.dls.valid;
    await torch.noGrad(() => this.#withEvents(() => this.#allBatches(), 'validate', CancelValidException));
  }

  async #doEpoch(): Promise<void> {
    await this.#doEpochTrain();
    await this.#doEpochValidate();
  }

  async #doFit(): Promise<void> {
    for (let epoch = 0; epoch < this.nEpoch; epoch++) {
      this.epoch = epoch;
      await this.#withEvents(() => this.#doEpoch(), 'epoch', CancelEpochException);
    }
  }

  /** Saves the loop's state (what a validation changes); the function returned puts it back. */
  #loopState(): () => void {
    const { training, validatingOnly, dl, xb, yb, pred, loss, lossGrad, lossParts, iter, nIter, finalRecord } = this;
    const modelTraining = this.model.training;
    return () => {
      Object.assign(this, { training, validatingOnly, dl, xb, yb, pred, loss, lossGrad, lossParts, iter, nIter, finalRecord });
      if (this.model.training !== modelTraining) this.model.train(modelTraining);
    };
  }

  #endCleanup(): void {
    this.dl = null;
    this.xb = [];
    this.yb = [];
    this.pred = null;
    this.loss = null;
    this.lossGrad = null;
  }

  /** Trains for nEpoch epochs at lr (default: the learner's), with callbacks added for this call only. */
  async fit(nEpoch: number, lr?: optim.HyperValue | null, o: FitOptions = {}): Promise<void> {
    const fn = 'Learner.fit';
    checkInt(fn, 'nEpoch', nEpoch, { min: 1 });
    // null is fastai's lr=None: the default
    if (lr !== undefined && lr !== null) checkLr(fn, 'lr', lr);
    const fo = this._checkFitOptions(fn, o, nEpoch);
    await this._exclusive(fn, () => this._fitNow(nEpoch, lr ?? undefined, fo));
  }

  /** Checks fit's options (fn names the public call) and returns them with the callbacks checked. */
  protected _checkFitOptions(fn: string, o: unknown, nEpoch: number): FitOptions {
    const opts = checkOptions<FitOptions>(fn, o as FitOptions, FIT_OPTIONS, 'opts');
    checkWd(fn, 'opts.wd', opts.wd);
    const cbs = checkCallbacks(fn, 'opts.cbs', opts.cbs);
    optBool(fn, 'opts.resetOpt', opts.resetOpt);
    if (opts.startEpoch !== undefined) checkInt(fn, 'opts.startEpoch', opts.startEpoch, { min: 0, max: nEpoch });
    return { ...opts, cbs };
  }

  /** A fit needs at least one training batch: refuse before anything runs, named the sizes. */
  protected _checkTrainBatches(fn: string): void {
    const dl = this.dls.train;
    if (dl.length > 0) return;
    const n = dl.dataset.length;
    throw new FlintError(
      `${fn}: the training DataLoader yields no batch (${n} item${n === 1 ? '' : 's'}, batchSize ${dl.batchSize}` +
        `${dl.dropLast ? ', dropLast' : ''}), so there is nothing to train on; ` +
        `${n > 0 ? `use a batchSize of at most ${n}${dl.dropLast ? ' or dropLast: false' : ''}` : 'give it a non-empty dataset'}`,
    );
  }

  /** fit's work, inside exclusive, its arguments checked. */
  protected async _fitNow(nEpoch: number, lr: optim.HyperValue | undefined, o: FitOptions): Promise<void> {
    const fn = this._opName('Learner.fit');
    this._checkTrainBatches(fn);
    const cbs = [...(o.cbs ?? [])];
    const start = o.startEpoch ?? 0;
    if (start !== 0) {
      // fastai's SkipToEpoch: resuming at epoch `start` cancels the epochs before it (schedules still see them)
      const skip = new Callback({
        beforeEpoch: (l) => {
          if (l.epoch < start) throw new CancelEpochException();
        },
      });
      skip.order = -9;
      cbs.push(skip);
    }
    if (o.resetOpt || !this.opt) this.createOpt();
    if (start !== 0 && this.#optStateless) {
      console.warn(
        `${fn}: resuming at epoch ${start} without the optimizer's state (the checkpoint loaded had none, or ` +
          'the optimizer is new), so the run will not repeat the uninterrupted one; save checkpoints with { withOpt: true }',
      );
    }
    this.#optStateless = false;
    checkLrGroups(fn, 'lr', lr, this.opt!.hypers.length);
    await this.#withAdded(cbs, async () => {
      const wd = o.wd === undefined ? this.wd : o.wd;
      if (wd !== null) this.opt!.setHyper('wd', wd);
      this.opt!.setHyper('lr', lr ?? this.lr);
      this.nEpoch = nEpoch;
      this.lastYield = performance.now();
      await this.#withSigint(async () => {
        await this.#withEvents(() => this.#doFit(), 'fit', CancelFitException);
        this.#endCleanup();
      });
    });
  }

  /**
   * Ctrl-C during a fit: the batch in flight finishes, the fit is cancelled with CancelFitException before
   * another batch starts (so afterCancelFit and afterFit run and checkpoints are left loadable), then fit throws
   * FitInterrupted, so nothing after it runs unless the caller catches it. The first Ctrl-C removes this
   * listener, so (when no other SIGINT listener is installed) Node restores the default disposition and a
   * second Ctrl-C kills the process at once, even in the middle of a long native op (status 130 in a shell).
   */
  async #withSigint(f: () => Promise<void>): Promise<void> {
    const onSigint = (): void => {
      this.sigint = true;
      process.removeListener('SIGINT', onSigint);
    };
    process.on('SIGINT', onSigint);
    let interrupted: boolean;
    try {
      await f();
    } finally {
      process.removeListener('SIGINT', onSigint);
      interrupted = this.sigint;
      this.sigint = false;
    }
    if (interrupted) throw new FitInterrupted(this.epoch, this.iter);
  }

  /**
   * Predictions over a loader (the validation one by default), with the loss function's activation applied
   * (or `act`), the targets, and on request the inputs, the decoded predictions and per-item losses.
   * Everything returned is owned by the caller.
   */
  async getPreds(o: GetPredsOptions = {}): Promise<GetPredsResult> {
    const fn = 'Learner.getPreds';
    checkOptions(fn, o, ['dl', 'withInput', 'withDecoded', 'withLoss', 'act'], 'opts');
    optLoader(fn, 'opts.dl', o.dl);
    for (const k of ['withInput', 'withDecoded', 'withLoss'] as const) optBool(fn, `opts.${k}`, o[k]);
    if (o.act !== undefined) checkFunction(fn, 'opts.act', o.act);
    return this._exclusive(fn, () => this.#getPredsNow(o));
  }

  async #getPredsNow(o: GetPredsOptions): Promise<GetPredsResult> {
    const gather = new PredsGatherer(o);
    const run = () => this.#validateNow(inOrder(o.dl ?? this.dls.valid), [gather]);
    if (o.withLoss) await withNoneReduce(this.lossFunc, 'Learner.getPreds withLoss', run);
    else await run();
    return gather.assemble(this.lossFunc);
  }

  /** fastai's Learner.tta (test-time augmentation): n passes over the validation loader (or opts.dl) with the
   * training loader's afterBatch (or opts.augment), averaged (or their maximum with useMax), blended with a
   * plain pass as lerp(augmented, plain, beta); beta null returns both apart. Everything returned is the caller's. */
  async tta(opts: TtaOptions = {}): Promise<TtaResult> {
    const o = checkTtaOptions(opts);
    return this._exclusive('Learner.tta', () => ttaNow(this, o), true);
  }

  /** The prediction for one item: a tensor without its batch dimension, or what the data's loaders encode (a row of
   * a TabularDataLoaders: an object of column values). Returns the activation's output, its decoded form and, when
   * the data has a vocabulary, the class name (fastai's decoded label; `labels` for a multi-label prediction). */
  predict(item: unknown): ItemPrediction {
    return named('Learner.predict', () => {
      let inputs: Tensor[];
      if (item instanceof Tensor) inputs = [checkTensor('Learner.predict', 'item', item).unsqueeze(0)];
      else inputs = this.dls.encodeItem(item);
      try {
        return predictItem(this.model, this.lossFunc, inputs, this.dls.device, this.dls.preprocessing?.vocab);
      } finally {
        torch.dispose(inputs);
      }
    });
  }

  /**
   * Saves the model's weights (PyTorch's state-dict keys, readable from Python) and, withOpt (default), the
   * optimizer state, to `<path>/<modelDir>/<name>.safetensors`, atomically. Returns the file's path.
   */
  save(name: string, o: { withOpt?: boolean } = {}): string {
    const fn = 'Learner.save';
    checkPath(fn, 'name', name);
    checkOptions(fn, o, ['withOpt'], 'opts');
    optBool(fn, 'opts.withOpt', o.withOpt);
    const dir = join(this.path, this.modelDir);
    ensureDir(dir, fn);
    const file = join(dir, `${name}.safetensors`);
    const opt = (o.withOpt ?? true) ? this.opt : null;
    // data-parallel ranks hold the same weights: rank 0 writes (fastai's save does the same)
    if (!isMainProcess()) return file;
    named(fn, () => writeCheckpoint(file, { model: this.model, opt, epoch: this.epoch, dataEpoch: this.dls.train.epoch }));
    return file;
  }

  /**
   * Writes what a fresh process needs to predict (fastai's export): the weights, the model's registered factory
   * and arguments, the loss function and the data's preprocessing, to one safetensors file (default
   * `<path>/export.safetensors`), atomically. Load it with loadLearner. Returns the file's path.
   */
  export(file?: string): string {
    const fn = 'Learner.export';
    const out = file === undefined ? join(this.path, 'export.safetensors') : checkPath(fn, 'file', file);
    if (!isMainProcess()) return out;
    ensureDir(dirname(out), fn);
    named(fn, () => writeExport(out, { model: this.model, lossFunc: this.lossFunc, preprocessing: this.dls.preprocessing }));
    return out;
  }

  /** Loads what save wrote: the weights (strictly, by key) and, withOpt (default) when present, the optimizer state.
   * Returns the epoch recorded at save time (null for files without one). */
  load(name: string, o: { withOpt?: boolean; strict?: boolean } = {}): { epoch: number | null } {
    const fn = 'Learner.load';
    checkPath(fn, 'name', name);
    checkOptions(fn, o, ['withOpt', 'strict'], 'opts');
    optBool(fn, 'opts.withOpt', o.withOpt);
    optBool(fn, 'opts.strict', o.strict);
    const file = join(this.path, this.modelDir, `${name}.safetensors`);
    return named(fn, () => this.#loadFile(file, o));
  }

  #loadFile(file: string, o: { withOpt?: boolean; strict?: boolean }): { epoch: number | null } {
    const c = readCheckpoint(file, this.dls.device, o.withOpt ?? true);
    try {
      this.model.loadStateDict(c.model, { strict: o.strict ?? true });
      if (c.opt) {
        if (!this.opt) this.createOpt();
        this.opt!.loadStateDict(c.opt);
        this.#optStateless = false;
      } else {
        // any optimizer state there is belonged to other weights
        this.#optStateless = true;
      }
      if (c.dataEpoch !== null) this.dls.train.epoch = c.dataEpoch;
      return { epoch: c.epoch };
    } finally {
      c.dispose();
    }
  }

  /** Runs fn with the console's epoch rows silenced (fastai's no_logging); files and other subscribers of
   * learn.logs still receive them. */
  async withoutLogging<T>(fn: () => Promise<T> | T): Promise<T> {
    checkFunction('Learner.withoutLogging', 'fn', fn);
    return this.logs.quietly(fn);
  }

  /** fastai's name for withoutLogging. */
  noLogging<T>(fn: () => Promise<T> | T): Promise<T> {
    checkFunction('Learner.noLogging', 'fn', fn);
    return this.withoutLogging(fn);
  }

  /** Runs a validation pass (the valid loader, or dl) and returns [loss, ...metrics]; it logs nothing and
   * leaves the fit's history alone. */
  async validate(o: { dl?: DataLoader<any>; cbs?: CallbackInput[] } = {}): Promise<(number | undefined)[]> {
    const fn = 'Learner.validate';
    checkOptions(fn, o, ['dl', 'cbs'], 'opts');
    const dl = optLoader(fn, 'opts.dl', o.dl);
    const cbs = checkCallbacks(fn, 'opts.cbs', o.cbs);
    return this._exclusive(fn, () => this.#validateNow(dl, cbs));
  }

  async #validateNow(dl: DataLoader<any> | undefined, cbs: CallbackInput[]): Promise<(number | undefined)[]> {
    const o = { dl };
    // called from inside another operation (a callback of a fit): the loop's state is given back afterwards,
    // so the fit goes on with its own batch, phase and model mode
    const outer = this.#ops.depth > 1 ? this.#loopState() : null;
    return this.#withAdded(cbs, () =>
      this.withoutLogging(async () => {
        this.validatingOnly = true;
        let record: (number | undefined)[] = [];
        try {
          await this.event('beforeFit');
          await this.event('beforeEpoch');
          await this.#doEpochValidate(o.dl);
          await this.event('afterEpoch');
          await this.event('afterFit');
          record = this.finalRecord;
        } finally {
          this.validatingOnly = false;
          this.#endCleanup();
          if (outer) outer();
        }
        return record;
      }),
    );
  }
}

/** A metric as the Learner takes it (metrics.toMetric's rules: a Metric, a Metric class, a factory or a function),
 * its errors naming the Learner and the option rather than metrics.toMetric. */
function learnerMetric(fn: string, arg: string, m: unknown): Metric {
  try {
    return toMetric(m as Metric);
  } catch (e) {
    if (e instanceof ArgumentError && e.fn === 'metrics.toMetric') throw new ArgumentError(fn, arg, e.expected, e.got);
    if (e instanceof FlintError && e.message.startsWith('metrics.toMetric: ')) {
      rewrite(e, `${fn}: ${arg}: ${e.message.slice('metrics.toMetric: '.length)}`);
    }
    throw nameError(fn, e);
  }
}

/** Nesting deeper than this is not a prediction (and a cyclic object would recurse forever). */
const MAX_PRED_DEPTH = 8;

/** A live tensor, or a non-empty array or plain object of predictions (fastai's tuple predictions). */
function isPrediction(p: unknown, depth: number): boolean {
  if (isTensorLike(p)) return !(p as Tensor).isDisposed;
  if (depth >= MAX_PRED_DEPTH || p === null || typeof p !== 'object') return false;
  const items = Array.isArray(p) ? p : Object.getPrototypeOf(p) === Object.prototype ? Object.values(p) : null;
  return items !== null && items.length > 0 && items.every((x) => isPrediction(x, depth + 1));
}
