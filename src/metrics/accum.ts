// AccumMetric: keeps the phase's predictions and targets (on the device) and computes the metric once, for
// metrics that do not average over batches (F1, AUC, RMSE...). skmToFlint wraps any scikit-learn style
// `(yTrue, yPred) => number` function.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { type BatchState, Metric } from './metric.js';
import { type RankSync, gatherInOrder } from './sync.js';
import {
  TRANSFORM_KEYS,
  checkBool,
  checkDim,
  checkFunction,
  checkOptions,
  checkState,
  checkString,
  checkTransform,
  describe,
  fail,
  guard,
} from './check.js';

import { type Activation, type PredTransform, accumulateLabel, applyTransform, labelOf, labelled, transformPreds } from './metric.js';
export { type Activation, type PredTransform, transformPreds };

export type MetricFunc = (preds: Tensor | ArrayLike<number>, targs: Tensor | ArrayLike<number>, kwargs?: Record<string, unknown>) => Tensor | number;

export interface AccumOptions extends PredTransform {
  /** Flatten predictions and targets to 1-d (default true); their lengths must then match. */
  flatten?: boolean;
  /** Hand the function host arrays instead of tensors (fastai's to_np). */
  toArray?: boolean;
  /** Call func(targs, preds), scikit-learn's order. */
  invertArgs?: boolean;
  name?: string;
  /** Passed to the function as a third argument (fastai's extra keyword arguments). */
  kwargs?: Record<string, unknown>;
}

const ACCUM_KEYS = [...TRANSFORM_KEYS, 'flatten', 'toArray', 'invertArgs', 'name', 'kwargs'] as const;

function checkKwargs(fn: string, arg: string, v: unknown): void {
  if (v !== undefined && (v === null || typeof v !== 'object' || Array.isArray(v))) fail(fn, arg, 'an object of keyword arguments', v);
}

export class AccumMetric extends Metric {
  private preds: Tensor[] = [];
  private targs: Tensor[] = [];
  readonly o: AccumOptions;
  constructor(
    readonly func: MetricFunc,
    options: AccumOptions = {},
  ) {
    super();
    const fn = 'metrics.AccumMetric';
    checkFunction(fn, 'func', func);
    const o = checkOptions(fn, options, ACCUM_KEYS);
    checkTransform(fn, o);
    for (const k of ['flatten', 'toArray', 'invertArgs'] as const) if (o[k] !== undefined) checkBool(fn, `options.${k}`, o[k]);
    if (o.name !== undefined) checkString(fn, 'options.name', o.name);
    checkKwargs(fn, 'options.kwargs', o.kwargs);
    this.o = { ...o };
    labelled(this, `${fn}(${this.name})`);
  }
  reset(): void {
    torch.dispose([this.preds, this.targs]);
    this.preds = [];
    this.targs = [];
  }
  accumulate(s: BatchState): void {
    checkState('Metric.accumulate', s);
    if (!s.pred || !s.yb[0]) return;
    const p = guard(accumulateLabel(this), () => torch.tidy(() => applyTransform(s.pred!.detach(), this.o)));
    this.preds.push(p.keep());
    this.targs.push(s.yb[0].detach().keep());
  }
  /** Every rank's predictions and targets, in dataset order (see Metric.syncRanks). */
  override async syncRanks(sync: RankSync): Promise<void> {
    const local = (ts: Tensor[]) => torch.tidy(() => torch.cat(ts, 0));
    const p = local(this.preds);
    const t = local(this.targs);
    try {
      const preds = await gatherInOrder(p, sync.items);
      const targs = await gatherInOrder(t, sync.items);
      this.reset();
      this.preds = [preds];
      this.targs = [targs];
    } finally {
      p.dispose();
      t.dispose();
    }
  }
  /** The metric on one batch of raw predictions and targets. */
  protected override computeBatch(preds: Tensor, targs: Tensor): number {
    return torch.tidy(() => this.apply(applyTransform(preds, this.o), targs));
  }
  private apply(p: Tensor, t: Tensor): number {
    if (this.o.flatten ?? true) {
      p = p.flatten();
      t = t.flatten();
      if (p.shape[0] !== t.shape[0]) {
        throw new torch.FlintError(`${p.shape[0]} predictions but ${t.shape[0]} targets after flattening (check dimArgmax, activation and flatten)`);
      }
    }
    const host = (x: Tensor): ArrayLike<number> => Array.from(x.toTypedArray() as ArrayLike<number | bigint>, Number);
    const [a, b] = this.o.toArray ? [host(p), host(t)] : [p, t];
    const r: unknown = this.o.invertArgs ? this.func(b, a, this.o.kwargs) : this.func(a, b, this.o.kwargs);
    if (typeof r === 'number') return r;
    if (r instanceof torch.Tensor && !r.isDisposed && r.numel() === 1) return r.item<number>();
    throw new torch.FlintError(`the metric function returned ${describe(r)}; it must return a number or a one-element tensor`);
  }
  get value(): number | undefined {
    if (this.preds.length === 0) return undefined;
    // batches of different widths (a class count that changed) cannot be joined: say which metric
    return guard(`Metric.value (${labelOf(this)})`, () => torch.tidy(() => this.apply(torch.cat(this.preds, 0), torch.cat(this.targs, 0))));
  }
  override get name(): string {
    return this.o.name ?? (this.func.name || 'metric');
  }
}

const SKM_KEYS = ['isClass', 'thresh', 'axis', 'activation', 'name', 'kwargs'] as const;

/** Wraps a scikit-learn style `(yTrue, yPred) => number` function on host arrays (fastai's skm_to_fastai):
 * class predictions by argmax over `axis`, or by `thresh` on the activation (the sigmoid unless one is given). */
export function skmToFlint(
  func: (yTrue: ArrayLike<number>, yPred: ArrayLike<number>, kwargs?: Record<string, unknown>) => number,
  options: { isClass?: boolean; thresh?: number; axis?: number; activation?: Activation; name?: string; kwargs?: Record<string, unknown> } = {},
): AccumMetric {
  const fn = 'metrics.skmToFlint';
  checkFunction(fn, 'func', func);
  const o = checkOptions(fn, options, SKM_KEYS);
  if (o.isClass !== undefined) checkBool(fn, 'options.isClass', o.isClass);
  if (o.axis !== undefined) checkDim(fn, 'options.axis', o.axis);
  checkTransform(fn, { activation: o.activation, thresh: o.thresh });
  if (o.name !== undefined) checkString(fn, 'options.name', o.name);
  checkKwargs(fn, 'options.kwargs', o.kwargs);
  const isClass = o.isClass ?? true;
  const dimArgmax = isClass && o.thresh === undefined ? (o.axis ?? -1) : undefined;
  // fastai: the sigmoid is only the default for classes with a threshold; an explicit activation ('none' too) wins
  const activation = o.activation ?? (isClass && o.thresh !== undefined ? 'sigmoid' : 'none');
  return labelled(
    new AccumMetric(func as MetricFunc, {
      dimArgmax,
      activation,
      thresh: o.thresh,
      toArray: true,
      invertArgs: true,
      flatten: true,
      name: o.name ?? (func.name || undefined),
      kwargs: o.kwargs,
    }),
    fn,
  );
}
