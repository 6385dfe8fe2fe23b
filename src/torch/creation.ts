// Making tensors: from JS values and TypedArrays, and libtorch's factories.
import { native } from './native.js';
import { type DType, ITEM_SIZE, dtypeCode, dtypeOfTypedArray, isFloating, toDType } from './dtype.js';
import { TorchError } from './errors.js';
import { type ShapeArgs, Tensor, shapeOf, wrap } from './tensor.js';

export interface TensorOptions {
  dtype?: DType | string;
  device?: string;
  requiresGrad?: boolean;
}

/** Nested arrays of numbers, booleans or bigints, or a TypedArray. */
export type TensorData = number | boolean | bigint | ArrayBufferView | readonly TensorData[];

function finish(t: Tensor, opts: TensorOptions): Tensor {
  if (opts.requiresGrad) {
    if (!isFloating(t.dtype)) {
      t.dispose();
      throw new TorchError(`requiresGrad needs a floating-point dtype, got ${t.dtype}`);
    }
    t.requiresGrad_(true);
  }
  return t;
}
function dev(opts: TensorOptions): string {
  const d = opts.device ?? 'cpu';
  if (typeof d !== 'string') throw new TorchError(`a device is a string like 'cpu' or 'cuda:0', got ${String(d)}`);
  return d;
}

function inferShape(data: TensorData): number[] {
  const shape: number[] = [];
  let cur: TensorData = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0] as TensorData;
  }
  return shape;
}

type Kind = 'number' | 'boolean' | 'bigint';

/** Flattens a nested array, checking it is rectangular and of one element kind. */
function flatten(data: TensorData, shape: number[]): { flat: (number | boolean | bigint)[]; kind: Kind } {
  const flat: (number | boolean | bigint)[] = [];
  let kind: Kind | null = null;
  const at: number[] = [];  // the index being visited; turned into "[i][j]" only for an error message
  const path = (): string => at.map((i) => `[${i}]`).join('');
  const walk = (v: TensorData, d: number): void => {
    if (d === shape.length) {
      const k = typeof v;
      if (k !== 'number' && k !== 'boolean' && k !== 'bigint') {
        throw new TorchError(`torch.tensor: element ${path() || '(scalar)'} is ${Array.isArray(v) ? 'an array (ragged nesting)' : k}, expected a number`);
      }
      if (kind === null) kind = k;
      else if (kind !== k) throw new TorchError(`torch.tensor: element ${path()} is a ${k} but earlier elements are ${kind}s`);
      flat.push(v as number | boolean | bigint);
      return;
    }
    if (!Array.isArray(v)) throw new TorchError(`torch.tensor: ragged nested array: ${path() || 'the value'} is not an array but sibling entries are arrays of length ${shape[d]}`);
    if (v.length !== shape[d]) throw new TorchError(`torch.tensor: ragged nested array: ${path() || 'the value'} has length ${v.length}, expected ${shape[d]}`);
    at.push(0);
    for (let i = 0; i < v.length; i++) {
      at[d] = i;
      walk(v[i] as TensorData, d + 1);
    }
    at.pop();
  };
  walk(data, 0);
  return { flat, kind: kind ?? 'number' };
}

/**
 * A new tensor holding a copy of `data`. JS cannot tell 1 from 1.0, so numbers give float32 unless you pass
 * `dtype` (use `{ dtype: 'int64' }` for class labels); booleans give bool, bigints int64, and a TypedArray
 * keeps its own dtype.
 */
export function tensor(data: TensorData, opts: TensorOptions = {}): Tensor {
  const device = dev(opts);
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const src = dtypeOfTypedArray(data);
    const dst = opts.dtype === undefined ? src : toDType(opts.dtype);
    const n = data.byteLength / ITEM_SIZE[src];
    return finish(wrap(native.fromTyped(data, dtypeCode(src), [n], dtypeCode(dst), device)), opts);
  }
  const shape = inferShape(data);
  const { flat, kind } = flatten(data, shape);
  const dst = opts.dtype !== undefined ? toDType(opts.dtype)
    : kind === 'boolean' ? 'bool' : kind === 'bigint' ? 'int64' : 'float32';
  let buf: Float64Array | BigInt64Array | Uint8Array;
  let src: DType;
  if (kind === 'bigint') {
    buf = BigInt64Array.from(flat as bigint[]);
    src = 'int64';
  } else if (kind === 'boolean') {
    buf = Uint8Array.from(flat as boolean[], (b) => (b ? 1 : 0));
    src = 'bool';
  } else {
    buf = Float64Array.from(flat as number[]);
    src = 'float64';
    if (!isFloating(dst)) {
      const bad = buf.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) throw new TorchError(`torch.tensor: cannot convert ${buf[bad]} (element ${bad}) to ${dst}`);
      if (dst === 'int64' && buf.some((v) => Math.abs(v) > Number.MAX_SAFE_INTEGER)) {
        // A double cannot hold these exactly; go through bigint so no digits are lost silently.
        throw new TorchError('torch.tensor: integers beyond 2^53 lose precision as JS numbers; pass them as bigints');
      }
    }
  }
  return finish(wrap(native.fromTyped(buf, dtypeCode(src), shape, dtypeCode(dst), device)), opts);
}

/** A tensor over a copy of a TypedArray's values, with the given shape. */
export function fromTypedArray(data: ArrayBufferView, shape: readonly number[], opts: TensorOptions = {}): Tensor {
  const src = dtypeOfTypedArray(data);
  const dst = opts.dtype === undefined ? src : toDType(opts.dtype);
  return finish(wrap(native.fromTyped(data, dtypeCode(src), [...shape], dtypeCode(dst), dev(opts))), opts);
}

type Factory = 'zeros' | 'ones' | 'empty' | 'rand' | 'randn';
function factory(kind: Factory, shape: number[], opts: TensorOptions): Tensor {
  const dtype = opts.dtype === undefined ? 'float32' : opts.dtype;
  return finish(wrap(native[kind](shape, dtypeCode(dtype), dev(opts))), opts);
}

/** Shapes as an array (`zeros([2, 3])`) or as numbers (`zeros(2, 3)`), options last. */
type ShapeAndOpts = [...ShapeArgs] | [...ShapeArgs, TensorOptions];
function split(args: ShapeAndOpts): [number[], TensorOptions] {
  const last = args[args.length - 1];
  if (last !== undefined && typeof last === 'object' && !Array.isArray(last)) {
    return [shapeOf(args.slice(0, -1) as ShapeArgs), last as TensorOptions];
  }
  return [shapeOf(args as ShapeArgs), {}];
}

export function zeros(...args: ShapeAndOpts): Tensor { return factory('zeros', ...split(args)); }
export function ones(...args: ShapeAndOpts): Tensor { return factory('ones', ...split(args)); }
export function empty(...args: ShapeAndOpts): Tensor { return factory('empty', ...split(args)); }
/** Uniform on [0, 1). */
export function rand(...args: ShapeAndOpts): Tensor { return factory('rand', ...split(args)); }
/** Standard normal. */
export function randn(...args: ShapeAndOpts): Tensor { return factory('randn', ...split(args)); }

/** Filled with `value`; float32 for numbers (bool for booleans) unless dtype says otherwise. */
export function full(shape: readonly number[], value: number | boolean, opts: TensorOptions = {}): Tensor {
  const dtype = opts.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  return finish(wrap(native.full([...shape], value, dtypeCode(dtype), dev(opts))), opts);
}

/** Integers uniform on [low, high); int64 unless dtype says otherwise. */
export function randint(low: number, high: number, shape: readonly number[], opts: TensorOptions = {}): Tensor {
  return finish(wrap(native.randint(low, high, [...shape], dtypeCode(opts.dtype ?? 'int64'), dev(opts))), opts);
}

/**
 * `arange(end)`, `arange(start, end, step?)`. int64 when every argument is an integer (as PyTorch does for
 * Python ints), float32 otherwise.
 */
export function arange(start: number, end?: number | TensorOptions, step?: number | TensorOptions, opts: TensorOptions = {}): Tensor {
  if (typeof end === 'object') { opts = end; end = undefined; }
  if (typeof step === 'object') { opts = step; step = undefined; }
  if (end === undefined) { end = start; start = 0; }
  const s = step ?? 1;
  if (s === 0) throw new TorchError('arange: step must be nonzero');
  const dtype = opts.dtype ?? ([start, end, s].every(Number.isInteger) ? 'int64' : 'float32');
  return finish(wrap(native.arange(start, end, s, dtypeCode(dtype), dev(opts))), opts);
}

export function linspace(start: number, end: number, steps: number, opts: TensorOptions = {}): Tensor {
  return finish(wrap(native.linspace(start, end, steps, dtypeCode(opts.dtype ?? 'float32'), dev(opts))), opts);
}

export function eye(n: number, m: number | TensorOptions = n, opts: TensorOptions = {}): Tensor {
  if (typeof m === 'object') { opts = m; m = n; }
  return finish(wrap(native.eye(n, m, dtypeCode(opts.dtype ?? 'float32'), dev(opts))), opts);
}

/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number, opts: TensorOptions = {}): Tensor {
  return finish(wrap(native.randperm(n, dtypeCode(opts.dtype ?? 'int64'), dev(opts))), opts);
}

/** A permutation of 0..n-1 (int64, CPU) drawn from a private generator seeded with `seed`: the same seed
 * gives the same permutation, and the global generator is not advanced. */
export function randpermSeeded(n: number, seed: number): Tensor {
  return wrap(native.randpermSeeded(n, seed));
}

/** A 0-dim tensor. */
export function scalarTensor(value: number | boolean, opts: TensorOptions = {}): Tensor {
  const dtype = opts.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  return finish(wrap(native.scalarTensor(value, dtypeCode(dtype), dev(opts))), opts);
}

function like(t: Tensor, opts: TensorOptions): TensorOptions {
  return { dtype: opts.dtype ?? t.dtype, device: opts.device ?? t.device, requiresGrad: opts.requiresGrad };
}
export function zerosLike(t: Tensor, opts: TensorOptions = {}): Tensor { return zeros([...t.shape], like(t, opts)); }
export function onesLike(t: Tensor, opts: TensorOptions = {}): Tensor { return ones([...t.shape], like(t, opts)); }
export function emptyLike(t: Tensor, opts: TensorOptions = {}): Tensor { return empty([...t.shape], like(t, opts)); }
export function randLike(t: Tensor, opts: TensorOptions = {}): Tensor { return rand([...t.shape], like(t, opts)); }
export function randnLike(t: Tensor, opts: TensorOptions = {}): Tensor { return randn([...t.shape], like(t, opts)); }
export function fullLike(t: Tensor, value: number | boolean, opts: TensorOptions = {}): Tensor {
  return full([...t.shape], value, like(t, opts));
}
