// What the Learner asks of a loss function beyond computing the loss (fastai's loss_func.activation, .decodes,
// .reduction; fastxtend's named parts). Every member is optional: any function (pred, ...targets) => Tensor or loss
// Module is a loss function; nn's losses implement the members they have.
import type { Tensor } from '../torch/index.js';
import { fail } from '../torch/validate.js';

export type Reduction = 'mean' | 'sum' | 'none';

export interface LossFunction {
  /** Raw model outputs to what getPreds returns (probabilities, values); identity when absent. */
  activation?(x: Tensor): Tensor;
  /** Activations to what predict returns (class indices, booleans, values); identity when absent. */
  decodes?(x: Tensor): Tensor;
  /** Settable: getPreds withLoss and MixUp switch it to 'none' for a pass (per-item losses). */
  reduction?: Reduction;
  /** The names of the loss's parts, each logged as a metric (nn.MultiLoss). */
  readonly partNames?: readonly string[];
  /** The last call's parts, by name (detached). */
  readonly lastParts?: Readonly<Record<string, Tensor>>;
}

function checkLoss(fn: string, f: unknown): LossFunction {
  if (f === null || (typeof f !== 'object' && typeof f !== 'function')) fail(fn, 'lossFunc', 'a loss function or loss module', f);
  return f as LossFunction;
}
/** The loss's activation, or the identity. */
export function lossActivation(lossFunc: LossFunction): (x: Tensor) => Tensor {
  const f = checkLoss('nn.lossActivation', lossFunc);
  return typeof f.activation === 'function' ? f.activation.bind(f) : (x) => x;
}
/** The loss's decodes, or the identity. */
export function lossDecodes(lossFunc: LossFunction): (x: Tensor) => Tensor {
  const f = checkLoss('nn.lossDecodes', lossFunc);
  return typeof f.decodes === 'function' ? f.decodes.bind(f) : (x) => x;
}
