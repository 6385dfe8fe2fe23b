// torch.* function forms of the tensor ops (torch.exp(x), torch.cat([...]), ...), for users who write
// PyTorch that way. Each one checks that its input is a tensor (so the error names the function, not a
// JS property read), then delegates to the Tensor method or one native call.
import { native, type Handle } from './native.js';
import { type Operand, Tensor, type ValuesIndices, h, op, wrap, wrapList } from './tensor.js';
import type { DType } from './dtype.js';
import { checkOptions, fail, named } from './validate.js';

function handles(ts: readonly Tensor[], fn: string, arg = 'tensors'): Handle[] {
  if (!Array.isArray(ts)) fail(fn, arg, 'an array of tensors', ts);
  return ts.map(h);
}
/** The tensor a function works on (its methods do the rest of the checking). */
function T(fn: string, t: unknown, arg = 'input'): Tensor {
  if (t instanceof Tensor) return t;
  return fail(fn, arg, 'a tensor', t);
}
/** A number operand on the left needs a tensor to call on. */
function lhs(a: Operand, b: Operand, fn: string): [Tensor, Operand] {
  if (a instanceof Tensor) return [a, b];
  if (b instanceof Tensor) return [b, a];
  return fail(fn, 'input', 'a tensor for at least one of the two operands', a);
}

export const cat = (tensors: readonly Tensor[], dim = 0): Tensor => wrap(native.cat(handles(tensors, 'torch.cat'), dim));
export const concat = cat;
export const stack = (tensors: readonly Tensor[], dim = 0): Tensor => wrap(native.stack(handles(tensors, 'torch.stack'), dim));
/** Elements of a where condition holds, else of b (either may be a number). */
export const where = (condition: Tensor, a: Operand, b: Operand): Tensor => wrap(native.where(h(condition), op(a), op(b)));
export const einsum = (equation: string, ...operands: Tensor[]): Tensor =>
  wrap(native.einsum(equation, handles(operands, 'torch.einsum', 'operands')));
export const split = (t: Tensor, sizeOrSizes: number | readonly number[], dim = 0): Tensor[] => T('torch.split', t).split(sizeOrSizes, dim);
export const chunk = (t: Tensor, chunks: number, dim = 0): Tensor[] => T('torch.chunk', t).chunk(chunks, dim);
export const unbind = (t: Tensor, dim = 0): Tensor[] => T('torch.unbind', t).unbind(dim);

// commutative or symmetric binary ops accept a number on either side
export const add = (a: Operand, b: Operand, alpha?: number): Tensor => {
  if (a instanceof Tensor) return a.add(b, alpha);
  const [t] = lhs(a, b, 'torch.add');
  if (alpha !== undefined && typeof alpha !== 'number') fail('torch.add', 'alpha', 'a number', alpha);
  return named('torch.add', () => {
    const scaled = t.mul(alpha ?? 1);
    try {
      return scaled.add(a);
    } finally {
      scaled.dispose();
    }
  });
};
export const sub = (a: Tensor, b: Operand, alpha?: number): Tensor => T('torch.sub', a).sub(b, alpha);
export const mul = (a: Operand, b: Operand): Tensor => {
  const [t, o] = lhs(a, b, 'torch.mul');
  return t.mul(o);
};
export const div = (a: Tensor, b: Operand, roundingMode?: 'trunc' | 'floor'): Tensor => T('torch.div', a).div(b, roundingMode);
export const remainder = (a: Tensor, b: Operand): Tensor => T('torch.remainder', a).remainder(b);
/** pow(tensor, exponent) or pow(number, tensorExponent). */
export const pow = (base: Operand, exponent: Operand): Tensor =>
  base instanceof Tensor ? base.pow(exponent) : named('torch.pow', () => wrap(native.rpow(base, h(T('torch.pow', exponent, 'exponent')))));
export const maximum = (a: Tensor, b: Operand): Tensor => T('torch.maximum', a).maximum(b);
export const minimum = (a: Tensor, b: Operand): Tensor => T('torch.minimum', a).minimum(b);
export const atan2 = (a: Tensor, b: Operand): Tensor => T('torch.atan2', a).atan2(b);
export const lerp = (start: Tensor, end: Tensor, weight: Operand): Tensor => T('torch.lerp', start).lerp(end, weight);
export const clamp = (t: Tensor, min: Operand | null = null, max: Operand | null = null): Tensor => T('torch.clamp', t).clamp(min, max);
export const clip = clamp;
export const eq = (a: Tensor, b: Operand): Tensor => T('torch.eq', a).eq(b);
export const ne = (a: Tensor, b: Operand): Tensor => T('torch.ne', a).ne(b);
export const lt = (a: Tensor, b: Operand): Tensor => T('torch.lt', a).lt(b);
export const le = (a: Tensor, b: Operand): Tensor => T('torch.le', a).le(b);
export const gt = (a: Tensor, b: Operand): Tensor => T('torch.gt', a).gt(b);
export const ge = (a: Tensor, b: Operand): Tensor => T('torch.ge', a).ge(b);
export const logicalAnd = (a: Tensor, b: Operand): Tensor => T('torch.logicalAnd', a).logicalAnd(b);
export const logicalOr = (a: Tensor, b: Operand): Tensor => T('torch.logicalOr', a).logicalOr(b);
export const logicalXor = (a: Tensor, b: Operand): Tensor => T('torch.logicalXor', a).logicalXor(b);
export const logicalNot = (a: Tensor): Tensor => T('torch.logicalNot', a).logicalNot();
export const allclose = (a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-8, equalNan = false): boolean =>
  T('torch.allclose', a).allclose(b, rtol, atol, equalNan);
export const isclose = (a: Tensor, b: Operand, rtol = 1e-5, atol = 1e-8, equalNan = false): Tensor =>
  T('torch.isclose', a).isclose(b, rtol, atol, equalNan);
export const equal = (a: Tensor, b: Tensor): boolean => T('torch.equal', a).equal(b);

export const neg = (t: Tensor): Tensor => T('torch.neg', t).neg();
export const abs = (t: Tensor): Tensor => T('torch.abs', t).abs();
export const exp = (t: Tensor): Tensor => T('torch.exp', t).exp();
export const expm1 = (t: Tensor): Tensor => T('torch.expm1', t).expm1();
export const log = (t: Tensor): Tensor => T('torch.log', t).log();
export const log1p = (t: Tensor): Tensor => T('torch.log1p', t).log1p();
export const log2 = (t: Tensor): Tensor => T('torch.log2', t).log2();
export const log10 = (t: Tensor): Tensor => T('torch.log10', t).log10();
export const sqrt = (t: Tensor): Tensor => T('torch.sqrt', t).sqrt();
export const rsqrt = (t: Tensor): Tensor => T('torch.rsqrt', t).rsqrt();
export const square = (t: Tensor): Tensor => T('torch.square', t).square();
export const sin = (t: Tensor): Tensor => T('torch.sin', t).sin();
export const cos = (t: Tensor): Tensor => T('torch.cos', t).cos();
export const tan = (t: Tensor): Tensor => T('torch.tan', t).tan();
export const tanh = (t: Tensor): Tensor => T('torch.tanh', t).tanh();
export const sigmoid = (t: Tensor): Tensor => T('torch.sigmoid', t).sigmoid();
export const logit = (t: Tensor, eps: number | null = null): Tensor => T('torch.logit', t).logit(eps);
export const relu = (t: Tensor): Tensor => T('torch.relu', t).relu();
export const gelu = (t: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => T('torch.gelu', t).gelu(approximate);
export const silu = (t: Tensor): Tensor => T('torch.silu', t).silu();
export const leakyRelu = (t: Tensor, negativeSlope = 0.01): Tensor => T('torch.leakyRelu', t).leakyRelu(negativeSlope);
export const softplus = (t: Tensor, beta = 1, threshold = 20): Tensor => T('torch.softplus', t).softplus(beta, threshold);
export const softmax = (t: Tensor, dim: number, dtype?: DType): Tensor => T('torch.softmax', t).softmax(dim, dtype);
export const logSoftmax = (t: Tensor, dim: number, dtype?: DType): Tensor => T('torch.logSoftmax', t).logSoftmax(dim, dtype);
export const floor = (t: Tensor): Tensor => T('torch.floor', t).floor();
export const ceil = (t: Tensor): Tensor => T('torch.ceil', t).ceil();
export const round = (t: Tensor): Tensor => T('torch.round', t).round();
export const trunc = (t: Tensor): Tensor => T('torch.trunc', t).trunc();
export const sign = (t: Tensor): Tensor => T('torch.sign', t).sign();
export const reciprocal = (t: Tensor): Tensor => T('torch.reciprocal', t).reciprocal();
export const erf = (t: Tensor): Tensor => T('torch.erf', t).erf();
export const isnan = (t: Tensor): Tensor => T('torch.isnan', t).isnan();
export const isinf = (t: Tensor): Tensor => T('torch.isinf', t).isinf();
export const isfinite = (t: Tensor): Tensor => T('torch.isfinite', t).isfinite();

export const sum = (t: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor => T('torch.sum', t).sum(dim, keepdim);
export const mean = (t: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor => T('torch.mean', t).mean(dim, keepdim);
export function max(t: Tensor): Tensor;
export function max(t: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(t: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? T('torch.max', t).max() : T('torch.max', t).max(dim, keepdim);
}
export function min(t: Tensor): Tensor;
export function min(t: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(t: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? T('torch.min', t).min() : T('torch.min', t).min(dim, keepdim);
}
export const amax = (t: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor => T('torch.amax', t).amax(dim, keepdim);
export const amin = (t: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor => T('torch.amin', t).amin(dim, keepdim);
export const argmax = (t: Tensor, dim: number | null = null, keepdim = false): Tensor => T('torch.argmax', t).argmax(dim, keepdim);
export const argmin = (t: Tensor, dim: number | null = null, keepdim = false): Tensor => T('torch.argmin', t).argmin(dim, keepdim);
export const std = (t: Tensor, dim?: number | readonly number[] | null, unbiased = true, keepdim = false): Tensor =>
  T('torch.std', t).std(dim, unbiased, keepdim);
export const variance = (t: Tensor, dim?: number | readonly number[] | null, unbiased = true, keepdim = false): Tensor =>
  named('torch.variance', () => T('torch.variance', t).var(dim, unbiased, keepdim));
export const prod = (t: Tensor, dim: number | null = null, keepdim = false): Tensor => T('torch.prod', t).prod(dim, keepdim);
export const logsumexp = (t: Tensor, dim: number | readonly number[], keepdim = false): Tensor => T('torch.logsumexp', t).logsumexp(dim, keepdim);
export const all = (t: Tensor, dim: number | null = null, keepdim = false): Tensor => T('torch.all', t).all(dim, keepdim);
export const any = (t: Tensor, dim: number | null = null, keepdim = false): Tensor => T('torch.any', t).any(dim, keepdim);
export const norm = (t: Tensor, p = 2, dim?: number | readonly number[] | null, keepdim = false): Tensor => T('torch.norm', t).norm(p, dim, keepdim);
export const cumsum = (t: Tensor, dim: number): Tensor => T('torch.cumsum', t).cumsum(dim);
export const cumprod = (t: Tensor, dim: number): Tensor => T('torch.cumprod', t).cumprod(dim);
export const topk = (t: Tensor, k: number, dim = -1, largest = true, sorted = true): ValuesIndices =>
  T('torch.topk', t).topk(k, dim, largest, sorted);
export const sort = (t: Tensor, dim = -1, descending = false): ValuesIndices => T('torch.sort', t).sort(dim, descending);
export const argsort = (t: Tensor, dim = -1, descending = false): Tensor => T('torch.argsort', t).argsort(dim, descending);
export const unique = (t: Tensor, opts: { sorted?: boolean; returnInverse?: boolean; returnCounts?: boolean } = {}) =>
  T('torch.unique', t).unique(opts);
export const bincount = (t: Tensor, weights: Tensor | null = null, minlength = 0): Tensor => T('torch.bincount', t).bincount(weights, minlength);
export const histc = (t: Tensor, bins = 100, min = 0, max = 0): Tensor => T('torch.histc', t).histc(bins, min, max);

export const reshape = (t: Tensor, shape: readonly number[]): Tensor => T('torch.reshape', t).reshape(shape);
export const flatten = (t: Tensor, startDim = 0, endDim = -1): Tensor => T('torch.flatten', t).flatten(startDim, endDim);
export const squeeze = (t: Tensor, dim?: number): Tensor => T('torch.squeeze', t).squeeze(dim);
export const unsqueeze = (t: Tensor, dim: number): Tensor => T('torch.unsqueeze', t).unsqueeze(dim);
export const permute = (t: Tensor, dims: readonly number[]): Tensor => T('torch.permute', t).permute(dims);
export const transpose = (t: Tensor, dim0: number, dim1: number): Tensor => T('torch.transpose', t).transpose(dim0, dim1);
export const narrow = (t: Tensor, dim: number, start: number, length: number): Tensor => T('torch.narrow', t).narrow(dim, start, length);
export const select = (t: Tensor, dim: number, index: number): Tensor => T('torch.select', t).select(dim, index);
export const indexSelect = (t: Tensor, dim: number, index: Tensor): Tensor => T('torch.indexSelect', t).indexSelect(dim, index);
export const maskedSelect = (t: Tensor, mask: Tensor): Tensor => T('torch.maskedSelect', t).maskedSelect(mask);
export const gather = (t: Tensor, dim: number, index: Tensor): Tensor => T('torch.gather', t).gather(dim, index);
export const scatter = (t: Tensor, dim: number, index: Tensor, src: Operand): Tensor => T('torch.scatter', t).scatter(dim, index, src);
export const scatterAdd = (t: Tensor, dim: number, index: Tensor, src: Tensor): Tensor => T('torch.scatterAdd', t).scatterAdd(dim, index, src);
export const flip = (t: Tensor, dims: readonly number[]): Tensor => T('torch.flip', t).flip(dims);
export const roll = (t: Tensor, shifts: number | readonly number[], dims: number | readonly number[] = []): Tensor =>
  T('torch.roll', t).roll(shifts, dims);
export const tril = (t: Tensor, diagonal = 0): Tensor => T('torch.tril', t).tril(diagonal);
export const triu = (t: Tensor, diagonal = 0): Tensor => T('torch.triu', t).triu(diagonal);
export const nonzero = (t: Tensor): Tensor => T('torch.nonzero', t).nonzero();

export const matmul = (a: Tensor, b: Tensor): Tensor => T('torch.matmul', a).matmul(b);
export const mm = (a: Tensor, b: Tensor): Tensor => T('torch.mm', a).mm(b);
export const bmm = (a: Tensor, b: Tensor): Tensor => T('torch.bmm', a).bmm(b);
export const dot = (a: Tensor, b: Tensor): Tensor => T('torch.dot', a).dot(b);
export const outer = (a: Tensor, b: Tensor): Tensor => T('torch.outer', a).outer(b);
/** beta * input + alpha * (m1 @ m2) */
export const addmm = (input: Tensor, m1: Tensor, m2: Tensor, opts?: { beta?: number; alpha?: number }): Tensor => {
  const o = checkOptions('torch.addmm', opts, ['beta', 'alpha']);
  return wrap(native.addmm(h(input), h(m1), h(m2), o.beta ?? 1, o.alpha ?? 1));
};
/** beta * input + alpha * (b1 @ b2), batched */
export const baddbmm = (input: Tensor, b1: Tensor, b2: Tensor, opts?: { beta?: number; alpha?: number }): Tensor => {
  const o = checkOptions('torch.baddbmm', opts, ['beta', 'alpha']);
  return wrap(native.baddbmm(h(input), h(b1), h(b2), o.beta ?? 1, o.alpha ?? 1));
};

/** QR decomposition: [Q, R] with mode 'reduced' (default), 'complete' or 'r'. */
export const linalgQr = (a: Tensor, mode: 'reduced' | 'complete' | 'r' = 'reduced'): [Tensor, Tensor] =>
  wrapList(native.linalgQr(h(a), mode)) as [Tensor, Tensor];
