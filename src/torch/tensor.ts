// The Tensor class: a thin, typed face over one native handle. Each method is one native call; the native
// side validates arguments and turns libtorch's exceptions into TorchErrors naming the op and inputs. Where
// JS code runs first (shapes, dims, options, dtypes) or the native op has another name than the method, the
// arguments are checked here, so every error names the method the user called.
import { native, type Handle } from './native.js';
import type { Scalar } from './native-api.js';
import { TENSOR, keep, tidy, track, type ScopedTensor } from './scope.js';
import { type DType, dtypeCode, dtypeFromCode, isDTypeName, toDType } from './dtype.js';
import { checkArraySize, dtypeOpt, shapeOf } from './args.js';
import { checkDevice, checkDims, checkInt, checkNumber, checkOptions, checkTensor, fail, named, optBool } from './validate.js';
import { formatTensor } from './format.js';
import { countHostRead } from './host-reads.js';
import { fireBackwardHooks } from './backward-hooks.js';
import { type Generator, generatorOf } from './generator.js';
import type { GenHandle } from './native-api.js';

/** A tensor or a plain number (a "wrapped number": it does not promote the tensor's dtype, as in PyTorch). */
export type Operand = Tensor | number | boolean;
/** A shape given as an array, or as separate numbers (`reshape(2, 3)` or `reshape([2, 3])`). */
export type ShapeArgs = (number | readonly number[])[];
/** A pair that reads both ways: `const [v, i] = t.max(1)` or `t.max(1).values`. */
export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };

/** What `toArray()` returns: nested arrays of numbers (booleans for bool tensors). */
export type NestedArray = number | boolean | NestedArray[];

/** A tensor-or-number argument as the addon takes it. Anything else passes through as is: the native side
 * refuses it with an error naming the op (typed as a Scalar only to satisfy the addon's signature). */
export function op(x: Operand): Handle | Scalar {
  return x instanceof Tensor ? x._h : (x as Scalar);
}
/** A tensor argument as the addon takes it (a non-tensor passes through, for the native side to refuse). */
export function h(t: Tensor): Handle {
  return t instanceof Tensor ? t._h : (t as unknown as Handle);
}
/** An optional tensor argument: null or undefined is none. */
export function oh(t: Tensor | null | undefined): Handle | null {
  return t === undefined || t === null ? null : h(t);
}
export function wrap(h: Handle): Tensor {
  return new Tensor(h);
}
export function wrapList(hs: Handle[]): Tensor[] {
  return hs.map(wrap);
}
function pair(hs: Handle[]): ValuesIndices {
  const [values, indices] = hs.map(wrap) as [Tensor, Tensor];
  return Object.assign([values, indices] as [Tensor, Tensor], { values, indices });
}
/** An array of index tensors (null for a whole dim). */
function indexList(fn: string, indices: unknown): (Handle | null)[] {
  if (!Array.isArray(indices)) fail(fn, 'indices', 'an array of tensors (or null for a whole dimension)', indices);
  return indices.map((i: Tensor | null) => (i === null ? null : h(i)));
}

/** The generator of a random in-place op's options (none: the default generator). */
function randomGen(fn: string, opts: unknown, t: Tensor): GenHandle | null {
  if (opts === undefined) return null;
  const o = checkOptions(fn, opts as { generator?: unknown }, ['generator'], 'opts');
  return named(fn, () => generatorOf(fn, 'opts.generator', o.generator, t.device));
}

export class Tensor implements ScopedTensor {
  readonly [TENSOR] = true as const;
  /** @internal the native handle; only src/torch reads it. */
  readonly _h: Handle;
  private _shape: readonly number[] | undefined;
  private _dtype: DType | undefined;

  /** @internal use torch.tensor / torch.zeros / ... to make tensors. */
  constructor(h: Handle) {
    this._h = h;
    track(this);
  }

  // ---- properties ----
  get shape(): readonly number[] {
    return (this._shape ??= Object.freeze(native.shape(this._h) as number[]));
  }
  /** The shape, read for a method named fn (so that a disposed tensor's error names that method). */
  private _shapeFor(fn: string): readonly number[] {
    return this._shape ?? named(fn, () => this.shape);
  }
  get dtype(): DType {
    return (this._dtype ??= dtypeFromCode(native.dtype(this._h)));
  }
  get device(): string {
    return native.device(this._h);
  }
  get ndim(): number {
    return this.shape.length;
  }
  /** PyTorch's `size()` / `size(dim)` (negative dims count from the end). */
  size(): readonly number[];
  size(dim: number): number;
  size(dim?: number): readonly number[] | number {
    const shape = this._shapeFor('Tensor.size');
    if (dim === undefined || dim === null) return shape;
    if (typeof dim !== 'number' || !Number.isInteger(dim)) fail('Tensor.size', 'dim', 'an integer dimension', dim);
    const s = shape[dim < 0 ? dim + shape.length : dim];
    if (s === undefined) fail('Tensor.size', 'dim', `a dimension in [${-shape.length}, ${shape.length - 1}]`, dim);
    return s;
  }
  stride(): number[] {
    return named('Tensor.stride', () => native.strides(this._h));
  }
  numel(): number {
    const shape = this._shapeFor('Tensor.numel');
    let n = 1;
    for (let i = 0; i < shape.length; i++) n *= shape[i]!;
    return n;
  }
  get requiresGrad(): boolean {
    return native.requiresGrad(this._h);
  }
  set requiresGrad(v: boolean) {
    named('Tensor.requiresGrad', () => native.requiresGrad_(this._h, v));
  }
  get isLeaf(): boolean {
    return native.isLeaf(this._h);
  }
  /** The name of the autograd node that made this tensor (e.g. 'AddBackward0'), or null for a leaf. */
  get gradFn(): string | null {
    return native.gradFnName(this._h);
  }
  isContiguous(): boolean {
    return native.isContiguous(this._h);
  }
  get isDisposed(): boolean {
    return native.isDisposed(this._h);
  }

  // ---- memory ----
  /** Frees the tensor now. Using it afterwards throws a TorchError. Disposing twice is harmless. */
  dispose(): void {
    native.dispose(this._h);
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
  /** The same tensor under another Tensor class (a typed wrapper such as data.TensorImage, or plain Tensor):
   * a second handle sharing storage and autograd identity, owned by the current scope. */
  as<T extends Tensor>(cls: new (h: Handle) => T): T {
    if (typeof cls !== 'function' || (cls !== Tensor && !(cls.prototype instanceof Tensor))) {
      fail('Tensor.as', 'cls', 'Tensor or a subclass of Tensor', cls);
    }
    return named('Tensor.as', () => new cls(native.alias(this._h)));
  }
  /** Exempts this tensor from every torch.tidy scope (it lives until dispose()). */
  keep(): this {
    return keep(this);
  }

  // ---- conversion ----
  /** `to('float64')`, `to('cuda:0')`, `to({ dtype, device, copy })`, or `to(otherTensor)` (its dtype and device). */
  to(target: DType | string | Tensor | { dtype?: DType | string; device?: string; copy?: boolean }): Tensor {
    let dtype: DType | null = null;
    let device: string | null = null;
    let copy = false;
    if (target instanceof Tensor) {
      checkTensor('Tensor.to', 'target', target);
      dtype = target.dtype;
      device = target.device;
    } else if (typeof target === 'string') {
      if (isDTypeName(target)) dtype = toDType(target);
      else device = target;
    } else if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
      if (target.dtype !== undefined && target.dtype !== null) dtype = toDType(target.dtype, 'Tensor.to', 'target.dtype');
      if (target.device !== undefined && target.device !== null) device = checkDevice('Tensor.to', 'target.device', target.device);
      copy = optBool('Tensor.to', 'target.copy', target.copy, false);
    } else {
      fail('Tensor.to', 'target', 'a dtype, a device, a tensor or { dtype, device, copy }', target);
    }
    return wrap(native.to(this._h, dtype === null ? null : dtypeCode(dtype), device, copy));
  }
  float(): Tensor {
    return named('Tensor.float', () => this.to('float32'));
  }
  double(): Tensor {
    return named('Tensor.double', () => this.to('float64'));
  }
  half(): Tensor {
    return named('Tensor.half', () => this.to('float16'));
  }
  bfloat16(): Tensor {
    return named('Tensor.bfloat16', () => this.to('bfloat16'));
  }
  long(): Tensor {
    return named('Tensor.long', () => this.to('int64'));
  }
  int(): Tensor {
    return named('Tensor.int', () => this.to('int32'));
  }
  bool(): Tensor {
    return named('Tensor.bool', () => this.to('bool'));
  }
  cpu(): Tensor {
    return named('Tensor.cpu', () => this.to({ device: 'cpu' }));
  }
  cuda(index = 0): Tensor {
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) fail('Tensor.cuda', 'index', 'a non-negative integer', index);
    return named('Tensor.cuda', () => this.to({ device: `cuda:${index}` }));
  }
  contiguous(): Tensor {
    return wrap(native.contiguous(this._h));
  }
  clone(): Tensor {
    return wrap(native.clone(this._h));
  }
  detach(): Tensor {
    return wrap(native.detach(this._h));
  }
  detach_(): this {
    native.detach_(this._h);
    return this;
  }

  // ---- host reads (these wait for the device) ----
  /** The single value of a one-element tensor: a number, or a boolean for bool tensors. */
  item<T extends number | boolean = number>(): T {
    countHostRead();
    return native.item(this._h) as T;
  }
  /**
   * The values in row-major order. A CPU, contiguous tensor that does not require grad comes back as a
   * zero-copy view of its memory (it aliases the tensor, like PyTorch's .numpy()); otherwise a copy.
   * int64 gives BigInt64Array, bool gives Uint8Array, float16/bfloat16 give Float32Array.
   */
  toTypedArray(): Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Int32Array | BigInt64Array {
    countHostRead();
    return native.toTypedArray(this._h, true);
  }
  /** The values as nested arrays of numbers (booleans for bool tensors; int64 as numbers). */
  toArray(): NestedArray {
    const shape = this._shapeFor('Tensor.toArray');
    checkArraySize(shape);
    countHostRead();
    const flat = named('Tensor.toArray', () => native.toTypedArray(this._h, false) as ArrayLike<number | bigint>);
    const isBool = this.dtype === 'bool';
    const conv = (v: number | bigint): number | boolean => (isBool ? v !== 0 : Number(v));
    if (shape.length === 0) return conv(flat[0]!);
    let pos = 0;
    // arrays are made at their final length: grown by push, one near V8's limit aborts the process
    const build = (d: number): NestedArray[] => {
      const n = shape[d]!;
      const out = new Array<NestedArray>(n);
      for (let i = 0; i < n; i++) out[i] = d === shape.length - 1 ? conv(flat[pos++]!) : build(d + 1);
      return out;
    };
    return build(0);
  }
  /** @internal the values at the edges of each dim longer than 2 * edge (its first and last `edge` entries),
   * row-major: what a summarized print shows, read without copying the whole tensor to the host. */
  _edges(edge: number): ArrayLike<number | bigint> {
    countHostRead();
    const shape = this.shape;
    return tidy(() => {
      let t = this.detach();
      for (let d = 0; d < shape.length; d++) {
        const n = shape[d]!;
        if (n > 2 * edge) t = wrap(native.cat([t.narrow(d, 0, edge)._h, t.narrow(d, n - edge, edge)._h], d));
      }
      return native.toTypedArray(t._h, false); // a copy: the tensors it was read from are freed here
    });
  }
  /** @internal raw bytes of the contiguous CPU form (for safetensors). */
  _bytes(): ArrayBuffer {
    countHostRead();
    return native.bytes(this._h);
  }
  /** Prints like PyTorch: `tensor([[1., 2.],\n        [3., 4.]])`. */
  toString(): string {
    if (this.isDisposed) return 'tensor(<disposed>)';
    return formatTensor(this);
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  // ---- views and indexing ----
  reshape(...shape: ShapeArgs): Tensor {
    return wrap(native.reshape(this._h, shapeOf(shape, 'Tensor.reshape', 'shape')));
  }
  view(...shape: ShapeArgs): Tensor {
    return wrap(native.view(this._h, shapeOf(shape, 'Tensor.view', 'shape')));
  }
  flatten(startDim = 0, endDim = -1): Tensor {
    return wrap(native.flatten(this._h, startDim, endDim));
  }
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    return wrap(native.unflatten(this._h, dim, sizes));
  }
  squeeze(dim?: number): Tensor {
    return wrap(native.squeeze(this._h, dim ?? null));
  }
  unsqueeze(dim: number): Tensor {
    return wrap(native.unsqueeze(this._h, dim));
  }
  permute(...dims: ShapeArgs): Tensor {
    return wrap(native.permute(this._h, shapeOf(dims, 'Tensor.permute', 'dims')));
  }
  transpose(dim0: number, dim1: number): Tensor {
    return wrap(native.transpose(this._h, dim0, dim1));
  }
  t(): Tensor {
    return wrap(native.t(this._h));
  }
  movedim(source: number, destination: number): Tensor {
    return wrap(native.movedim(this._h, source, destination));
  }
  expand(...shape: ShapeArgs): Tensor {
    return wrap(native.expand(this._h, shapeOf(shape, 'Tensor.expand', 'shape')));
  }
  expandAs(other: Tensor): Tensor {
    checkTensor('Tensor.expandAs', 'other', other);
    return named('Tensor.expandAs', () => this.expand([...other.shape]));
  }
  repeat(...repeats: ShapeArgs): Tensor {
    return wrap(native.repeat(this._h, shapeOf(repeats, 'Tensor.repeat', 'repeats')));
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return wrap(native.narrow(this._h, dim, start, length));
  }
  select(dim: number, index: number): Tensor {
    return wrap(native.select(this._h, dim, index));
  }
  /** `t[start:end:step]` along dim (null ends mean the whole range). */
  slice(dim: number, start: number | null = null, end: number | null = null, step = 1): Tensor {
    return wrap(native.slice(this._h, dim, start, end, step));
  }
  diagonal(offset = 0, dim1 = 0, dim2 = 1): Tensor {
    return wrap(native.diagonal(this._h, offset, dim1, dim2));
  }
  /** Advanced indexing `t[i0, i1, ...]`: each entry an integer or boolean tensor, or null for `:`. */
  index(indices: readonly (Tensor | null)[]): Tensor {
    return wrap(native.index(this._h, indexList('Tensor.index', indices)));
  }
  /** `t[indices] = values` (or `+=` with accumulate). */
  indexPut_(indices: readonly (Tensor | null)[], values: Operand, accumulate = false): this {
    native.indexPut_(this._h, indexList('Tensor.indexPut_', indices), op(values), accumulate);
    return this;
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return wrap(native.indexSelect(this._h, dim, h(index)));
  }
  maskedSelect(mask: Tensor): Tensor {
    return wrap(native.maskedSelect(this._h, h(mask)));
  }
  maskedFill(mask: Tensor, value: Operand): Tensor {
    return wrap(native.maskedFill(this._h, h(mask), op(value)));
  }
  maskedFill_(mask: Tensor, value: Operand): this {
    native.maskedFill_(this._h, h(mask), op(value));
    return this;
  }
  gather(dim: number, index: Tensor): Tensor {
    return wrap(native.gather(this._h, dim, h(index)));
  }
  scatter(dim: number, index: Tensor, src: Operand): Tensor {
    return wrap(native.scatter(this._h, dim, h(index), op(src)));
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return wrap(native.scatterAdd(this._h, dim, h(index), h(src)));
  }
  /** Splits into pieces of `size` (or of the given sizes) along dim. */
  split(sizeOrSizes: number | readonly number[], dim = 0): Tensor[] {
    return wrapList(native.split(this._h, sizeOrSizes, dim));
  }
  chunk(chunks: number, dim = 0): Tensor[] {
    return wrapList(native.chunk(this._h, chunks, dim));
  }
  unbind(dim = 0): Tensor[] {
    return wrapList(native.unbind(this._h, dim));
  }
  flip(...dims: ShapeArgs): Tensor {
    return wrap(native.flip(this._h, shapeOf(dims, 'Tensor.flip', 'dims')));
  }
  roll(shifts: number | readonly number[], dims: number | readonly number[] = []): Tensor {
    return wrap(native.roll(this._h, checkDims('Tensor.roll', 'shifts', shifts) as number[], checkDims('Tensor.roll', 'dims', dims) ?? []));
  }
  tril(diagonal = 0): Tensor {
    return wrap(native.tril(this._h, diagonal));
  }
  triu(diagonal = 0): Tensor {
    return wrap(native.triu(this._h, diagonal));
  }
  nonzero(): Tensor {
    return wrap(native.nonzero(this._h));
  }

  // ---- arithmetic (broadcasting; numbers are wrapped scalars) ----
  add(other: Operand, alpha?: number): Tensor {
    return wrap(native.add(this._h, op(other), alpha));
  }
  sub(other: Operand, alpha?: number): Tensor {
    return wrap(native.sub(this._h, op(other), alpha));
  }
  mul(other: Operand): Tensor {
    return wrap(native.mul(this._h, op(other)));
  }
  /** True division, or rounded with roundingMode 'trunc' | 'floor'. */
  div(other: Operand, roundingMode?: 'trunc' | 'floor'): Tensor {
    return wrap(native.div(this._h, op(other), roundingMode));
  }
  remainder(other: Operand): Tensor {
    return wrap(native.remainder(this._h, op(other)));
  }
  fmod(other: Operand): Tensor {
    return wrap(native.fmod(this._h, op(other)));
  }
  pow(exponent: Operand): Tensor {
    return wrap(native.pow(this._h, op(exponent)));
  }
  atan2(other: Operand): Tensor {
    return wrap(native.atan2(this._h, op(other)));
  }
  maximum(other: Operand): Tensor {
    return wrap(native.maximum(this._h, op(other)));
  }
  minimum(other: Operand): Tensor {
    return wrap(native.minimum(this._h, op(other)));
  }
  neg(): Tensor {
    return wrap(native.neg(this._h));
  }
  abs(): Tensor {
    return wrap(native.abs(this._h));
  }
  exp(): Tensor {
    return wrap(native.exp(this._h));
  }
  expm1(): Tensor {
    return wrap(native.expm1(this._h));
  }
  log(): Tensor {
    return wrap(native.log(this._h));
  }
  log1p(): Tensor {
    return wrap(native.log1p(this._h));
  }
  log2(): Tensor {
    return wrap(native.log2(this._h));
  }
  log10(): Tensor {
    return wrap(native.log10(this._h));
  }
  sqrt(): Tensor {
    return wrap(native.sqrt(this._h));
  }
  rsqrt(): Tensor {
    return wrap(native.rsqrt(this._h));
  }
  square(): Tensor {
    return wrap(native.square(this._h));
  }
  sin(): Tensor {
    return wrap(native.sin(this._h));
  }
  cos(): Tensor {
    return wrap(native.cos(this._h));
  }
  tan(): Tensor {
    return wrap(native.tan(this._h));
  }
  asin(): Tensor {
    return wrap(native.asin(this._h));
  }
  acos(): Tensor {
    return wrap(native.acos(this._h));
  }
  atan(): Tensor {
    return wrap(native.atan(this._h));
  }
  sinh(): Tensor {
    return wrap(native.sinh(this._h));
  }
  cosh(): Tensor {
    return wrap(native.cosh(this._h));
  }
  tanh(): Tensor {
    return wrap(native.tanh(this._h));
  }
  sigmoid(): Tensor {
    return wrap(native.sigmoid(this._h));
  }
  /** PyTorch's logit: log(p / (1 - p)), p first clamped to [eps, 1 - eps] when eps is given (one pass). */
  logit(eps: number | null = null): Tensor {
    const fn = 'Tensor.logit';
    if (eps !== null) checkNumber(fn, 'eps', eps, { min: 0, max: 0.5 });
    return named(fn, () => wrap(native.logit(this._h, eps)));
  }
  relu(): Tensor {
    return wrap(native.relu(this._h));
  }
  /** approximate: 'none' (exact erf form) or 'tanh'. */
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor {
    return wrap(native.gelu(this._h, approximate));
  }
  silu(): Tensor {
    return wrap(native.silu(this._h));
  }
  mish(): Tensor {
    return wrap(native.mish(this._h));
  }
  selu(): Tensor {
    return wrap(native.selu(this._h));
  }
  hardswish(): Tensor {
    return wrap(native.hardswish(this._h));
  }
  hardsigmoid(): Tensor {
    return wrap(native.hardsigmoid(this._h));
  }
  logSigmoid(): Tensor {
    return wrap(native.logSigmoid(this._h));
  }
  leakyRelu(negativeSlope = 0.01): Tensor {
    return wrap(native.leakyRelu(this._h, negativeSlope));
  }
  softplus(beta = 1, threshold = 20): Tensor {
    return wrap(native.softplus(this._h, beta, threshold));
  }
  elu(alpha = 1): Tensor {
    return wrap(native.elu(this._h, alpha));
  }
  softmax(dim: number, dtype?: DType): Tensor {
    return wrap(native.softmax(this._h, dim, dtype === undefined || dtype === null ? null : dtypeCode(dtype, 'Tensor.softmax')));
  }
  logSoftmax(dim: number, dtype?: DType): Tensor {
    return wrap(native.logSoftmax(this._h, dim, dtype === undefined || dtype === null ? null : dtypeCode(dtype, 'Tensor.logSoftmax')));
  }
  /** Bounds may be numbers, tensors or null (no bound). */
  clamp(min: Operand | null = null, max: Operand | null = null): Tensor {
    return wrap(native.clamp(this._h, min === null ? null : op(min), max === null ? null : op(max)));
  }
  clip(min: Operand | null = null, max: Operand | null = null): Tensor {
    return named('Tensor.clip', () => this.clamp(min, max));
  }
  /** PyTorch's `x.where(condition, y)`: x where condition holds, else y. */
  where(condition: Tensor, other: Operand): Tensor {
    return wrap(native.where(h(condition), this._h, op(other)));
  }
  lerp(end: Tensor, weight: Operand): Tensor {
    return wrap(native.lerp(this._h, h(end), op(weight)));
  }
  floor(): Tensor {
    return wrap(native.floor(this._h));
  }
  ceil(): Tensor {
    return wrap(native.ceil(this._h));
  }
  round(): Tensor {
    return wrap(native.round(this._h));
  }
  trunc(): Tensor {
    return wrap(native.trunc(this._h));
  }
  frac(): Tensor {
    return wrap(native.frac(this._h));
  }
  sign(): Tensor {
    return wrap(native.sign(this._h));
  }
  reciprocal(): Tensor {
    return wrap(native.reciprocal(this._h));
  }
  erf(): Tensor {
    return wrap(native.erf(this._h));
  }
  erfinv(): Tensor {
    return wrap(native.erfinv(this._h));
  }

  // ---- comparison and logic ----
  eq(other: Operand): Tensor {
    return wrap(native.eq(this._h, op(other)));
  }
  ne(other: Operand): Tensor {
    return wrap(native.ne(this._h, op(other)));
  }
  lt(other: Operand): Tensor {
    return wrap(native.lt(this._h, op(other)));
  }
  le(other: Operand): Tensor {
    return wrap(native.le(this._h, op(other)));
  }
  gt(other: Operand): Tensor {
    return wrap(native.gt(this._h, op(other)));
  }
  ge(other: Operand): Tensor {
    return wrap(native.ge(this._h, op(other)));
  }
  isnan(): Tensor {
    return wrap(native.isnan(this._h));
  }
  isinf(): Tensor {
    return wrap(native.isinf(this._h));
  }
  isfinite(): Tensor {
    return wrap(native.isfinite(this._h));
  }
  logicalAnd(other: Operand): Tensor {
    return wrap(native.logicalAnd(this._h, op(other)));
  }
  logicalOr(other: Operand): Tensor {
    return wrap(native.logicalOr(this._h, op(other)));
  }
  logicalXor(other: Operand): Tensor {
    return wrap(native.logicalXor(this._h, op(other)));
  }
  logicalNot(): Tensor {
    return wrap(native.logicalNot(this._h));
  }
  isclose(other: Operand, rtol = 1e-5, atol = 1e-8, equalNan = false): Tensor {
    return wrap(native.isclose(this._h, op(other), rtol, atol, equalNan));
  }
  /** |a - b| <= atol + rtol * |b| everywhere (after broadcasting). */
  allclose(other: Tensor, rtol = 1e-5, atol = 1e-8, equalNan = false): boolean {
    return native.allclose(this._h, h(other), rtol, atol, equalNan);
  }
  /** Same shape and the same values. */
  equal(other: Tensor): boolean {
    return native.equal(this._h, h(other));
  }

  // ---- reductions (dim: a number, a list, or omitted for all) ----
  sum(dim?: number | readonly number[] | null, keepdim = false, opts?: { dtype?: DType }): Tensor {
    return wrap(native.sum(this._h, checkDims('Tensor.sum', 'dim', dim), keepdim, dtypeOpt('Tensor.sum', opts)));
  }
  mean(dim?: number | readonly number[] | null, keepdim = false, opts?: { dtype?: DType }): Tensor {
    return wrap(native.mean(this._h, checkDims('Tensor.mean', 'dim', dim), keepdim, dtypeOpt('Tensor.mean', opts)));
  }
  /** `max()` is the largest value; `max(dim, keepdim)` gives values and indices along dim. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? wrap(native.max(this._h)) : pair(named('Tensor.max', () => native.maxDim(this._h, dim, keepdim)));
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices {
    return dim === undefined ? wrap(native.min(this._h)) : pair(named('Tensor.min', () => native.minDim(this._h, dim, keepdim)));
  }
  amax(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return wrap(native.amax(this._h, checkDims('Tensor.amax', 'dim', dim), keepdim));
  }
  amin(dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return wrap(native.amin(this._h, checkDims('Tensor.amin', 'dim', dim), keepdim));
  }
  argmax(dim: number | null = null, keepdim = false): Tensor {
    return wrap(native.argmax(this._h, dim, keepdim));
  }
  argmin(dim: number | null = null, keepdim = false): Tensor {
    return wrap(native.argmin(this._h, dim, keepdim));
  }
  /** Standard deviation; unbiased (Bessel's correction) by default, as in PyTorch. */
  std(dim?: number | readonly number[] | null, unbiased = true, keepdim = false): Tensor {
    return wrap(native.std(this._h, checkDims('Tensor.std', 'dim', dim), unbiased, keepdim));
  }
  var(dim?: number | readonly number[] | null, unbiased = true, keepdim = false): Tensor {
    return wrap(native.var(this._h, checkDims('Tensor.var', 'dim', dim), unbiased, keepdim));
  }
  prod(dim: number | null = null, keepdim = false, opts?: { dtype?: DType }): Tensor {
    return wrap(native.prod(this._h, dim, keepdim, dtypeOpt('Tensor.prod', opts)));
  }
  logsumexp(dim: number | readonly number[], keepdim = false): Tensor {
    return wrap(native.logsumexp(this._h, checkDims('Tensor.logsumexp', 'dim', dim), keepdim));
  }
  all(dim: number | null = null, keepdim = false): Tensor {
    return wrap(native.all(this._h, dim, keepdim));
  }
  any(dim: number | null = null, keepdim = false): Tensor {
    return wrap(native.any(this._h, dim, keepdim));
  }
  /** p-norm (p = 2 by default; Infinity for the max norm) over dim, or over everything. */
  norm(p = 2, dim?: number | readonly number[] | null, keepdim = false): Tensor {
    return wrap(native.norm(this._h, p, checkDims('Tensor.norm', 'dim', dim), keepdim));
  }
  cumsum(dim: number, opts?: { dtype?: DType }): Tensor {
    return wrap(native.cumsum(this._h, dim, dtypeOpt('Tensor.cumsum', opts)));
  }
  cumprod(dim: number, opts?: { dtype?: DType }): Tensor {
    return wrap(native.cumprod(this._h, dim, dtypeOpt('Tensor.cumprod', opts)));
  }
  topk(k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
    return pair(native.topk(this._h, k, dim, largest, sorted));
  }
  sort(dim = -1, descending = false, opts?: { stable?: boolean }): ValuesIndices {
    const stable = opts === undefined ? false : optBool('Tensor.sort', 'opts.stable', checkOptions('Tensor.sort', opts).stable, false);
    return pair(native.sort(this._h, dim, descending, stable));
  }
  argsort(dim = -1, descending = false): Tensor {
    // sort always returns [values, indices]
    const [values, indices] = named('Tensor.argsort', () => native.sort(this._h, dim, descending, false) as [Handle, Handle]);
    native.dispose(values);
    return wrap(indices);
  }
  /** The sorted unique values; with returnInverse / returnCounts also the inverse indices and counts. */
  unique(opts?: { sorted?: boolean; returnInverse?: boolean; returnCounts?: boolean }): Tensor & { inverse?: Tensor; counts?: Tensor } {
    const o = checkOptions('Tensor.unique', opts);
    const returnInverse = optBool('Tensor.unique', 'opts.returnInverse', o.returnInverse, false);
    const returnCounts = optBool('Tensor.unique', 'opts.returnCounts', o.returnCounts, false);
    // unique always returns [values, inverse, counts] (the last two empty when not asked for)
    const [v, inv, counts] = native.unique(this._h, optBool('Tensor.unique', 'opts.sorted', o.sorted, true), returnInverse, returnCounts) as [
      Handle,
      Handle,
      Handle,
    ];
    const out = wrap(v) as Tensor & { inverse?: Tensor; counts?: Tensor };
    if (returnInverse) out.inverse = wrap(inv);
    else native.dispose(inv);
    if (returnCounts) out.counts = wrap(counts);
    else native.dispose(counts);
    return out;
  }
  bincount(weights: Tensor | null = null, minlength = 0): Tensor {
    return wrap(native.bincount(this._h, oh(weights), minlength));
  }
  /** The histogram of the values in `bins` equal bins over [min, max] (PyTorch's histc: with min = max = 0, the
   * tensor's own range; values outside are left out; a floating-point tensor). */
  histc(bins = 100, min = 0, max = 0): Tensor {
    const fn = 'Tensor.histc';
    checkInt(fn, 'bins', bins, { min: 1, max: 2 ** 31 - 1 });
    checkNumber(fn, 'min', min);
    checkNumber(fn, 'max', max);
    if (max < min) fail(fn, 'max', `a number >= min (${min})`, max);
    return named(fn, () => wrap(native.histc(this._h, bins, min, max)));
  }
  median(): Tensor {
    return wrap(native.median(this._h));
  }
  countNonzero(dim: number | null = null): Tensor {
    return wrap(native.countNonzero(this._h, dim));
  }

  // ---- linear algebra ----
  matmul(other: Tensor): Tensor {
    return wrap(native.matmul(this._h, op(other)));
  }
  mm(other: Tensor): Tensor {
    return wrap(native.mm(this._h, op(other)));
  }
  bmm(other: Tensor): Tensor {
    return wrap(native.bmm(this._h, op(other)));
  }
  dot(other: Tensor): Tensor {
    return wrap(native.dot(this._h, op(other)));
  }
  outer(other: Tensor): Tensor {
    return wrap(native.outer(this._h, op(other)));
  }

  // ---- in place (return this) ----
  add_(other: Operand, alpha?: number): this {
    native.add_(this._h, op(other), alpha);
    return this;
  }
  sub_(other: Operand, alpha?: number): this {
    native.sub_(this._h, op(other), alpha);
    return this;
  }
  mul_(other: Operand): this {
    native.mul_(this._h, op(other));
    return this;
  }
  div_(other: Operand, roundingMode?: 'trunc' | 'floor'): this {
    native.div_(this._h, op(other), roundingMode);
    return this;
  }
  pow_(exponent: Operand): this {
    native.pow_(this._h, op(exponent));
    return this;
  }
  remainder_(other: Operand): this {
    native.remainder_(this._h, op(other));
    return this;
  }
  /** self += value * t1 * t2 */
  addcmul_(t1: Tensor, t2: Tensor, value = 1): this {
    native.addcmul_(this._h, h(t1), h(t2), value);
    return this;
  }
  /** self += value * t1 / t2 */
  addcdiv_(t1: Tensor, t2: Tensor, value = 1): this {
    native.addcdiv_(this._h, h(t1), h(t2), value);
    return this;
  }
  lerp_(end: Tensor, weight: Operand): this {
    native.lerp_(this._h, h(end), op(weight));
    return this;
  }
  clamp_(min: Operand | null = null, max: Operand | null = null): this {
    native.clamp_(this._h, min === null ? null : op(min), max === null ? null : op(max));
    return this;
  }
  zero_(): this {
    native.zero_(this._h);
    return this;
  }
  fill_(value: Operand): this {
    native.fill_(this._h, op(value));
    return this;
  }
  copy_(src: Tensor): this {
    native.copy_(this._h, op(src));
    return this;
  }
  /** Fills with U(from, to) draws; `{ generator }` draws from a torch.Generator. */
  uniform_(from = 0, to = 1, opts?: { generator?: Generator | null }): this {
    native.uniform_(this._h, from, to, randomGen('Tensor.uniform_', opts, this));
    return this;
  }
  normal_(mean = 0, std = 1, opts?: { generator?: Generator | null }): this {
    native.normal_(this._h, mean, std, randomGen('Tensor.normal_', opts, this));
    return this;
  }
  bernoulli_(p = 0.5, opts?: { generator?: Generator | null }): this {
    native.bernoulli_(this._h, p, randomGen('Tensor.bernoulli_', opts, this));
    return this;
  }
  sqrt_(): this {
    native.sqrt_(this._h);
    return this;
  }
  neg_(): this {
    native.neg_(this._h);
    return this;
  }
  abs_(): this {
    native.abs_(this._h);
    return this;
  }
  exp_(): this {
    native.exp_(this._h);
    return this;
  }
  log_(): this {
    native.log_(this._h);
    return this;
  }
  sigmoid_(): this {
    native.sigmoid_(this._h);
    return this;
  }
  tanh_(): this {
    native.tanh_(this._h);
    return this;
  }
  relu_(): this {
    native.relu_(this._h);
    return this;
  }
  floor_(): this {
    native.floor_(this._h);
    return this;
  }
  ceil_(): this {
    native.ceil_(this._h);
    return this;
  }
  round_(): this {
    native.round_(this._h);
    return this;
  }
  reciprocal_(): this {
    native.reciprocal_(this._h);
    return this;
  }
  square_(): this {
    native.square_(this._h);
    return this;
  }

  // ---- autograd ----
  requiresGrad_(requiresGrad = true): this {
    native.requiresGrad_(this._h, requiresGrad);
    return this;
  }
  /** Accumulates d(this)/d(leaf) into each leaf's .grad. A non-scalar tensor needs `gradient`. */
  backward(gradient?: Tensor | null, opts?: { retainGraph?: boolean; createGraph?: boolean }): void {
    const o = checkOptions('Tensor.backward', opts);
    native.backward(this._h, oh(gradient), o.retainGraph ?? null, o.createGraph ?? false);
    // modules' backward hooks (nn's registerFullBackwardHook) run once the gradients are in
    fireBackwardHooks();
  }
  /** The accumulated gradient (a new wrapper each read, owned by the current scope), or null. */
  get grad(): Tensor | null {
    const g = native.grad(this._h) as Handle | null;
    return g === null ? null : wrap(g);
  }
  set grad(g: Tensor | null) {
    if (g !== null && !(g instanceof Tensor)) fail('Tensor.grad', 'grad', 'a tensor or null', g);
    named('Tensor.grad', () => native.setGrad(this._h, oh(g)));
  }
  retainGrad(): this {
    native.retainGrad(this._h);
    return this;
  }
  /** Replaces this tensor's data (values, dtype, device) with src's, keeping its identity and grad flag. */
  setData_(src: Tensor): this {
    native.setData_(this._h, h(src));
    this._shape = undefined; // shape and dtype may have changed
    this._dtype = undefined;
    return this;
  }
}
