// The base of fastai's batch transforms (after_batch): an order, fastai's split_idx, and a call on an image batch
// (N, C, H, W) on its own device. Random transforms draw their parameters on every call, on both splits (as fastai's
// RandTransform.before_call does), so that the generator's stream is the one fastai's would be.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkOneOf, checkOptions, checkTensor, fail, isTensorLike } from '../torch/validate.js';

export type BatchSplit = 'train' | 'valid';
const SPLITS: readonly BatchSplit[] = ['train', 'valid'];

export interface BatchCallOptions {
  /** 'train' (the default, as when fastai calls a transform directly) or 'valid'. */
  split?: BatchSplit;
}

/** The split of a call's options, checked for the public name fn. */
export function splitOf(fn: string, options: BatchCallOptions | undefined): BatchSplit {
  const o = checkOptions(fn, options, ['split'], 'options');
  return o.split === undefined ? 'train' : checkOneOf(fn, 'options.split', o.split, SPLITS);
}

/** An image batch: a live 4-d tensor, floating point unless `anyDtype`. */
export function checkImageBatch(fn: string, x: unknown, anyDtype = false, arg = 'x'): Tensor {
  checkTensor(fn, arg, x);
  const t = x as Tensor;
  if (t.ndim !== 4 || t.shape.some((d) => d === 0)) fail(fn, arg, 'a non-empty image batch (N, C, H, W)', t);
  if (!anyDtype && !torch.isFloating(t.dtype)) fail(fn, arg, 'a floating-point image batch (run IntToFloatTensor first)', t);
  return t;
}

export abstract class BatchTransform {
  /** fastai's order: the Pipeline runs transforms by increasing order (IntToFloatTensor 10, affine 30, lighting
   * 40, Normalize 99). */
  abstract readonly order: number;
  /** fastai's split_idx: 0 runs on the training split only, 1 on the validation split only, null on both. */
  abstract readonly splitIdx: 0 | 1 | null;
  /** The public name errors carry ('vision.Flip'). */
  protected abstract readonly fn: string;

  /** This batch's random draws (none by default); made on every split, as fastai's before_call. */
  protected beforeCall(_x: Tensor, _split: BatchSplit): unknown {
    return undefined;
  }
  protected abstract encodes(x: Tensor, split: BatchSplit, draws: unknown): Tensor;

  /** The transformed batch, a new tensor (the input is left as is); on a split the transform does not run on, the
   * input itself. */
  apply(x: Tensor, options?: BatchCallOptions): Tensor {
    const fn = `${this.fn}.apply`;
    const split = splitOf(fn, options);
    this.checkInput(fn, x);
    return torch.tidy(() => {
      const draws = this.beforeCall(x, split);
      if (this.splitIdx !== null && this.splitIdx !== (split === 'train' ? 0 : 1)) return x;
      return this.encodes(x, split, draws);
    });
  }

  /** The inverse for display, where there is one (Normalize, IntToFloatTensor); else the input itself. */
  decode(x: Tensor): Tensor {
    this.checkInput(`${this.fn}.decode`, x);
    return x;
  }

  protected checkInput(fn: string, x: unknown): void {
    checkImageBatch(fn, x);
  }
}

export function isBatchTransform(v: unknown): v is BatchTransform {
  return v instanceof BatchTransform && !isTensorLike(v);
}
