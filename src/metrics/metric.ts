// Metric: reset before a phase, accumulate after each batch, value at the end. Running sums stay on the
// data's device; `value` is the one host read, once per phase.
import * as torch from '../torch/index.js';
import { type RankSync, sumOverRanks } from './sync.js';
import type { Tensor } from '../torch/index.js';
import {
  TRANSFORM_KEYS,
  checkDimOf,
  describe,
  fail,
  checkFunction,
  checkNumber,
  checkOptions,
  checkState,
  checkString,
  checkTensor,
  checkTransform,
  guard,
  named,
} from './check.js';

export type Activation = 'none' | 'softmax' | 'binarySoftmax' | 'sigmoid';

/** How raw predictions become what the metric function compares (fastai's AccumMetric rules). */
export interface PredTransform {
  /** Argmax over this dim when no activation is set (class predictions). */
  dimArgmax?: number;
  activation?: Activation;
  /** pred >= thresh (after the activation). */
  thresh?: number;
}

/** Applies activation (softmax over dimArgmax, or -1), argmax, and threshold, as AccumMetric does. */
export function transformPreds(pred: Tensor, t: PredTransform): Tensor {
  const fn = 'metrics.transformPreds';
  checkTensor(fn, 'pred', pred);
  t = checkTransform(fn, checkOptions(fn, t, TRANSFORM_KEYS, 'transform'), 'transform');
  const dim = t.dimArgmax ?? -1;
  const act = t.activation ?? 'none';
  if (act === 'softmax' || act === 'binarySoftmax' || (act === 'none' && t.dimArgmax !== undefined))
    checkDimOf(fn, 'transform.dimArgmax', dim, pred, 'pred');
  return guard(fn, () => torch.tidy(() => applyTransform(pred, t)));
}

/** transformPreds without the checks (the metrics check their options when made). */
export function applyTransform(pred: Tensor, t: PredTransform): Tensor {
  const dim = t.dimArgmax ?? -1;
  let p = pred;
  const act = t.activation ?? 'none';
  // a 0-d prediction has no class axis to reduce over
  if (p.ndim === 0 && (act !== 'none' || t.dimArgmax !== undefined) && act !== 'sigmoid') {
    throw new torch.FlintError(`a 0-d prediction has no class axis for ${act === 'none' ? 'argmax' : act}`);
  }
  if (act === 'softmax') p = p.softmax(dim);
  else if (act === 'binarySoftmax') p = p.softmax(dim).select(-1, p.shape[p.ndim - 1]! - 1);
  else if (act === 'sigmoid') p = p.sigmoid();
  else if (t.dimArgmax !== undefined) p = p.argmax(t.dimArgmax);
  if (t.thresh !== undefined) p = p.ge(t.thresh);
  return p;
}

/** What a metric reads from the learner after a batch (the Learner satisfies it). */
export interface BatchState {
  readonly pred: Tensor | null;
  readonly yb: Tensor[];
  readonly loss: Tensor | null;
  /** The named parts of the loss, when the loss function has them (nn.MultiLoss). */
  readonly lossParts?: Record<string, Tensor> | null;
}

const labels = new WeakMap<object, string>();
/** Where a metric keeps its accumulate label ('Metric.accumulate (metrics.F1Score)'), built on first use. */
const ACCUMULATE = Symbol('accumulate label');
/** Marks a built-in metric with the public name that made it ('metrics.F1Score'), for error messages. */
export function labelled<M extends object>(m: M, fn: string): M {
  labels.set(m, fn);
  if (m instanceof Metric) m[ACCUMULATE] = undefined;
  return m;
}
/** What error messages call a metric: its public maker's name, or its column name. */
export function labelOf(m: Metric): string {
  return labels.get(m) ?? m.name;
}
/** The name accumulate's errors carry, made once per metric (not per batch). */
export function accumulateLabel(m: Metric): string {
  return (m[ACCUMULATE] ??= `Metric.accumulate (${labelOf(m)})`);
}

export abstract class Metric {
  /** Which phases log it (fastxtend): the Recorder makes train_x / valid_x columns accordingly. */
  logMetric: 'train' | 'valid' | 'both' = 'valid';
  /** @internal see accumulateLabel */
  [ACCUMULATE]: string | undefined;
  abstract reset(): void;
  abstract accumulate(s: BatchState): void;
  /** The value over the phase (undefined before anything was accumulated). */
  abstract get value(): number | undefined;
  /**
   * Combines the state this rank accumulated over its shard of a data-parallel validation with the other ranks',
   * so the value is the whole validation set's (the DistributedTrainer calls it after the last batch, before the
   * value is read). Metrics that keep state override it.
   */
  async syncRanks(_sync: RankSync): Promise<void> {
    throw new torch.FlintError(
      `${labelOf(this)}: cannot be combined across the ranks of a data-parallel validation (its class has no syncRanks method)`,
    );
  }
  /** The metric on one batch of predictions and targets (fastai: calling the metric). */
  compute(preds: Tensor, targs: Tensor): number {
    const fn = 'Metric.compute';
    checkTensor(fn, 'preds', preds);
    checkTensor(fn, 'targs', targs);
    return guard(`${fn} (${labelOf(this)})`, () => this.computeBatch(preds, targs));
  }
  /** What compute does once its arguments are checked; metrics that have a one-batch value override it. */
  protected computeBatch(_preds: Tensor, _targs: Tensor): number {
    throw new torch.FlintError(`Metric.compute: ${this.name} is computed from the learner's state during a fit, not from one batch of predictions`);
  }
  /** The column name: the class name without 'Metric', lower camel case. */
  get name(): string {
    const base = this.constructor.name.replace(/Metric$/, '');
    return base[0]!.toLowerCase() + base.slice(1);
  }
}

const ADD = Symbol('RunningMean add without the checks');

/** A batch-size weighted device sum, read once. */
export class RunningMean {
  private total: Tensor | null = null;
  /** The total's device, read once when it is made (a device query is a native call). */
  private device = '';
  count = 0;
  reset(): void {
    this.total?.dispose();
    this.total = null;
    this.count = 0;
  }
  /** total += value * n: one native op per batch (the value is detached: metrics never need its graph). */
  add(batchValue: Tensor, n: number): void {
    const fn = 'RunningMean.add';
    checkTensor(fn, 'batchValue', batchValue);
    checkNumber(fn, 'n', n, { min: 0 });
    if (this.total !== null && batchValue.device !== this.device)
      fail(fn, 'batchValue', `a tensor on ${this.device}, like the earlier values`, batchValue);
    named(fn, () => this[ADD](batchValue, n));
  }
  /** add for the metrics here (not public: a symbol this module keeps): their values are checked live already,
   * and a tensor on another device than the total fails in add_, which the metric's guard names. */
  [ADD](v: Tensor, n: number): void {
    if (v.numel() !== 1 || v.dtype === 'bool' || v.dtype.startsWith('complex')) fail('RunningMean.add', 'batchValue', 'a one-element real tensor', v);
    if (this.total === null) {
      this.total = torch.tidy(() => v.detach().double().mul(n)).keep();
      this.device = this.total.device;
    } else this.total.add_(v.requiresGrad ? v.detach() : v, n); // a flag read is cheaper than a new handle
    this.count += n;
  }
  get value(): number | undefined {
    return this.total === null || this.count === 0 ? undefined : this.total.item() / this.count;
  }
  /** The total and count over every rank (see Metric.syncRanks). */
  async syncRanks(): Promise<void> {
    const [total, count] = await sumOverRanks([this.total === null ? 0 : this.total.item(), this.count]);
    const device = this.device || 'cpu';
    this.total?.dispose();
    this.total = (count as number) === 0 ? null : torch.tensor(total as number, { dtype: 'float64', device });
    this.device = device;
    this.count = count as number;
  }
}

/** Items in a batch: the first target's first dimension (or the prediction's when there are no targets). */
export function batchSize(s: BatchState): number {
  return itemsIn(checkState('metrics.batchSize', s));
}
/** batchSize of a state already checked (accumulate checks it once). */
function itemsIn(s: BatchState): number {
  const t = s.yb[0] ?? s.pred;
  return t && t.ndim > 0 ? t.shape[0]! : 1;
}

/** A loss as one value: its mean, in its own precision (a float64 loss stays float64). Half types are averaged
 * in float32 and integers in float64 (libtorch's mean takes no integers). */
function lossValue(x: Tensor): Tensor {
  if (x.ndim === 0) return x;
  const d = x.dtype;
  return (d === 'float32' || d === 'float64' ? x : d === 'float16' || d === 'bfloat16' ? x.float() : x.double()).mean();
}

/** A metric made from func(pred, ...targets) on transformed predictions; subclasses say how batches combine. */
abstract class FuncMetric extends Metric {
  /** transform: activation, argmax and threshold applied to predictions first (fastxtend: every metric has them). */
  constructor(
    readonly func: (pred: Tensor, ...targets: Tensor[]) => Tensor,
    protected readonly funcName: string | undefined,
    readonly transform: PredTransform,
    fn = 'metrics.AvgMetric',
  ) {
    super();
    checkFunction(fn, 'func', func);
    if (funcName !== undefined) checkString(fn, 'funcName', funcName);
    checkTransform(fn, checkOptions(fn, transform, TRANSFORM_KEYS, 'transform'), 'transform');
    labelled(this, `${fn}(${this.name})`);
  }
  /** func on one batch's (transformed) predictions: a tensor of one value. */
  protected apply(pred: Tensor, targets: Tensor[]): Tensor {
    const r: unknown = this.func(applyTransform(pred, this.transform), ...targets);
    if (!(r instanceof torch.Tensor) || r.isDisposed || r.numel() !== 1) {
      throw new torch.FlintError(`the metric function returned ${describe(r)}; it must return a one-element tensor`);
    }
    return r;
  }
  protected override computeBatch(preds: Tensor, targs: Tensor): number {
    return torch.tidy(() => this.apply(preds, [targs]).item<number>());
  }
  override get name(): string {
    return this.funcName ?? (this.func.name || 'metric');
  }
}

/** func(pred, ...targets) averaged over the phase, weighted by batch size. Right for accuracy-like metrics,
 * wrong for those that do not average over batches (RMSE, F1, AUC...). */
export class AvgMetric extends FuncMetric {
  private readonly mean = new RunningMean();
  constructor(func: (pred: Tensor, ...targets: Tensor[]) => Tensor, funcName?: string, transform: PredTransform = {}) {
    super(func, funcName, transform);
  }
  reset(): void {
    this.mean.reset();
  }
  accumulate(s: BatchState): void {
    checkState('Metric.accumulate', s);
    const pred = s.pred;
    if (!pred) return;
    guard(accumulateLabel(this), () =>
      torch.tidy(() => {
        this.mean[ADD](this.apply(pred, s.yb), itemsIn(s));
      }),
    );
  }
  get value(): number | undefined {
    return this.mean.value;
  }
  override syncRanks(): Promise<void> {
    return this.mean.syncRanks();
  }
}

/** The mean loss over the phase, weighted by batch size. */
export class AvgLoss extends Metric {
  private readonly mean = new RunningMean();
  reset(): void {
    this.mean.reset();
  }
  accumulate(s: BatchState): void {
    checkState('Metric.accumulate', s);
    const loss = s.loss;
    if (loss)
      guard(accumulateLabel(this), () =>
        torch.tidy(() => {
          this.mean[ADD](lossValue(loss), itemsIn(s));
        }),
      );
  }
  get value(): number | undefined {
    return this.mean.value;
  }
  override syncRanks(): Promise<void> {
    return this.mean.syncRanks();
  }
  override get name(): string {
    return 'loss';
  }
}

/** A smoothing factor in [0, 1) (1 would divide by 1 - beta^n = 0). */
function checkBeta(fn: string, beta: unknown): void {
  checkNumber(fn, 'beta', beta, { min: 0 });
  if ((beta as number) >= 1) fail(fn, 'beta', 'a number >= 0 and < 1', beta);
}

/** Exponential smoothing, val = beta val + (1 - beta) x, debiased by 1 - beta^count. It only keeps each batch's
 * (device) value; the smoothing runs on the host when a value is asked for, folding in every pending batch
 * with one read. */
class Smoother {
  private pending: Tensor[] = [];
  private val = 0;
  private folded = 0;
  private smoothed: number[] = [];
  constructor(readonly beta: number) {}
  get count(): number {
    return this.folded + this.pending.length;
  }
  reset(): void {
    torch.dispose(this.pending);
    this.pending = [];
    this.val = 0;
    this.folded = 0;
    this.smoothed = [];
  }
  /** Takes ownership of a 0-dim tensor. */
  push(x: Tensor): void {
    this.pending.push(x.keep());
  }
  private flush(): void {
    if (this.pending.length === 0) return;
    const values = torch.tidy(() => Array.from(torch.stack(this.pending).double().toTypedArray() as Float64Array));
    torch.dispose(this.pending);
    this.pending = [];
    for (const v of values) {
      this.folded += 1;
      this.val = this.beta * this.val + (1 - this.beta) * v;
      this.smoothed.push(this.val / (1 - this.beta ** this.folded));
    }
  }
  takeSmoothed(): number[] {
    this.flush();
    const out = this.smoothed;
    this.smoothed = [];
    return out;
  }
  get value(): number | undefined {
    this.flush();
    return this.folded === 0 ? undefined : this.val / (1 - this.beta ** this.folded);
  }
}

/** The exponentially smoothed training loss (per batch it only keeps the batch's loss). */
export class AvgSmoothLoss extends Metric {
  private readonly s: Smoother;
  constructor(readonly beta = 0.98) {
    super();
    checkBeta('metrics.AvgSmoothLoss', beta);
    this.s = new Smoother(beta);
  }
  get count(): number {
    return this.s.count;
  }
  reset(): void {
    this.s.reset();
  }
  accumulate(b: BatchState): void {
    checkState('Metric.accumulate', b);
    const loss = b.loss;
    if (!loss) return;
    if (loss.numel() === 0 || loss.dtype === 'bool' || loss.dtype.startsWith('complex'))
      fail('Metric.accumulate', 'state.loss', 'a non-empty real tensor', loss);
    // a 0-d loss is detached (a new handle, no copy): the smoother frees what it holds, and the caller's loss
    // must outlive a mid-epoch read of the value (a progress-bar redraw)
    this.s.push(torch.tidy(() => (loss.ndim === 0 ? loss.detach() : lossValue(loss))));
  }
  /** The smoothed value after each batch since the last call (the Recorder's `losses`). */
  takeSmoothed(): number[] {
    return this.s.takeSmoothed();
  }
  get value(): number | undefined {
    return this.s.value;
  }
  /** Smoothed per batch: each rank keeps its own (only rank 0's is shown). */
  override async syncRanks(): Promise<void> {}
  override get name(): string {
    return 'loss';
  }
}

/** A metric smoothed like the training loss (fastxtend's AvgSmoothMetric); logs on the training phase. */
export class AvgSmoothMetric extends FuncMetric {
  private readonly s: Smoother;
  override logMetric: 'train' | 'valid' | 'both' = 'train';
  constructor(
    func: (pred: Tensor, ...targets: Tensor[]) => Tensor,
    readonly beta = 0.98,
    funcName?: string,
    transform: PredTransform = {},
  ) {
    super(func, funcName, transform, 'metrics.AvgSmoothMetric');
    checkBeta('metrics.AvgSmoothMetric', beta);
    this.s = new Smoother(beta);
  }
  reset(): void {
    this.s.reset();
  }
  accumulate(b: BatchState): void {
    checkState('Metric.accumulate', b);
    const pred = b.pred;
    if (pred) this.s.push(guard(accumulateLabel(this), () => torch.tidy(() => this.apply(pred.detach(), b.yb).double().reshape([]))));
  }
  get value(): number | undefined {
    return this.s.value;
  }
  /** Smoothed per batch: each rank keeps its own (only rank 0's is shown). */
  override async syncRanks(): Promise<void> {}
}

/** One named part of a multi-part loss, averaged over the phase; logged on both phases. */
export class LossPartMetric extends Metric {
  private readonly mean = new RunningMean();
  override logMetric: 'train' | 'valid' | 'both' = 'both';
  constructor(readonly part: string) {
    super();
    checkString('metrics.LossPartMetric', 'part', part);
  }
  reset(): void {
    this.mean.reset();
  }
  accumulate(s: BatchState): void {
    checkState('Metric.accumulate', s);
    const v = s.lossParts && Object.hasOwn(s.lossParts, this.part) ? s.lossParts[this.part] : undefined;
    if (v)
      guard(accumulateLabel(this), () =>
        torch.tidy(() => {
          this.mean[ADD](lossValue(v), itemsIn(s));
        }),
      );
  }
  get value(): number | undefined {
    return this.mean.value;
  }
  override syncRanks(): Promise<void> {
    return this.mean.syncRanks();
  }
  override get name(): string {
    return this.part;
  }
}

/** A value computed elsewhere, reported under a name: by default the function's (fastai: func.__name__). */
export class ValueMetric extends Metric {
  constructor(
    readonly func: () => number,
    private readonly valueName?: string,
  ) {
    super();
    checkFunction('metrics.ValueMetric', 'func', func);
    if (valueName !== undefined) checkString('metrics.ValueMetric', 'name', valueName);
  }
  reset(): void {}
  accumulate(s: BatchState): void {
    checkState('Metric.accumulate', s);
  }
  get value(): number {
    return this.func();
  }
  /** Computed elsewhere: nothing to combine. */
  override async syncRanks(): Promise<void> {}
  // an empty name falls back too (fastai tests the name for truth); an anonymous function has no name to give
  override get name(): string {
    return this.valueName || this.func.name || 'value';
  }
}
