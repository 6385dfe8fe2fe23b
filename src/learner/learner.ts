// The Learner: fastai's training loop. Every phase runs through withEvents (before, body, afterCancel on its
// cancellation, after); each batch runs in a memory scope; validation runs with gradients off; the loop
// yields to the event loop at least every 100 ms.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module, withNoneReduce } from '../nn/index.js';
import * as optim from '../optim/index.js';
import type { Batch, DataLoader, DataLoaders } from '../data/index.js';
import { type Metric, toMetric } from '../metrics/index.js';
import { Callback } from './callback.js';
import { writeExport } from './export.js';
import type { EventName } from './events.js';
import {
  CancelBackwardException, CancelBatchException, CancelEpochException, CancelFitException, CancelStepException,
  CancelTrainException, CancelValidException, FitInterrupted, isCancellation,
} from './exceptions.js';

export type LossFunc = ((pred: Tensor, ...targets: Tensor[]) => Tensor) | Module;

/** A loss function applied to predictions and targets, whether a plain function or an nn loss module. */
export function callLoss(f: LossFunc, pred: Tensor, yb: Tensor[]): Tensor {
  return f instanceof Module ? f.call(pred, ...yb) : f(pred, ...yb);
}
export type OptFunc = (params: optim.ParamsInput, o: { lr: number }) => optim.Optimizer;
export type Splitter = (model: Module) => Tensor[] | Tensor[][];
/** An epoch row as the logger receives it: epoch, the values, and the time. */
export type LogRow = (number | string | undefined)[];
type CallbackInput = Callback | (new () => Callback);
type Cancellation = new (...a: never[]) => Error;

export interface LearnerOptions {
  lossFunc?: LossFunc;
  optFunc?: OptFunc;
  lr?: number;
  splitter?: Splitter;
  cbs?: CallbackInput[];
  metrics?: (Metric | (() => Metric) | ((pred: Tensor, ...targets: Tensor[]) => Tensor))[];
  path?: string;
  modelDir?: string;
  wd?: number | null;
  wdBnBias?: boolean;
  trainBn?: boolean;
  moms?: [number, number, number];
  defaultCbs?: boolean;
}

const YIELD_EVERY_MS = 100;

/** The logger withoutLogging installs; the progress callback leaves it in place (fastai's no_logging). */
export const silentLogger = (): void => {};

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
  /** Receives each epoch's row; the progress callback replaces it with a table writer. */
  logger: (row: LogRow) => void = (row) => console.log(row.join('  '));
  /** True while validate() runs outside a fit: callbacks keep their fit history then (fastai#4132). */
  validatingOnly = false;
  private lastYield = 0;
  /** Set by SIGINT during a fit: the fit is cancelled once the current batch ends. */
  private interrupted = false;
  /** Per event, the callbacks that handle it, in order; rebuilt when the list changes. */
  private dispatch: Map<EventName, Callback[]> | null = null;

  /** The smoothed training loss (fastai's learn.smooth_loss): a host read, so ask for it sparingly. */
  get smoothLoss(): number | null {
    return this.smoothLossReader?.() ?? null;
  }

  constructor(dls: DataLoaders, model: Module, o: LearnerOptions = {}, defaultCbs: CallbackInput[] = []) {
    if (!(model instanceof Module)) throw new torch.TorchError('Learner: model must be an nn.Module');
    this.dls = dls;
    this.model = model;
    this.lossFunc = o.lossFunc ?? (() => { throw new torch.TorchError('Learner: no lossFunc given'); });
    this.optFunc = o.optFunc ?? optim.Adam;
    this.lr = o.lr ?? 1e-3;
    this.splitter = o.splitter ?? optim.trainableParams;
    this.metrics = (o.metrics ?? []).map(toMetric);
    this.path = o.path ?? '.';
    this.modelDir = o.modelDir ?? 'models';
    this.wd = o.wd ?? null;
    this.wdBnBias = o.wdBnBias ?? false;
    this.trainBn = o.trainBn ?? true;
    this.moms = o.moms ?? [0.95, 0.85, 0.95];
    this.addCbs([...(o.defaultCbs === false ? [] : defaultCbs), ...(o.cbs ?? [])]);
    void this.event('afterCreate');
  }

  // ---- callbacks ----
  private instantiate(cb: CallbackInput): Callback {
    return cb instanceof Callback ? cb : new cb();
  }
  addCb(cb: CallbackInput): Callback {
    const c = this.instantiate(cb);
    c.learn = this;
    this.cbs.push(c);
    this.dispatch = null;
    return c;
  }
  addCbs(cbs: CallbackInput[]): Callback[] {
    return cbs.map((c) => this.addCb(c));
  }
  /** Removes a callback instance, or every callback of a class. */
  removeCb(cb: CallbackInput): void {
    this.cbs = this.cbs.filter((c) => (cb instanceof Callback ? c !== cb : !(c instanceof cb)));
    this.dispatch = null;
  }
  removeCbs(cbs: CallbackInput[]): void {
    for (const c of cbs) this.removeCb(c);
  }
  /** Runs fn with callbacks added, removing them afterwards even on error. */
  async withCbs<T>(cbs: CallbackInput[], fn: () => Promise<T> | T): Promise<T> {
    const added = this.addCbs(cbs);
    try {
      return await fn();
    } finally {
      this.removeCbs(added);
    }
  }
  /** Runs fn with callbacks removed, restoring them (in their places) afterwards even on error. */
  async withoutCbs<T>(cbs: CallbackInput[], fn: () => Promise<T> | T): Promise<T> {
    const saved = [...this.cbs];
    this.removeCbs(cbs);
    try {
      return await fn();
    } finally {
      this.cbs = saved;
      this.dispatch = null;
    }
  }
  /** The callback exposed under a name ('recorder', 'trainEval'...), if any. */
  cb<C extends Callback = Callback>(name: string): C | undefined {
    return this.cbs.find((c) => c.name === name) as C | undefined;
  }
  /** Fires an event on the callbacks that handle it, in order (stable for ties). Synchronous handlers run
   * without a promise per call; the first asynchronous one makes the rest wait for it. */
  event(name: EventName): void | Promise<void> {
    this.dispatch ??= new Map();
    let cbs = this.dispatch.get(name);
    if (!cbs) {
      // every callback hears afterFit, which resets its run switch
      cbs = name === 'afterFit' ? this.orderedCbs(null) : this.orderedCbs(name);
      this.dispatch.set(name, cbs);
    }
    for (let i = 0; i < cbs.length; i++) {
      const r = cbs[i]!.call(name);
      if (r) return this.eventRest(r, cbs, i + 1, name);
    }
  }
  private async eventRest(pending: Promise<void>, cbs: Callback[], from: number, name: EventName): Promise<void> {
    await pending;
    for (let i = from; i < cbs.length; i++) await cbs[i]!.call(name);
  }

  /** Callbacks with a handler for an event (all of them for null), in the order they run. */
  orderedCbs(event: EventName | null): Callback[] {
    return this.cbs.map((c, i) => [c, i] as const).sort((a, b) => a[0].order - b[0].order || a[1] - b[1]).map(([c]) => c)
      .filter((c) => event === null || c.handles(event));
  }

  /** Which callbacks run at each event of the loop (fastai's show_training_loop); printed and returned. */
  showTrainingLoop(print: (s: string) => void = console.log): string {
    const loop = ['Start Fit', 'beforeFit', 'Start Epoch Loop', 'beforeEpoch', 'Start Train', 'beforeTrain', 'Start Batch Loop',
      'beforeBatch', 'afterPred', 'afterLoss', 'beforeBackward', 'afterCancelBackward', 'afterBackward', 'beforeStep',
      'afterCancelStep', 'afterStep', 'afterCancelBatch', 'afterBatch', 'End Batch Loop', 'End Train', 'afterCancelTrain',
      'afterTrain', 'Start Valid', 'beforeValidate', 'Start Batch Loop', '**CBs same as train batch**', 'End Batch Loop',
      'End Valid', 'afterCancelValidate', 'afterValidate', 'End Epoch Loop', 'afterCancelEpoch', 'afterEpoch', 'End Fit',
      'afterCancelFit', 'afterFit'];
    let indent = 0;
    const lines: string[] = [];
    for (const s of loop) {
      if (s.startsWith('Start')) { lines.push(`${' '.repeat(indent)}${s}`); indent += 2; }
      else if (s.startsWith('End')) { indent -= 2; lines.push(`${' '.repeat(indent)}${s}`); }
      else {
        const cbs = s.startsWith('**') ? [] : this.orderedCbs(s as EventName).map((c) => c.constructor.name);
        lines.push(`${' '.repeat(indent)} - ${s.padEnd(19)}: [${cbs.join(', ')}]`);
      }
    }
    const text = lines.join('\n');
    print(text);
    return text;
  }

  // ---- the loop ----
  /** before`X`; f; afterCancel`X` if f threw the phase's cancellation; after`X`; then final. Other errors pass through. */
  private async withEvents(f: () => Promise<void>, phase: string, cancel: Cancellation, final?: () => void): Promise<void> {
    const cap = phase[0]!.toUpperCase() + phase.slice(1);
    try {
      await this.event(`before${cap}` as EventName);
      await f();
    } catch (e) {
      if (!(e instanceof cancel)) throw e;
      await this.event(`afterCancel${cap}` as EventName);
    }
    await this.event(`after${cap}` as EventName);
    final?.();
  }

  createOpt(): void {
    this.opt = this.optFunc(this.splitter(this.model), { lr: this.lr });
    optim.markNormBias(this.opt, this.model, { trainBn: this.trainBn, wdBnBias: this.wdBnBias });
  }


  private async doOneBatch(): Promise<void> {
    this.pred = this.model.call(...this.xb);
    await this.event('afterPred');
    if (this.yb.length) {
      this.lossGrad = callLoss(this.lossFunc, this.pred!, this.yb);
      this.loss = this.lossGrad.detach();
      this.lossParts = (this.lossFunc as { lastParts?: Record<string, Tensor> }).lastParts ?? null;
    }
    await this.event('afterLoss');
    if (!this.training || !this.yb.length) return;
    await this.withEvents(async () => { this.lossGrad!.backward(); }, 'backward', CancelBackwardException);
    await this.withEvents(async () => { this.opt!.step(); }, 'step', CancelStepException);
    this.opt!.zeroGrad();
  }

  private async oneBatch(i: number, b: Batch): Promise<void> {
    this.iter = i;
    // nothing from the previous batch survives into this one (its tensors were freed with its scope)
    this.pred = null;
    this.loss = null;
    this.lossGrad = null;
    this.lossParts = null;
    const parts = Array.isArray(b) ? (b as Tensor[]) : [b as Tensor];
    this.xb = parts.slice(0, 1);
    this.yb = parts.slice(1);
    // the batch's tensors (prediction, loss, gradients' wrappers...) are freed when it ends
    try {
      await torch.tidy(() => this.withEvents(() => this.doOneBatch(), 'batch', CancelBatchException));
    } catch (e) {
      if (!isCancellation(e)) {
        for (const cb of this.cbs) {
          try { cb.cleanupAfterError(e); } catch { /* the original error is the one to report */ }
        }
      }
      throw e;
    }
    if (this.interrupted) throw new CancelFitException();
    if (performance.now() - this.lastYield > YIELD_EVERY_MS) {
      await new Promise((r) => setImmediate(r));  // keep SIGINT handlers, timers and servers alive
      this.lastYield = performance.now();
    }
  }

  private async allBatches(): Promise<void> {
    const dl = this.dl!;
    this.nIter = dl.length;
    let i = 0;
    for (const b of dl) await this.oneBatch(i++, b);
  }

  private async doEpochTrain(): Promise<void> {
    this.dl = this.dls.train;
    await this.withEvents(() => this.allBatches(), 'train', CancelTrainException);
  }

  private async doEpochValidate(dl?: DataLoader<any>): Promise<void> {
    this.dl = dl ?? this.dls.valid;
    await torch.noGrad(() => this.withEvents(() => this.allBatches(), 'validate', CancelValidException));
  }

  private async doEpoch(): Promise<void> {
    await this.doEpochTrain();
    await this.doEpochValidate();
  }

  private async doFit(): Promise<void> {
    for (let epoch = 0; epoch < this.nEpoch; epoch++) {
      this.epoch = epoch;
      await this.withEvents(() => this.doEpoch(), 'epoch', CancelEpochException);
    }
  }

  private endCleanup(): void {
    this.dl = null;
    this.xb = [];
    this.yb = [];
    this.pred = null;
    this.loss = null;
    this.lossGrad = null;
  }

  /** Trains for nEpoch epochs at lr (default: the learner's), with callbacks added for this call only. */
  async fit(nEpoch: number, lr?: number, o: { wd?: number | null; cbs?: CallbackInput[]; resetOpt?: boolean; startEpoch?: number } = {}): Promise<void> {
    if (!Number.isInteger(nEpoch) || nEpoch < 0) throw new torch.TorchError(`fit: nEpoch must be a non-negative integer, got ${String(nEpoch)}`);
    const cbs = [...(o.cbs ?? [])];
    const start = o.startEpoch ?? 0;
    if (start !== 0) {
      // fastai's SkipToEpoch: resuming at epoch `start` cancels the epochs before it (schedules still see them)
      const skip = new Callback({ beforeEpoch: (l) => { if (l.epoch < start) throw new CancelEpochException(); } });
      skip.order = -9;
      cbs.push(skip);
    }
    await this.withCbs(cbs, async () => {
      if (o.resetOpt || !this.opt) this.createOpt();
      const wd = o.wd === undefined ? this.wd : o.wd;
      if (wd !== null) this.opt!.setHyper('wd', wd);
      this.opt!.setHyper('lr', lr ?? this.lr);
      this.nEpoch = nEpoch;
      this.lastYield = performance.now();
      await this.withSigint(() => this.withEvents(() => this.doFit(), 'fit', CancelFitException, () => this.endCleanup()));
    });
  }

  /**
   * Ctrl-C during a fit: the current batch finishes, the fit is cancelled with CancelFitException (so afterFit
   * runs and checkpoints are left loadable), then fit throws FitInterrupted, so nothing after it runs unless the
   * caller catches it. A second Ctrl-C while cancelling exits at once.
   */
  private async withSigint(f: () => Promise<void>): Promise<void> {
    const onSigint = (): void => {
      if (!this.interrupted) { this.interrupted = true; return; }
      process.removeListener('SIGINT', onSigint);
      process.kill(process.pid, 'SIGINT');
    };
    process.on('SIGINT', onSigint);
    let interrupted: boolean;
    try {
      await f();
    } finally {
      process.removeListener('SIGINT', onSigint);
      interrupted = this.interrupted;
      this.interrupted = false;
    }
    if (interrupted) throw new FitInterrupted(this.epoch, this.iter);
  }

  /** The loss function's activation (fastai: loss_func.activation), or identity. */
  private activation(): (x: Tensor) => Tensor {
    const f = this.lossFunc as { activation?: (x: Tensor) => Tensor };
    return typeof f.activation === 'function' ? f.activation.bind(f) : (x) => x;
  }
  /** The loss function's decodes (fastai: loss_func.decodes), or identity. */
  private decodes(): (x: Tensor) => Tensor {
    const f = this.lossFunc as { decodes?: (x: Tensor) => Tensor };
    return typeof f.decodes === 'function' ? f.decodes.bind(f) : (x) => x;
  }

  /**
   * Predictions over a loader (the validation one by default), with the loss function's activation applied
   * (or `act`), the targets, and on request the inputs, the decoded predictions and per-item losses.
   * Everything returned is owned by the caller.
   */
  async getPreds(o: { dl?: DataLoader<any>; withInput?: boolean; withDecoded?: boolean; withLoss?: boolean; act?: (x: Tensor) => Tensor } = {}):
    Promise<{ preds: Tensor; targs: Tensor | null; inputs?: Tensor; decoded?: Tensor; losses?: Tensor }> {
    const parts: { preds: Tensor[]; targs: Tensor[]; inputs: Tensor[]; losses: Tensor[] } = { preds: [], targs: [], inputs: [], losses: [] };
    const gather = new Callback({
      afterBatch: (l) => {
        if (!l.pred) return;
        parts.preds.push(l.pred.detach().keep());
        if (l.yb[0]) parts.targs.push(l.yb[0].clone().keep());
        if (o.withInput) parts.inputs.push(l.xb[0]!.clone().keep());
        if (o.withLoss && l.loss) {
          const bs = l.yb[0]?.shape[0] ?? 1;
          parts.losses.push((l.loss.numel() === bs ? l.loss : l.loss.reshape(bs, -1).mean(1)).detach().keep());
        }
      },
    });
    const run = () => this.validate({ dl: o.dl, cbs: [gather] });
    if (o.withLoss) await withNoneReduce(this.lossFunc, 'getPreds withLoss', run);
    else await run();
    const cat = (ts: Tensor[]): Tensor | undefined => {
      if (ts.length === 0) return undefined;
      const out = torch.cat(ts, 0).keep();
      torch.dispose(ts);
      return out;
    };
    const raw = cat(parts.preds);
    if (!raw) throw new torch.TorchError('getPreds: the loader produced no batches');
    const preds = torch.tidy(() => (o.act ?? this.activation())(raw)).keep();
    if (preds !== raw) raw.dispose();  // an identity activation (regression) returns raw itself
    const out: { preds: Tensor; targs: Tensor | null; inputs?: Tensor; decoded?: Tensor; losses?: Tensor } = { preds, targs: cat(parts.targs) ?? null };
    if (o.withInput) out.inputs = cat(parts.inputs);
    // a separate tensor even when decodes is the identity, so the caller can dispose both
    if (o.withDecoded) out.decoded = torch.tidy(() => { const d = this.decodes()(preds); return d === preds ? d.clone() : d; }).keep();
    if (o.withLoss) out.losses = cat(parts.losses);
    return out;
  }

  /** The prediction for one item (no batch dimension): the activation's output and its decoded form. */
  predict(item: Tensor): { probs: Tensor; decoded: Tensor } {
    const wasTraining = this.model.training;
    this.model.eval();
    try {
      return torch.tidy(() => torch.noGrad(() => {
        const x = item.to({ device: this.dls.device }).unsqueeze(0);
        const probs = this.activation()(this.model.call(x)).squeeze(0);
        return { probs, decoded: this.decodes()(probs) };
      }));
    } finally {
      this.model.train(wasTraining);
    }
  }

  /**
   * Saves the model's weights (PyTorch's state-dict keys, readable from Python) and, withOpt (default), the
   * optimizer state, to `<path>/<modelDir>/<name>.safetensors`, atomically. Returns the file's path.
   */
  save(name: string, o: { withOpt?: boolean } = {}): string {
    const dir = join(this.path, this.modelDir);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${name}.safetensors`);
    torch.tidy(() => {
      const tensors: Record<string, Tensor> = { ...this.model.stateDict() };
      // the epoch last run (the one a SaveModelCallback checkpoint was taken after): fit(..., { startEpoch: epoch + 1 }) resumes
      const metadata: Record<string, string> = { format: 'flint-learner/1', epoch: String(this.epoch), dataEpoch: String(this.dls.train.epoch) };
      if ((o.withOpt ?? true) && this.opt) {
        const sd = this.opt.stateDict();
        const scalars = sd.state.map((s, i) => {
          const rest: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(s)) {
            if (v instanceof torch.Tensor) tensors[`opt/${i}/${k}`] = v;
            else rest[k] = v;
          }
          return rest;
        });
        metadata.opt = JSON.stringify({ hypers: sd.hypers, scalars });
        torch.save(tensors, file, { metadata });
        torch.dispose(sd.state);
      } else {
        torch.save(tensors, file, { metadata });
      }
    });
    return file;
  }

  /**
   * Writes what a fresh process needs to predict (fastai's export): the weights, the model's registered factory
   * and arguments, the loss function and the data's preprocessing, to one safetensors file (default
   * `<path>/export.safetensors`), atomically. Load it with loadLearner. Returns the file's path.
   */
  export(file?: string): string {
    const out = file ?? join(this.path, 'export.safetensors');
    mkdirSync(dirname(out), { recursive: true });
    writeExport(out, { model: this.model, lossFunc: this.lossFunc, preprocessing: this.dls.preprocessing });
    return out;
  }

  /** Loads what save wrote: the weights (strictly, by key) and, withOpt (default) when present, the optimizer state.
   * Returns the epoch recorded at save time (null for files without one). */
  load(name: string, o: { withOpt?: boolean; strict?: boolean } = {}): { epoch: number | null } {
    const file = join(this.path, this.modelDir, `${name}.safetensors`);
    const { tensors, metadata } = torch.loadWithMetadata(file, { device: this.dls.device });
    try {
      const model: Record<string, Tensor> = {};
      const optTensors = new Map<number, Record<string, Tensor>>();
      for (const [k, t] of Object.entries(tensors)) {
        const m = /^opt\/(\d+)\/(.+)$/.exec(k);
        if (m) {
          const rec = optTensors.get(Number(m[1])) ?? {};
          rec[m[2]!] = t;
          optTensors.set(Number(m[1]), rec);
        } else {
          model[k] = t;
        }
      }
      this.model.loadStateDict(model, { strict: o.strict ?? true });
      if ((o.withOpt ?? true) && metadata.opt) {
        const meta = JSON.parse(metadata.opt) as { hypers: optim.Hypers[]; scalars: Record<string, number | boolean>[] };
        if (!this.opt) this.createOpt();
        const state = meta.scalars.map((s, i) => ({ ...s, ...(optTensors.get(i) ?? {}) }) as optim.ParamState);
        this.opt!.loadStateDict({ state, hypers: meta.hypers });
      }
      const dataEpoch = Number(metadata.dataEpoch);
      if (Number.isInteger(dataEpoch) && dataEpoch >= 0) this.dls.train.epoch = dataEpoch;
      const epoch = metadata.epoch === undefined ? NaN : Number(metadata.epoch);
      return { epoch: Number.isInteger(epoch) ? epoch : null };
    } finally {
      torch.dispose(tensors);
    }
  }

  /** Runs fn with the logger silenced (fastai's no_logging), restoring it afterwards even on error. */
  async withoutLogging<T>(fn: () => Promise<T> | T): Promise<T> {
    const saved = this.logger;
    this.logger = silentLogger;
    try {
      return await fn();
    } finally {
      this.logger = saved;
    }
  }

  /** fastai's name for withoutLogging. */
  noLogging<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.withoutLogging(fn);
  }

  /** Runs a validation pass (the valid loader, or dl) and returns [loss, ...metrics]; it logs nothing and
   * leaves the fit's history alone. */
  async validate(o: { dl?: DataLoader<any>; cbs?: CallbackInput[] } = {}): Promise<(number | undefined)[]> {
    return this.withCbs(o.cbs ?? [], () => this.withoutLogging(async () => {
      this.validatingOnly = true;
      try {
        await this.event('beforeFit');
        await this.event('beforeEpoch');
        await this.doEpochValidate(o.dl);
        await this.event('afterEpoch');
        await this.event('afterFit');
      } finally {
        this.validatingOnly = false;
        this.endCleanup();
      }
      return this.finalRecord;
    }));
  }
}
