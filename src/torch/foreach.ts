// Multi-tensor updates (libtorch's _foreach_* ops): an optimizer step over many parameters is a handful of
// native calls instead of several per parameter.
import { native } from './native.js';
import { Tensor, op, wrapList } from './tensor.js';

const hs = (ts: readonly Tensor[]): unknown[] => ts.map(op);

/** xs[i] += alpha * others[i], or xs[i] += scalar. */
export function foreachAdd_(xs: readonly Tensor[], other: readonly Tensor[] | number, alpha = 1): void {
  if (typeof other === 'number') native.foreachAdd_(hs(xs), other);
  else native.foreachAdd_(hs(xs), hs(other), alpha);
}
/** xs[i] *= scalar, scalars[i] or others[i]. */
export function foreachMul_(xs: readonly Tensor[], other: readonly Tensor[] | readonly number[] | number): void {
  if (typeof other === 'number') native.foreachMul_(hs(xs), other);
  else if (other.length > 0 && typeof other[0] === 'number') native.foreachMul_(hs(xs), [...other]);
  else native.foreachMul_(hs(xs), hs(other as readonly Tensor[]));
}
export function foreachDiv_(xs: readonly Tensor[], other: readonly Tensor[] | number): void {
  native.foreachDiv_(hs(xs), typeof other === 'number' ? other : hs(other));
}
/** xs[i] += value * t1[i] * t2[i] (value may be per tensor). */
export function foreachAddcmul_(xs: readonly Tensor[], t1: readonly Tensor[], t2: readonly Tensor[], value: number | readonly number[] = 1): void {
  native.foreachAddcmul_(hs(xs), hs(t1), hs(t2), typeof value === 'number' ? value : [...value]);
}
/** xs[i] += value * t1[i] / t2[i] (value may be per tensor). */
export function foreachAddcdiv_(xs: readonly Tensor[], t1: readonly Tensor[], t2: readonly Tensor[], value: number | readonly number[] = 1): void {
  native.foreachAddcdiv_(hs(xs), hs(t1), hs(t2), typeof value === 'number' ? value : [...value]);
}
export function foreachLerp_(xs: readonly Tensor[], ends: readonly Tensor[], weight: number): void {
  native.foreachLerp_(hs(xs), hs(ends), weight);
}
export const foreachSqrt = (xs: readonly Tensor[]): Tensor[] => wrapList(native.foreachSqrt(hs(xs)));
export const foreachSqrt_ = (xs: readonly Tensor[]): void => native.foreachSqrt_(hs(xs));
export const foreachZero_ = (xs: readonly Tensor[]): void => native.foreachZero_(hs(xs));
export const foreachCopy_ = (xs: readonly Tensor[], src: readonly Tensor[]): void => native.foreachCopy_(hs(xs), hs(src));
export const foreachNorm = (xs: readonly Tensor[], p = 2): Tensor[] => wrapList(native.foreachNorm(hs(xs), p));
