// Argument checks shared by the metrics: options, batch states, sample weights; and `guard`, which makes a
// failure inside a metric's computation name the public method and the metric.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkArray, checkBool, checkDim, checkFunction, checkInt, checkNumber, checkOneOf, checkOptions, checkString, checkTensor, describe, fail, isTensorLike } from '../torch/validate.js';
import type { Activation, BatchState, PredTransform } from './metric.js';

export { checkArray, checkBool, checkDim, checkFunction, checkInt, checkNumber, checkOneOf, checkOptions, checkString, checkTensor, describe, fail };

/** Runs f; an error that does not already name `fn` is re-thrown prefixed with it (a TorchError stays one). */
export function guard<T>(fn: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    // already named (by a check of this method, or of the same function): as it is
    if (e instanceof Error && e.message.startsWith(fn.split(' (')[0]!)) throw e;
    const msg = e instanceof Error ? e.message : describe(e);
    if (e instanceof torch.TorchError) {
      const t = new torch.TorchError(`${fn}: ${msg}`, { op: e.op, cause: e });
      t.inputs = e.inputs;
      t.torchMessage = e.torchMessage;
      throw t;
    }
    throw new torch.FlintError(`${fn}: ${msg}`, { cause: e });
  }
}

/** The state a metric reads after a batch: pred and loss null or live tensors, yb an array of live tensors. */
export function checkState(fn: string, s: BatchState): BatchState {
  if (s === null || typeof s !== 'object' || isTensorLike(s)) fail(fn, 'state', 'a batch state (the learner: { pred, yb, loss })', s);
  if (s.pred !== null && s.pred !== undefined) checkTensor(fn, 'state.pred', s.pred);
  if (s.loss !== null && s.loss !== undefined) checkTensor(fn, 'state.loss', s.loss);
  const yb = checkArray<Tensor>(fn, 'state.yb', s.yb, 'an array of target tensors');
  yb.forEach((t, i) => checkTensor(fn, `state.yb[${i}]`, t));
  if (s.lossParts !== null && s.lossParts !== undefined) {
    if (typeof s.lossParts !== 'object') fail(fn, 'state.lossParts', 'an object of loss tensors', s.lossParts);
    for (const [k, v] of Object.entries(s.lossParts)) checkTensor(fn, `state.lossParts.${k}`, v);
  }
  return s;
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
export function checkDimOf(fn: string, arg: string, dim: number, x: Tensor, what = 'preds'): void {
  const n = Math.max(x.ndim, 1);
  if (dim < -n || dim >= n) fail(fn, arg, `a dimension of ${what} (${x.ndim}-d: in [${-n}, ${n}))`, dim);
}
