// Accuracy-like metrics (averaged over batches, so AvgMetric is right for them).
import type { Tensor } from '../torch/index.js';
import { checkDim, checkDimOf, checkTensor, fail } from './check.js';

function check(fn: string, input: Tensor, target: Tensor, axis: number): void {
  checkTensor(fn, 'input', input);
  checkTensor(fn, 'target', target);
  checkDim(fn, 'axis', axis);
  if (input.ndim === 0) fail(fn, 'input', 'scores with a class axis', input);
  checkDimOf(fn, 'axis', axis, input, 'input');
  const n = input.numel() / (input.shape[axis < 0 ? axis + input.ndim : axis] || 1);
  if (target.numel() !== n) fail(fn, 'target', `${n} class indices (one per prediction)`, target);
  if (target.device !== input.device) fail(fn, 'target', `a tensor on ${input.device} like input`, target);
}

/** Fraction of predictions (argmax over axis) equal to the targets. */
export function accuracy(input: Tensor, target: Tensor, axis = -1): Tensor {
  check('metrics.functions.accuracy', input, target, axis);
  return raw(input, target, axis);
}

function raw(input: Tensor, target: Tensor, axis: number): Tensor {
  const pred = input.argmax(axis);
  return pred
    .eq(target.reshape([...pred.shape]))
    .float()
    .mean();
}

/** 1 - accuracy. */
export function errorRate(input: Tensor, target: Tensor, axis = -1): Tensor {
  check('metrics.functions.errorRate', input, target, axis);
  return raw(input, target, axis).neg().add(1);
}
