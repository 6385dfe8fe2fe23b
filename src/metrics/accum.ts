// AccumMetric: keeps the phase's predictions and targets (on the device) and computes the metric once, for
// metrics that do not average over batches (F1, AUC, RMSE...). skmToFlint wraps any scikit-learn style
// `(yTrue, yPred) => number` function.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { type BatchState, Metric } from './metric.js';

import { type Activation, type PredTransform, transformPreds } from './metric.js';
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

export class AccumMetric extends Metric {
  private preds: Tensor[] = [];
  private targs: Tensor[] = [];
  constructor(readonly func: MetricFunc, readonly o: AccumOptions = {}) {
    super();
  }
  reset(): void {
    torch.dispose([this.preds, this.targs]);
    this.preds = [];
    this.targs = [];
  }
  accumulate(s: BatchState): void {
    if (!s.pred || !s.yb[0]) return;
    this.preds.push(torch.tidy(() => transformPreds(s.pred!.detach(), this.o)).keep());
    this.targs.push(s.yb[0].detach().keep());
  }
  /** The metric on one batch of raw predictions and targets. */
  override compute(preds: Tensor, targs: Tensor): number {
    return torch.tidy(() => this.apply(transformPreds(preds, this.o), targs));
  }
  private apply(p: Tensor, t: Tensor): number {
    if (this.o.flatten ?? true) {
      p = p.flatten();
      t = t.flatten();
      if (p.shape[0] !== t.shape[0]) {
        throw new torch.TorchError(`${this.name}: ${p.shape[0]} predictions but ${t.shape[0]} targets after flattening (check dimArgmax, activation and flatten)`);
      }
    }
    const host = (x: Tensor): ArrayLike<number> => Array.from(x.toTypedArray() as ArrayLike<number | bigint>, Number);
    const [a, b] = this.o.toArray ? [host(p), host(t)] : [p, t];
    const r = this.o.invertArgs ? this.func(b, a, this.o.kwargs) : this.func(a, b, this.o.kwargs);
    return typeof r === 'number' ? r : r.item<number>();
  }
  get value(): number | undefined {
    if (this.preds.length === 0) return undefined;
    return torch.tidy(() => this.apply(torch.cat(this.preds, 0), torch.cat(this.targs, 0)));
  }
  override get name(): string {
    return this.o.name ?? (this.func.name || 'metric');
  }
}

/** Wraps a scikit-learn style `(yTrue, yPred) => number` function on host arrays (fastai's skm_to_fastai):
 * class predictions by argmax over `axis`, or by `thresh` on the sigmoid. */
export function skmToFlint(func: (yTrue: ArrayLike<number>, yPred: ArrayLike<number>, kwargs?: Record<string, unknown>) => number,
  o: { isClass?: boolean; thresh?: number; axis?: number; activation?: Activation; name?: string; kwargs?: Record<string, unknown> } = {}): AccumMetric {
  const isClass = o.isClass ?? true;
  const dimArgmax = isClass && o.thresh === undefined ? (o.axis ?? -1) : undefined;
  const activation = isClass && o.thresh !== undefined ? 'sigmoid' : (o.activation ?? 'none');
  return new AccumMetric(func as MetricFunc, { dimArgmax, activation, thresh: o.thresh, toArray: true, invertArgs: true, flatten: true,
    name: o.name ?? func.name, kwargs: o.kwargs });
}
