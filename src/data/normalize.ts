// Normalization with statistics from the training split only (so nothing leaks from validation).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkDims, checkTensor, fail } from '../torch/validate.js';

export interface NormStats {
  mean: Tensor;
  std: Tensor;
}

/** A tensor of real values with at least one element (mean and std of nothing are NaN). */
function checkData(fn: string, arg: string, x: Tensor): Tensor {
  checkTensor(fn, arg, x);
  if (x.numel() === 0) fail(fn, arg, 'a non-empty tensor', x);
  if (x.dtype.startsWith('complex')) fail(fn, arg, 'a real-valued tensor', x);
  return x;
}

/** Distinct dims within [-ndim, ndim), as non-negative indices (all dims when none are given). */
function reduceDims(fn: string, x: Tensor, dims: unknown): number[] {
  const d = checkDims(fn, 'dims', dims);
  if (d === null) return x.shape.map((_, i) => i);
  const out = d.map((k, i) => {
    if (k < -x.ndim || k >= x.ndim) fail(fn, `dims[${i}]`, `a dimension of a ${x.ndim}-d tensor (in [${-x.ndim}, ${x.ndim}))`, k);
    return k < 0 ? k + x.ndim : k;
  });
  if (new Set(out).size !== out.length) fail(fn, 'dims', 'distinct dimensions', dims);
  return out;
}

function stats(fn: string, train: Tensor, dims: unknown): NormStats {
  checkData(fn, 'train', train);
  const d = reduceDims(fn, train, dims);
  // the unbiased std of a single value is NaN: every reduced slice needs two values
  const count = d.reduce((a, k) => a * train.shape[k]!, 1);
  if (count < 2) fail(fn, 'train', `at least 2 values per statistic over dims [${d.join(', ')}]`, train);
  return torch.tidy(() => {
    const x = train.float();
    return { mean: x.mean(d, true), std: x.std(d, true, true) };
  });
}

/** Mean and standard deviation over `dims` (all dims by default), kept broadcastable. */
export function normStats(train: Tensor, dims?: number[]): NormStats {
  return stats('data.normStats', train, dims);
}

function apply(fn: string, x: Tensor, s: NormStats): Tensor {
  checkTensor(fn, 'x', x);
  if (x.dtype.startsWith('complex')) fail(fn, 'x', 'a real-valued tensor', x);
  if (s === null || typeof s !== 'object') fail(fn, 'stats', 'normalization statistics { mean, std }', s);
  checkTensor(fn, 'stats.mean', s.mean);
  checkTensor(fn, 'stats.std', s.std);
  for (const k of ['mean', 'std'] as const) {
    const t = s[k];
    if (t.device !== x.device) fail(fn, `stats.${k}`, `a tensor on ${x.device} like x`, t);
    // broadcastable against x: aligned from the right, each size equal or 1, and no more dims than x
    const ok = t.ndim <= x.ndim && t.shape.every((n, i) => n === 1 || n === x.shape[x.ndim - t.ndim + i]);
    if (!ok) fail(fn, `stats.${k}`, `a tensor broadcastable to x's shape [${x.shape.join(', ')}]`, t);
  }
  return torch.tidy(() => x.float().sub(s.mean).div(s.std));
}

/** (x - mean) / std. */
export function normalize(x: Tensor, stats: NormStats): Tensor {
  return apply('data.normalize', x, stats);
}

/** Normalizes a training and a validation tensor with the training split's statistics. */
export function normalizeSplits(train: Tensor, valid: Tensor, dims?: number[]): { train: Tensor; valid: Tensor; stats: NormStats } {
  const fn = 'data.normalizeSplits';
  checkData(fn, 'valid', valid);
  const s = stats(fn, train, dims);
  try {
    // in a scope: a validation split that does not fit frees the normalized training split
    return torch.tidy(() => ({ train: apply(fn, train, s), valid: apply(fn, valid, s), stats: s }));
  } catch (e) {
    torch.dispose(s);
    throw e;
  }
}
