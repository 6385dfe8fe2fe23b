// Accuracy-like metrics (averaged over batches, so AvgMetric is right for them).
import type { Tensor } from '../torch/index.js';

/** Fraction of predictions (argmax over axis) equal to the targets. */
export function accuracy(input: Tensor, target: Tensor, axis = -1): Tensor {
  const pred = input.argmax(axis);
  return pred.eq(target.reshape([...pred.shape])).float().mean();
}

/** 1 - accuracy. */
export function errorRate(input: Tensor, target: Tensor, axis = -1): Tensor {
  return accuracy(input, target, axis).neg().add(1);
}
