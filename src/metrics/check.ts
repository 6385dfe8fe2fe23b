// Argument checks shared by the metrics: options, batch states, sample weights; and `guard`, which makes a
// failure inside a metric's computation name the public method and the metric.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import {
  checkArray,
  checkBool,
  checkDim,
  checkFunction,
  checkInt,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkString,
  checkTensor,
  describe,
  fail,
  isTensorLike,
  named,
  nameError,
} from '../torch/validate.js';
import type { Activation, BatchState, PredTransform } from './metric.js';

export {
  checkArray,
  checkBool,
  checkDim,
  checkFunction,
  checkInt,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkString,
  checkTensor,
  describe,
  fail,
  named,
};

/**
 * Runs f; its errors name `fn` ('Metric.accumulate (metrics.F1Score)'). A FlintError keeps its class and fields
 * (an ArgumentError stays one) and gets the name in front, unless a check of the same method already named it;
 * anything else (a user's metric function throwing a TypeError) becomes a FlintError with it as the cause.
 */
export function guard<T>(fn: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof torch.FlintError) {
      // already named by a check of this method ('Metric.accumulate: expected ...'): as it is
      const method = fn.indexOf(' (') < 0 ? fn : fn.slice(0, fn.indexOf(' ('));
      throw e.message.startsWith(method) ? e : nameError(fn, e);
    }
    throw new torch.FlintError(`${fn}: ${e instanceof Error ? e.message : describe(e)}`, { cause: e });
  }
}

/** The state a metric reads after a batch: pred and loss null or live tensors, yb an array of live tensors.
 * It runs once per metric per batch: plain loops, and argument labels built only on a failure. */
export function checkState(fn: string, s: BatchState): BatchState {
  if (s === null || typeof s !== 'object' || isTensorLike(s)) fail(fn, 'state', 'a batch state (the learner: { pred, yb, loss })', s);
  if (s.pred !== null && s.pred !== undefined) checkTensor(fn, 'state.pred', s.pred);
  if (s.loss !== null && s.loss !== undefined) checkTensor(fn, 'state.loss', s.loss);
  const yb = s.yb;
  if (!Array.isArray(yb)) fail(fn, 'state.yb', 'an array of target tensors', yb);
  for (let i = 0; i < yb.length; i++) if (!isLive(yb[i])) checkTensor(fn, `state.yb[${i}]`, yb[i]);
  const parts = s.lossParts;
  if (parts !== null && parts !== undefined) {
    if (typeof parts !== 'object' || isTensorLike(parts)) fail(fn, 'state.lossParts', 'an object of loss tensors', parts);
    for (const k in parts) if (Object.hasOwn(parts, k) && !isLive(parts[k])) checkTensor(fn, `state.lossParts.${k}`, parts[k]);
  }
  return s;
}

/** checkTensor's test without its label: a live Flint tensor. */
function isLive(v: unknown): boolean {
  return isTensorLike(v) && !(v as Tensor).isDisposed;
}

/** A sample weight per item: a live tensor, or an array of finite non-negative numbers. */
export function checkSampleWeight(fn: string, arg: string, v: unknown): Tensor | readonly number[] | undefined {
  if (v === undefined) return undefined;
  if (isTensorLike(v)) {
    const t = checkTensor(fn, arg, v as Tensor);
    if (t.dtype === 'bool' || t.dtype.startsWith('complex')) fail(fn, arg, 'real-valued weights', t);
    return t;
  }
  const a = checkArray(fn, arg, v, 'a tensor or an array of weights');
  a.forEach((w, i) => checkNumber(fn, `${arg}[${i}]`, w, { min: 0 }));
  return a as number[];
}

const ACTIVATIONS: readonly Activation[] = ['none', 'softmax', 'binarySoftmax', 'sigmoid'];
export const TRANSFORM_KEYS = ['dimArgmax', 'activation', 'thresh'] as const;

/** The activation / argmax / threshold options (each optional). */
export function checkTransform(fn: string, o: PredTransform, prefix = 'options'): PredTransform {
  if (o.dimArgmax !== undefined) checkDim(fn, `${prefix}.dimArgmax`, o.dimArgmax);
  if (o.activation !== undefined) checkOneOf(fn, `${prefix}.activation`, o.activation, ACTIVATIONS);
  if (o.thresh !== undefined) checkNumber(fn, `${prefix}.thresh`, o.thresh);
  return o;
}

/** Checks that `dim` is a dimension of x (for argmax, softmax...), before libtorch does. */
export function checkDimOf(fn: string, arg: string | (() => string), dim: number, x: Tensor, what = 'preds'): void {
  const n = Math.max(x.ndim, 1);
  // arg may be a function, so that a label made of a metric's name is only built on a failure
  if (dim < -n || dim >= n) fail(fn, typeof arg === 'string' ? arg : arg(), `a dimension of ${what} (${x.ndim}-d: in [${-n}, ${n}))`, dim);
}
