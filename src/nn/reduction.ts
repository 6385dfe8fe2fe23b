// fastai's NoneReduce: some recipes (getPreds withLoss, MixUp) need a loss function's per-item losses. The
// reduction lives on the loss module, or on the module a flattened loss wraps (`func`).
import { runThenRestore } from '../torch/restore.js';
import { checkFunction, checkString, fail } from '../torch/validate.js';
import type { LossFunction } from './loss-function.js';

export type ReductionHolder = { reduction: string };

/** The loss function itself when it has a `reduction` option (nn's losses, flattened ones forwarding to the loss
 * they wrap), or null when it has none (a plain function). */
export function reductionHolder(lossFunc: unknown): ReductionHolder | null {
  const f = lossFunc as LossFunction | null;
  return (typeof f === 'object' || typeof f === 'function') && f !== null && typeof f.reduction === 'string' ? (f as ReductionHolder) : null;
}

/** Runs fn with the loss function's reduction set to 'none', restoring it afterwards; fn may be async. */
export function withNoneReduce<T>(lossFunc: unknown, what: string, fn: () => T): T {
  checkString('nn.withNoneReduce', 'what', what);
  checkFunction('nn.withNoneReduce', 'fn', fn);
  const holder = reductionHolder(lossFunc);
  if (!holder)
    fail(what || 'nn.withNoneReduce', 'the loss function', "a loss module with a reduction option (nn.withNoneReduce sets it to 'none')", lossFunc);
  const saved = holder.reduction;
  holder.reduction = 'none';
  return runThenRestore(fn, () => {
    holder.reduction = saved;
  });
}
