// fastai's per-image random draws (_draw_mask, mask_tensor): a value per image, from libtorch's generator on the
// batch's device (or given: a number, a list, or a function of the batch), then reset to `neutral` with
// probability 1 - p. As in fastai, p = 1 draws no bernoulli at all, and `batch` draws one value for the whole batch.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkArray, checkFunction, checkNumber, fail, isTensorLike, named } from '../torch/validate.js';

/** Explicit draws: one number for every image, one per image (at least the batch size), or a function of the batch
 * returning a tensor [N]. */
export type Draw = number | readonly number[] | ((x: Tensor) => Tensor);

/** A draw option, checked at construction. */
export function checkDraw(fn: string, arg: string, v: unknown): Draw | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return checkNumber(fn, arg, v);
  if (typeof v === 'function') return checkFunction<(x: Tensor) => Tensor>(fn, arg, v);
  const a = checkArray<number>(fn, arg, v, 'a number, an array of numbers or a function');
  if (a.length === 0) fail(fn, arg, 'a non-empty array of numbers', v);
  a.forEach((x, i) => checkNumber(fn, `${arg}[${i}]`, x));
  return [...a];
}

export interface DrawSpec {
  fn: string;
  arg: string;
  /** The default draw when none is given (per image, or one for the batch). */
  def: (x: Tensor) => Tensor;
  draw: Draw | undefined;
  p: number;
  neutral: number;
  batch: boolean;
}

function opts(x: Tensor): { dtype: string; device: string } {
  return { dtype: torch.isFloating(x.dtype) ? x.dtype : 'float32', device: x.device };
}

/** U(lo, hi) per image, or one value for the whole batch. */
export function uniform(x: Tensor, lo: number, hi: number, batch: boolean): Tensor {
  const n = x.shape[0]!;
  const u = torch.empty([batch ? 1 : n], opts(x)).uniform_(lo, hi);
  return batch ? u.expand([n]) : u;
}

function given(spec: DrawSpec, x: Tensor): Tensor {
  const n = x.shape[0]!;
  const d = spec.draw!;
  if (typeof d === 'number') return torch.full([n], d, opts(x));
  if (Array.isArray(d)) {
    if (d.length < n) fail(spec.fn, spec.arg, `at least ${n} values (one per image)`, d);
    return torch.tensor(d.slice(0, n), opts(x));
  }
  const r = named(spec.fn, () => (d as (x: Tensor) => Tensor)(x));
  if (!isTensorLike(r) || (r as Tensor).isDisposed || (r as Tensor).ndim !== 1 || (r as Tensor).shape[0] !== n)
    fail(spec.fn, `${spec.arg}(x)`, `a tensor [${n}]`, r);
  return (r as Tensor).to({ dtype: opts(x).dtype as 'float32', device: x.device });
}

/** fastai's _draw_mask: the draws, masked to `neutral` with probability 1 - p. */
export function drawMask(x: Tensor, spec: DrawSpec): Tensor {
  const v = spec.draw === undefined ? spec.def(x) : given(spec, x);
  if (spec.p === 1) return v;
  const n = spec.batch ? 1 : x.shape[0]!;
  const mask = torch.empty([n], opts(x)).bernoulli_(spec.p);
  // fastai's in-place order: (v - neutral) * mask + neutral
  const m = spec.neutral === 0 ? v.mul(mask) : v.sub(spec.neutral).mul(mask);
  return spec.neutral === 0 ? m : m.add(spec.neutral);
}
