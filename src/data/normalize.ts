// Normalization with statistics from the training split only (so nothing leaks from validation).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

export interface NormStats {
  mean: Tensor;
  std: Tensor;
}

/** Mean and standard deviation over `dims` (all dims by default), kept broadcastable. */
export function normStats(train: Tensor, dims?: number[]): NormStats {
  return torch.tidy(() => {
    const x = train.float();
    const d = dims ?? x.shape.map((_, i) => i);
    return { mean: x.mean(d, true), std: x.std(d, true, true) };
  });
}

/** (x - mean) / std. */
export function normalize(x: Tensor, stats: NormStats): Tensor {
  return torch.tidy(() => x.float().sub(stats.mean).div(stats.std));
}

/** Normalizes a training and a validation tensor with the training split's statistics. */
export function normalizeSplits(train: Tensor, valid: Tensor, dims?: number[]): { train: Tensor; valid: Tensor; stats: NormStats } {
  const stats = normStats(train, dims);
  return { train: normalize(train, stats), valid: normalize(valid, stats), stats };
}
