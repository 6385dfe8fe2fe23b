// torch.* function forms of the tensor ops (torch.exp(x), torch.cat([...]), ...), for users who write
// PyTorch that way. Each one delegates to the Tensor method or one native call.
import { native } from './native.js';
import { type Operand, Tensor, type ValuesIndices, op, wrap, wrapList } from './tensor.js';
import { TorchError } from './errors.js';
import type { DType } from './dtype.js';

function handles(ts: readonly Tensor[], what: string): unknown[] {
  if (!Array.isArray(ts)) throw new TorchError(`${what}: expected an array of tensors`, { op: what });
  return ts.map((t) => op(t));
}
/** A number operand on the left needs a tensor to call on. */
function lhs(a: Operand, b: Operand, name: string): [Tensor, Operand] {
  if (a instanceof Tensor) return [a, b];
  if (b instanceof Tensor) return [b, a];
  throw new TorchError(`torch.${name}: at least one argument must be a tensor`, { op: name });
}

export const cat = (tensors: readonly Tensor[], dim = 0): Tensor => wrap(native.cat(handles(tensors, 'cat'), dim));
export const concat = cat;
export const stack = (tensors: readonly Tensor[], dim = 0): Tensor => wrap(native.stack(handles(tensors, 'stack'), dim));
/** Elements of a where condition holds, else of b (either may be a number). */
export const where = (condition: Tensor, a: Operand, b: Operand): Tensor => wrap(native.where(op(condition), op(a), op(b)));
export const einsum = (equation: string, ...operands: Tensor[]): Tensor => wrap(native.einsum(equation, handles(operands, 'einsum')));
export const split = (t: Tensor, sizeOrSizes: number | readonly number[], dim = 0): Tensor[] => t.split(sizeOrSizes, dim);
export const chunk = (t: Tensor, chunks: number, dim = 0): Tensor[] => t.chunk(chunks, dim);
export const unbind = (t: Tensor, dim = 0): Tensor[] => wrapList(native.unbind(op(t), dim));

// commutative or symmetric binary ops accept a number on either side
export const add = (a: Operand, b: Operand, alpha?: number): Tensor =>
  a instanceof Tensor ? a.add(b, alpha) : lhs(a, b, 'add')[0].mul(alpha ?? 1).add(a);
export const sub = (a: Tensor, b: Operand, alpha?: number): Tensor => a.sub(b, alpha);
export const mul = (a: Operand, b: Operand): Tensor => { const [t, o] = lhs(a, b, 'mul'); return t.mul(o); };
export const div = (a: Tensor, b: Operand, roundingMode?: 'trunc' | 'floor'): Tensor => a.div(b, roundingMode);
export const remainder = (a: Tensor, b: Operand): Tensor => a.remainder(b);
/** pow(tensor, exponent) or pow(number, tensorExponent). */
export const pow = (base: Operand, exponent: Operand): Tensor =>
  base instanceof Tensor ? base.pow(exponent) : wrap(native.rpow(base, op(exponent)));
export const maximum = (a: Tensor, b: Operand): Tensor => a.maximum(b);
export const minimum = (a: Tensor, b: Operand): Tensor => a.minimum(b);
export const atan2 = (a: Tensor, b: Operand): Tensor => a.atan2(b);
export const lerp = (start: Tensor, end: Tensor, weight: Operand): Tensor => start.lerp(end, weight);
export const clamp = (t: Tensor, min: Operand | null = null, max: Operand | null = null): Tensor => t.clamp(min, max);
export const clip = clamp;
export const eq = (a: Tensor, b: Operand): Tensor => a.eq(b);
export const ne = (a: Tensor, b: Operand): Tensor => a.ne(b);
export const lt = (a: Tensor, b: Operand): Tensor => a.lt(b);
export const le = (a: Tensor, b: Operand): Tensor => a.le(b);
export const gt = (a: Tensor, b: Operand): Tensor => a.gt(b);
export const ge = (a: Tensor, b: Operand): Tensor => a.ge(b);
export const logicalAnd = (a: Tensor, b: Operand): Tensor => a.logicalAnd(b);
export const logicalOr = (a: Tensor, b: Operand): Tensor => a.logicalOr(b);
export const logicalXor = (a: Tensor, b: Operand): Tensor => a.logicalXor(b);
export const logicalNot = (a: Tensor): Tensor => a.logicalNot();
export const allclose = (a: Tensor, b: Tensor, rtol = 1e-5, atol = 1e-8, equalNan = false): boolean => a.allclose(b, rtol, atol, equalNan);
export const isclose = (a: Tensor, b: Operand, rtol = 1e-5, atol = 1e-8, equalNan = false): Tensor => a.isclose(b, rtol, atol, equalNan);
export const equal = (a: Tensor, b: Tensor): boolean => a.equal(b);

export const neg = (t: Tensor): Tensor => t.neg();
export const abs = (t: Tensor): Tensor => t.abs();
export const exp = (t: Tensor): Tensor => t.exp();
export const expm1 = (t: Tensor): Tensor => t.expm1();
export const log = (t: Tensor): Tensor => t.log();
export const log1p = (t: Tensor): Tensor => t.log1p();
export const log2 = (t: Tensor): Tensor => t.log2();
export const log10 = (t: Tensor): Tensor => t.log10();
export const sqrt = (t: Tensor): Tensor => t.sqrt();
export const rsqrt = (t: Tensor): Tensor => t.rsqrt();
export const square = (t: Tensor): Tensor => t.square();
export const sin = (t: Tensor): Tensor => t.sin();
export const cos = (t: Tensor): Tensor => t.cos();
export const tan = (t: Tensor): Tensor => t.tan();
export const tanh = (t: Tensor): Tensor => t.tanh();
export const sigmoid = (t: Tensor): Tensor => t.sigmoid();
export const relu = (t: Tensor): Tensor => t.relu();
export const gelu = (t: Tensor, approximate: 'none' | 'tanh' = 'none'): Tensor => t.gelu(approximate);
export const silu = (t: Tensor): Tensor => t.silu();
export const leakyRelu = (t: Tensor, negativeSlope = 0.01): Tensor => t.leakyRelu(negativeSlope);
export const softplus = (t: Tensor, beta = 1, threshold = 20): Tensor => t.softplus(beta, threshold);
export const softmax = (t: Tensor, dim: number, dtype?: DType): Tensor => t.softmax(dim, dtype);
export const logSoftmax = (t: Tensor, dim: number, dtype?: DType): Tensor => t.logSoftmax(dim, dtype);
export const floor = (t: Tensor): Tensor => t.floor();
export const ceil = (t: Tensor): Tensor => t.ceil();
export const round = (t: Tensor): Tensor => t.round();
export const trunc = (t: Tensor): Tensor => t.trunc();
export const sign = (t: Tensor): Tensor => t.sign();
export const reciprocal = (t: Tensor): Tensor => t.reciprocal();
export const erf = (t: Tensor): Tensor => t.erf();
export const isnan = (t: Tensor): Tensor => t.isnan();
export const isinf = (t: Tensor): Tensor => t.isinf();
export const isfinite = (t: Tensor): Tensor => t.isfinite();

export const sum = (t: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor => t.sum(dim, keepdim);
export const mean = (t: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor => t.mean(dim, keepdim);
export function max(t: Tensor): Tensor;
export function max(t: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function max(t: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? t.max() : t.max(dim, keepdim);
}
export function min(t: Tensor): Tensor;
export function min(t: Tensor, dim: number, keepdim?: boolean): ValuesIndices;
export function min(t: Tensor, dim?: number, keepdim = false): Tensor | ValuesIndices {
  return dim === undefined ? t.min() : t.min(dim, keepdim);
}
export const amax = (t: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor => t.amax(dim, keepdim);
export const amin = (t: Tensor, dim?: number | readonly number[] | null, keepdim = false): Tensor => t.amin(dim, keepdim);
export const argmax = (t: Tensor, dim: number | null = null, keepdim = false): Tensor => t.argmax(dim, keepdim);
export const argmin = (t: Tensor, dim: number | null = null, keepdim = false): Tensor => t.argmin(dim, keepdim);
export const std = (t: Tensor, dim?: number | readonly number[] | null, unbiased = true, keepdim = false): Tensor => t.std(dim, unbiased, keepdim);
export const variance = (t: Tensor, dim?: number | readonly number[] | null, unbiased = true, keepdim = false): Tensor => t.var(dim, unbiased, keepdim);
export const prod = (t: Tensor, dim: number | null = null, keepdim = false): Tensor => t.prod(dim, keepdim);
export const logsumexp = (t: Tensor, dim: number | readonly number[], keepdim = false): Tensor => t.logsumexp(dim, keepdim);
export const all = (t: Tensor, dim: number | null = null, keepdim = false): Tensor => t.all(dim, keepdim);
export const any = (t: Tensor, dim: number | null = null, keepdim = false): Tensor => t.any(dim, keepdim);
export const norm = (t: Tensor, p = 2, dim?: number | readonly number[] | null, keepdim = false): Tensor => t.norm(p, dim, keepdim);
export const cumsum = (t: Tensor, dim: number): Tensor => t.cumsum(dim);
export const cumprod = (t: Tensor, dim: number): Tensor => t.cumprod(dim);
export const topk = (t: Tensor, k: number, dim = -1, largest = true, sorted = true): ValuesIndices => t.topk(k, dim, largest, sorted);
export const sort = (t: Tensor, dim = -1, descending = false): ValuesIndices => t.sort(dim, descending);
export const argsort = (t: Tensor, dim = -1, descending = false): Tensor => t.argsort(dim, descending);
export const unique = (t: Tensor, opts: { sorted?: boolean; returnInverse?: boolean; returnCounts?: boolean } = {}) => t.unique(opts);
export const bincount = (t: Tensor, weights: Tensor | null = null, minlength = 0): Tensor => t.bincount(weights, minlength);

export const reshape = (t: Tensor, shape: readonly number[]): Tensor => t.reshape(shape);
export const flatten = (t: Tensor, startDim = 0, endDim = -1): Tensor => t.flatten(startDim, endDim);
export const squeeze = (t: Tensor, dim?: number): Tensor => t.squeeze(dim);
export const unsqueeze = (t: Tensor, dim: number): Tensor => t.unsqueeze(dim);
export const permute = (t: Tensor, dims: readonly number[]): Tensor => t.permute(dims);
export const transpose = (t: Tensor, dim0: number, dim1: number): Tensor => t.transpose(dim0, dim1);
export const narrow = (t: Tensor, dim: number, start: number, length: number): Tensor => t.narrow(dim, start, length);
export const select = (t: Tensor, dim: number, index: number): Tensor => t.select(dim, index);
export const indexSelect = (t: Tensor, dim: number, index: Tensor): Tensor => t.indexSelect(dim, index);
export const maskedSelect = (t: Tensor, mask: Tensor): Tensor => t.maskedSelect(mask);
export const gather = (t: Tensor, dim: number, index: Tensor): Tensor => t.gather(dim, index);
export const scatter = (t: Tensor, dim: number, index: Tensor, src: Operand): Tensor => t.scatter(dim, index, src);
export const scatterAdd = (t: Tensor, dim: number, index: Tensor, src: Tensor): Tensor => t.scatterAdd(dim, index, src);
export const flip = (t: Tensor, dims: readonly number[]): Tensor => t.flip(dims);
export const roll = (t: Tensor, shifts: number | readonly number[], dims: number | readonly number[] = []): Tensor => t.roll(shifts, dims);
export const tril = (t: Tensor, diagonal = 0): Tensor => t.tril(diagonal);
export const triu = (t: Tensor, diagonal = 0): Tensor => t.triu(diagonal);
export const nonzero = (t: Tensor): Tensor => t.nonzero();

export const matmul = (a: Tensor, b: Tensor): Tensor => a.matmul(b);
export const mm = (a: Tensor, b: Tensor): Tensor => a.mm(b);
export const bmm = (a: Tensor, b: Tensor): Tensor => a.bmm(b);
export const dot = (a: Tensor, b: Tensor): Tensor => a.dot(b);
export const outer = (a: Tensor, b: Tensor): Tensor => a.outer(b);
/** beta * input + alpha * (m1 @ m2) */
export const addmm = (input: Tensor, m1: Tensor, m2: Tensor, opts: { beta?: number; alpha?: number } = {}): Tensor =>
  wrap(native.addmm(op(input), op(m1), op(m2), opts.beta ?? 1, opts.alpha ?? 1));
/** beta * input + alpha * (b1 @ b2), batched */
export const baddbmm = (input: Tensor, b1: Tensor, b2: Tensor, opts: { beta?: number; alpha?: number } = {}): Tensor =>
  wrap(native.baddbmm(op(input), op(b1), op(b2), opts.beta ?? 1, opts.alpha ?? 1));

/** QR decomposition: [Q, R] with mode 'reduced' (default), 'complete' or 'r'. */
export const linalgQr = (a: Tensor, mode: 'reduced' | 'complete' | 'r' = 'reduced'): [Tensor, Tensor] =>
  wrapList(native.linalgQr(op(a), mode)) as [Tensor, Tensor];
