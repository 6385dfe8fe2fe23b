// Multi-tensor updates (libtorch's _foreach_* ops): an optimizer step over many parameters is a handful of
// native calls instead of several per parameter.
import { native, type Handle } from './native.js';
import { type Tensor, h, wrapList } from './tensor.js';
import { fail } from './validate.js';

/** The handles of a list of tensors (the native side checks each one). */
function hs(ts: readonly Tensor[], fn: string, arg = 'xs'): Handle[] {
  if (!Array.isArray(ts)) fail(`torch.${fn}`, arg, 'an array of tensors', ts);
  return ts.map(h);
}
/** A scalar or a list of scalars, as the native side takes it. */
function scalars(v: number | readonly number[], fn: string, arg: string): number | number[] {
  if (typeof v === 'number') return v;
  if (!Array.isArray(v)) fail(`torch.${fn}`, arg, 'a number or an array of numbers', v);
  return [...v];
}

/** xs[i] += alpha * others[i], or xs[i] += scalar. */
export function foreachAdd_(xs: readonly Tensor[], other: readonly Tensor[] | number, alpha = 1): void {
  if (typeof other === 'number') native.foreachAdd_(hs(xs, 'foreachAdd_'), other);
  else native.foreachAdd_(hs(xs, 'foreachAdd_'), hs(other, 'foreachAdd_', 'other'), alpha);
}
/** xs[i] *= scalar, scalars[i] or others[i]. */
export function foreachMul_(xs: readonly Tensor[], other: readonly Tensor[] | readonly number[] | number): void {
  const h = hs(xs, 'foreachMul_');
  if (typeof other === 'number') native.foreachMul_(h, other);
  else if (Array.isArray(other) && other.length > 0 && typeof other[0] === 'number') native.foreachMul_(h, [...other]);
  else native.foreachMul_(h, hs(other as readonly Tensor[], 'foreachMul_', 'other'));
}
export function foreachDiv_(xs: readonly Tensor[], other: readonly Tensor[] | number): void {
  native.foreachDiv_(hs(xs, 'foreachDiv_'), typeof other === 'number' ? other : hs(other, 'foreachDiv_', 'other'));
}
/** xs[i] += value * t1[i] * t2[i] (value may be per tensor). */
export function foreachAddcmul_(xs: readonly Tensor[], t1: readonly Tensor[], t2: readonly Tensor[], value: number | readonly number[] = 1): void {
  native.foreachAddcmul_(
    hs(xs, 'foreachAddcmul_'),
    hs(t1, 'foreachAddcmul_', 't1'),
    hs(t2, 'foreachAddcmul_', 't2'),
    scalars(value, 'foreachAddcmul_', 'value'),
  );
}
/** xs[i] += value * t1[i] / t2[i] (value may be per tensor). */
export function foreachAddcdiv_(xs: readonly Tensor[], t1: readonly Tensor[], t2: readonly Tensor[], value: number | readonly number[] = 1): void {
  native.foreachAddcdiv_(
    hs(xs, 'foreachAddcdiv_'),
    hs(t1, 'foreachAddcdiv_', 't1'),
    hs(t2, 'foreachAddcdiv_', 't2'),
    scalars(value, 'foreachAddcdiv_', 'value'),
  );
}
export function foreachLerp_(xs: readonly Tensor[], ends: readonly Tensor[], weight: number): void {
  native.foreachLerp_(hs(xs, 'foreachLerp_'), hs(ends, 'foreachLerp_', 'ends'), weight);
}
export const foreachSqrt = (xs: readonly Tensor[]): Tensor[] => wrapList(native.foreachSqrt(hs(xs, 'foreachSqrt')));
export const foreachSqrt_ = (xs: readonly Tensor[]): void => native.foreachSqrt_(hs(xs, 'foreachSqrt_'));
export const foreachZero_ = (xs: readonly Tensor[]): void => native.foreachZero_(hs(xs, 'foreachZero_'));
export const foreachCopy_ = (xs: readonly Tensor[], src: readonly Tensor[]): void =>
  native.foreachCopy_(hs(xs, 'foreachCopy_'), hs(src, 'foreachCopy_', 'src'));
export const foreachNorm = (xs: readonly Tensor[], p = 2): Tensor[] => wrapList(native.foreachNorm(hs(xs, 'foreachNorm'), p));
