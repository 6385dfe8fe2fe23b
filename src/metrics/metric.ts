// Metric: reset before a phase, accumulate after each batch, value at the end. Running sums stay on the
// data's device; `value` is the one host read, once per phase.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

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
  const dim = t.dimArgmax ?? -1;
  let p = pred;
  const act = t.activation ?? 'none';
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

export abstract class Metric {
  /** Which phases log it (fastxtend): the Recorder makes train_x / valid_x columns accordingly. */
  logMetric: 'train' | 'valid' | 'both' = 'valid';
  abstract reset(): void;
  abstract accumulate(s: BatchState): void;
  /** The value over the phase (undefined before anything was accumulated). */
  abstract get value(): number | undefined;
  /** The metric on one batch of predictions and targets (fastai: calling the metric). */
  compute(_preds: Tensor, _targs: Tensor): number {
    throw new torch.TorchError(`${this.name} is computed from the learner's state during a fit, not from one batch of predictions`);
  }
  /** The column name: the class name without 'Metric', lower camel case. */
  get name(): string {
    const base = this.constructor.name.replace(/Metric$/, '');
    return base[0]!.toLowerCase() + base.slice(1);
  }
}

/** A batch-size weighted device sum, read once. */
export class RunningMean {
  private total: Tensor | null = null;
  count = 0;
  reset(): void {
    this.total?.dispose();
    this.total = null;
    this.count = 0;
  }
  /** total += value * n: one native call per batch (the value is detached: metrics never need its graph). */
  add(batchValue: Tensor, n: number): void {
    if (this.total === null) this.total = torch.tidy(() => batchValue.detach().double().mul(n)).keep();
    else this.total.add_(batchValue.detach(), n);
    this.count += n;
  }
  get value(): number | undefined {
    return this.total === null || this.count === 0 ? undefined : this.total.item() / this.count;
  }
}

/** Items in a batch: the first target's first dimension (or the prediction's when there are no targets). */
export function batchSize(s: BatchState): number {
  const t = s.yb[0] ?? s.pred;
  return t && t.ndim > 0 ? t.shape[0]! : 1;
}

/** A metric made from func(pred, ...targets) on transformed predictions; subclasses say how batches combine. */
abstract class FuncMetric extends Metric {
  /** transform: activation, argmax and threshold applied to predictions first (fastxtend: every metric has them). */
  constructor(readonly func: (pred: Tensor, ...targets: Tensor[]) => Tensor, protected readonly funcName: string | undefined,
    readonly transform: PredTransform) {
    super();
  }
  /** func on one batch's (transformed) predictions. */
  protected apply(pred: Tensor, targets: Tensor[]): Tensor {
    return this.func(transformPreds(pred, this.transform), ...targets);
  }
  override compute(preds: Tensor, targs: Tensor): number {
    return torch.tidy(() => this.apply(preds, [targs]).item<number>());
  }
  override get name(): string { return this.funcName ?? (this.func.name || 'metric'); }
}

/** func(pred, ...targets) averaged over the phase, weighted by batch size. Right for accuracy-like metrics,
 * wrong for those that do not average over batches (RMSE, F1, AUC...). */
export class AvgMetric extends FuncMetric {
  private readonly mean = new RunningMean();
  constructor(func: (pred: Tensor, ...targets: Tensor[]) => Tensor, funcName?: string, transform: PredTransform = {}) {
    super(func, funcName, transform);
  }
  reset(): void { this.mean.reset(); }
  accumulate(s: BatchState): void {
    if (!s.pred) return;
    torch.tidy(() => this.mean.add(this.apply(s.pred!, s.yb), batchSize(s)));
  }
  get value(): number | undefined { return this.mean.value; }
}

/** The mean loss over the phase, weighted by batch size. */
export class AvgLoss extends Metric {
  private readonly mean = new RunningMean();
  reset(): void { this.mean.reset(); }
  accumulate(s: BatchState): void {
    if (s.loss) torch.tidy(() => this.mean.add(s.loss!.ndim === 0 ? s.loss! : s.loss!.mean(), batchSize(s)));
  }
  get value(): number | undefined { return this.mean.value; }
  override get name(): string { return 'loss'; }
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
  get count(): number { return this.folded + this.pending.length; }
  reset(): void {
    torch.dispose(this.pending);
    this.pending = [];
    this.val = 0;
    this.folded = 0;
    this.smoothed = [];
  }
  /** Takes ownership of a 0-dim tensor. */
  push(x: Tensor): void { this.pending.push(x.keep()); }
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
  constructor(readonly beta = 0.98) { super(); this.s = new Smoother(beta); }
  get count(): number { return this.s.count; }
  reset(): void { this.s.reset(); }
  accumulate(b: BatchState): void {
    if (b.loss) this.s.push(b.loss.ndim === 0 ? b.loss : torch.tidy(() => b.loss!.mean()));
  }
  /** The smoothed value after each batch since the last call (the Recorder's `losses`). */
  takeSmoothed(): number[] { return this.s.takeSmoothed(); }
  get value(): number | undefined { return this.s.value; }
  override get name(): string { return 'loss'; }
}

/** A metric smoothed like the training loss (fastxtend's AvgSmoothMetric); logs on the training phase. */
export class AvgSmoothMetric extends FuncMetric {
  private readonly s: Smoother;
  override logMetric: 'train' | 'valid' | 'both' = 'train';
  constructor(func: (pred: Tensor, ...targets: Tensor[]) => Tensor, readonly beta = 0.98, funcName?: string, transform: PredTransform = {}) {
    super(func, funcName, transform);
    this.s = new Smoother(beta);
  }
  reset(): void { this.s.reset(); }
  accumulate(b: BatchState): void {
    if (b.pred) this.s.push(torch.tidy(() => this.apply(b.pred!.detach(), b.yb).double()));
  }
  get value(): number | undefined { return this.s.value; }
}

/** One named part of a multi-part loss, averaged over the phase; logged on both phases. */
export class LossPartMetric extends Metric {
  private readonly mean = new RunningMean();
  override logMetric: 'train' | 'valid' | 'both' = 'both';
  constructor(readonly part: string) { super(); }
  reset(): void { this.mean.reset(); }
  accumulate(s: BatchState): void {
    const v = s.lossParts?.[this.part];
    if (v) torch.tidy(() => this.mean.add(v.ndim === 0 ? v : v.mean(), batchSize(s)));
  }
  get value(): number | undefined { return this.mean.value; }
  override get name(): string { return this.part; }
}

/** A value computed elsewhere, reported under a name. */
export class ValueMetric extends Metric {
  constructor(readonly func: () => number, private readonly valueName: string) { super(); }
  reset(): void {}
  accumulate(): void {}
  get value(): number { return this.func(); }
  override get name(): string { return this.valueName; }
}
