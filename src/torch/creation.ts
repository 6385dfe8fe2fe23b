// Making tensors: from JS values and TypedArrays, and libtorch's factories.
import { native } from './native.js';
import { type DType, ITEM_SIZE, dtypeCode, dtypeOfTypedArray, isFloating, toDType } from './dtype.js';
import { type ShapeArgs, type Tensor, wrap } from './tensor.js';
import { shapeOf } from './args.js';
import { checkOptions, checkShape, checkTensor, fail, checkDevice, named } from './validate.js';
import { type Generator, generatorOf } from './generator.js';
import type { GenHandle } from './native-api.js';

export interface TensorOptions {
  dtype?: DType | string;
  device?: string;
  requiresGrad?: boolean;
}

/** The options of a random op: a tensor's, and the generator to draw from (default: libtorch's default one). */
export interface RandomOptions extends TensorOptions {
  generator?: Generator | null;
}

/** Nested arrays of numbers, booleans or bigints, or a TypedArray. */
export type TensorData = number | boolean | bigint | ArrayBufferView | readonly TensorData[];

/** TensorOptions checked for the public function fn (unknown keys are refused: `requires_grad` is a typo). */
interface Checked {
  dtype: DType | undefined;
  device: string;
  requiresGrad: boolean;
  /** Random ops only: the generator (null: the default one). */
  generator?: GenHandle | null;
}
const OPTION_KEYS = ['dtype', 'device', 'requiresGrad'] as const;
const RANDOM_KEYS = [...OPTION_KEYS, 'generator'] as const;
function options(fn: string, opts: unknown, random = false): Checked {
  const o = checkOptions(fn, opts as RandomOptions | undefined, random ? RANDOM_KEYS : OPTION_KEYS, 'opts');
  const dtype = o.dtype === undefined || o.dtype === null ? undefined : toDType(o.dtype, fn, 'opts.dtype');
  const device = o.device === undefined || o.device === null ? 'cpu' : checkDevice(fn, 'opts.device', o.device);
  const rg = o.requiresGrad;
  if (rg !== undefined && rg !== null && typeof rg !== 'boolean') fail(fn, 'opts.requiresGrad', 'a boolean', rg);
  if (rg === true && dtype !== undefined && !isFloating(dtype))
    fail(fn, 'opts.requiresGrad', `false for dtype ${dtype} (only floating-point tensors take gradients)`, rg);
  if (!random) return { dtype, device, requiresGrad: rg === true };
  return { dtype, device, requiresGrad: rg === true, generator: generatorOf(fn, 'opts.generator', o.generator, device) };
}

function finish(fn: string, t: Tensor, o: Checked): Tensor {
  if (o.requiresGrad) {
    if (!isFloating(t.dtype)) {
      const dtype = t.dtype;
      t.dispose();
      fail(fn, 'opts.requiresGrad', `false for dtype ${dtype} (only floating-point tensors take gradients)`, true);
    }
    t.requiresGrad_(true);
  }
  return t;
}

/** A shape argument, checked (non-negative integers) and copied. */
const arrayArg = (fn: string, arg: string, v: unknown): number[] => [...checkShape(fn, arg, v)];

// More nesting than this is a mistake, or an array that contains itself (which would never end).
const MAX_DIMS = 64;

function inferShape(data: TensorData): number[] {
  const shape: number[] = [];
  let cur: TensorData = data;
  while (Array.isArray(cur)) {
    if (shape.length === MAX_DIMS) fail('torch.tensor', 'data', `nested arrays at most ${MAX_DIMS} deep`, data);
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
  const at: number[] = []; // the index being visited; turned into "[i][j]" only for an error message
  const path = (): string => at.map((i) => `[${i}]`).join('');
  const walk = (v: TensorData, d: number): void => {
    if (d === shape.length) {
      const k = typeof v;
      if (k !== 'number' && k !== 'boolean' && k !== 'bigint') {
        fail('torch.tensor', `data${path()}`, Array.isArray(v) ? 'a number (the nesting is ragged)' : 'a number, boolean or bigint', v);
      }
      if (kind === null) kind = k;
      else if (kind !== k) fail('torch.tensor', `data${path()}`, `a ${kind} like the elements before it`, v);
      flat.push(v as number | boolean | bigint);
      return;
    }
    if (!Array.isArray(v)) fail('torch.tensor', `data${path()}`, `an array of length ${shape[d]} like its siblings (the nesting is ragged)`, v);
    if (v.length !== shape[d]) fail('torch.tensor', `data${path()}`, `an array of length ${shape[d]} like its siblings (the nesting is ragged)`, v);
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
export function tensor(data: TensorData, opts?: TensorOptions): Tensor {
  const o = options('torch.tensor', opts);
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const src = typedDType('torch.tensor', 'data', data);
    const dst = o.dtype ?? src;
    const n = data.byteLength / ITEM_SIZE[src];
    return finish(
      'torch.tensor',
      named('torch.tensor', () => wrap(native.fromTyped(data, dtypeCode(src), [n], dtypeCode(dst), o.device))),
      o,
    );
  }
  const shape = inferShape(data);
  const { flat, kind } = flatten(data, shape);
  const dst = o.dtype ?? (kind === 'boolean' ? 'bool' : kind === 'bigint' ? 'int64' : 'float32');
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
      if (bad >= 0) fail('torch.tensor', `data (element ${bad})`, `a finite number for dtype ${dst}`, buf[bad]);
      if (dst === 'int64' && buf.some((v) => Math.abs(v) > Number.MAX_SAFE_INTEGER)) {
        // A double cannot hold these exactly; go through bigint so no digits are lost silently.
        fail(
          'torch.tensor',
          'data',
          'integers within 2^53 (pass larger ones as bigints: JS numbers lose their digits)',
          buf.find((v) => Math.abs(v) > Number.MAX_SAFE_INTEGER),
        );
      }
    }
  }
  return finish(
    'torch.tensor',
    named('torch.tensor', () => wrap(native.fromTyped(buf, dtypeCode(src), shape, dtypeCode(dst), o.device))),
    o,
  );
}

function typedDType(fn: string, arg: string, data: unknown): DType {
  if (!ArrayBuffer.isView(data) || data instanceof DataView) fail(fn, arg, 'a TypedArray', data);
  try {
    return dtypeOfTypedArray(data);
  } catch {
    return fail(fn, arg, 'a Float32Array, Float64Array, Int8Array, Uint8Array, Int16Array, Int32Array or BigInt64Array', data);
  }
}

/** A tensor over a copy of a TypedArray's values, with the given shape. */
export function fromTypedArray(data: ArrayBufferView, shape: readonly number[], opts?: TensorOptions): Tensor {
  const fn = 'torch.fromTypedArray';
  const src = typedDType(fn, 'data', data);
  const dims = arrayArg(fn, 'shape', shape);
  const o = options(fn, opts);
  const dst = o.dtype ?? src;
  return finish(
    fn,
    named(fn, () => wrap(native.fromTyped(data, dtypeCode(src), dims, dtypeCode(dst), o.device))),
    o,
  );
}

type Factory = 'zeros' | 'ones' | 'empty' | 'rand' | 'randn';
function factory(kind: Factory, fn: string, shape: number[], o: Checked): Tensor {
  const dt = dtypeCode(o.dtype ?? 'float32');
  const t = kind === 'rand' || kind === 'randn' ? native[kind](shape, dt, o.device, o.generator ?? null) : native[kind](shape, dt, o.device);
  return finish(fn, wrap(t), o);
}

/** Shapes as an array (`zeros([2, 3])`) or as numbers (`zeros(2, 3)`), options last. */
type ShapeAndOpts = [...ShapeArgs] | [...ShapeArgs, TensorOptions];
type ShapeAndRandomOpts = [...ShapeArgs] | [...ShapeArgs, RandomOptions];
function split(fn: string, args: ShapeAndOpts | ShapeAndRandomOpts, random = false): [number[], Checked] {
  let n = args.length;
  while (n > 0 && args[n - 1] === undefined) n--; // zeros([2], undefined) is zeros([2])
  const last = args[n - 1];
  if (n > 0 && (last === null || (typeof last === 'object' && !Array.isArray(last)))) {
    return [checkShape(fn, 'shape', shapeOf(args.slice(0, n - 1) as ShapeArgs, fn)), options(fn, last, random)];
  }
  return [checkShape(fn, 'shape', shapeOf(args.slice(0, n) as ShapeArgs, fn)), options(fn, undefined, random)];
}

export function zeros(...args: ShapeAndOpts): Tensor {
  return factory('zeros', 'torch.zeros', ...split('torch.zeros', args));
}
export function ones(...args: ShapeAndOpts): Tensor {
  return factory('ones', 'torch.ones', ...split('torch.ones', args));
}
export function empty(...args: ShapeAndOpts): Tensor {
  return factory('empty', 'torch.empty', ...split('torch.empty', args));
}
/** Uniform on [0, 1); `{ generator }` draws from a torch.Generator. */
export function rand(...args: ShapeAndRandomOpts): Tensor {
  return factory('rand', 'torch.rand', ...split('torch.rand', args, true));
}
/** Standard normal; `{ generator }` draws from a torch.Generator. */
export function randn(...args: ShapeAndRandomOpts): Tensor {
  return factory('randn', 'torch.randn', ...split('torch.randn', args, true));
}

/** Filled with `value`; float32 for numbers (bool for booleans) unless dtype says otherwise. */
export function full(shape: readonly number[], value: number | boolean, opts?: TensorOptions): Tensor {
  const fn = 'torch.full';
  const dims = arrayArg(fn, 'shape', shape);
  const o = options(fn, opts);
  const dtype = o.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  return finish(fn, wrap(native.full(dims, value, dtypeCode(dtype), o.device)), o);
}

/** Integers uniform on [low, high); int64 unless dtype says otherwise. */
export function randint(low: number, high: number, shape: readonly number[], opts?: RandomOptions): Tensor {
  const dims = arrayArg('torch.randint', 'shape', shape);
  const o = options('torch.randint', opts, true);
  return finish('torch.randint', wrap(native.randint(low, high, dims, dtypeCode(o.dtype ?? 'int64'), o.device, o.generator ?? null)), o);
}

const isOpts = (v: unknown): boolean => v !== null && typeof v === 'object';

/**
 * `arange(end)`, `arange(start, end, step?)`. int64 when every argument is an integer (as PyTorch does for
 * Python ints), float32 otherwise.
 */
export function arange(start: number, end?: number | TensorOptions, step?: number | TensorOptions, opts?: TensorOptions): Tensor {
  if (isOpts(end)) {
    opts = end as TensorOptions;
    end = undefined;
  }
  if (isOpts(step)) {
    opts = step as TensorOptions;
    step = undefined;
  }
  if (end === undefined || end === null) {
    end = start;
    start = 0;
  }
  const s = step ?? 1;
  if (s === 0) fail('torch.arange', 'step', 'a nonzero number', s);
  const o = options('torch.arange', opts);
  const dtype = o.dtype ?? ([start, end, s].every(Number.isInteger) ? 'int64' : 'float32');
  return finish('torch.arange', wrap(native.arange(start, end as number, s as number, dtypeCode(dtype), o.device)), o);
}

export function linspace(start: number, end: number, steps: number, opts?: TensorOptions): Tensor {
  const o = options('torch.linspace', opts);
  return finish('torch.linspace', wrap(native.linspace(start, end, steps, dtypeCode(o.dtype ?? 'float32'), o.device)), o);
}

export function eye(n: number, m?: number | TensorOptions, opts?: TensorOptions): Tensor {
  if (isOpts(m)) {
    opts = m as TensorOptions;
    m = undefined;
  }
  const o = options('torch.eye', opts);
  return finish('torch.eye', wrap(native.eye(n, (m as number | undefined) ?? n, dtypeCode(o.dtype ?? 'float32'), o.device)), o);
}

/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number, opts?: RandomOptions): Tensor {
  const o = options('torch.randperm', opts, true);
  return finish('torch.randperm', wrap(native.randperm(n, dtypeCode(o.dtype ?? 'int64'), o.device, o.generator ?? null)), o);
}

/** A permutation of 0..n-1 (int64, CPU) drawn from a private generator seeded with `seed`: the same seed
 * gives the same permutation, and the global generator is not advanced. */
export function randpermSeeded(n: number, seed: number): Tensor {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) fail('torch.randpermSeeded', 'seed', 'a non-negative safe integer', seed);
  return wrap(native.randpermSeeded(n, seed));
}

/** A 0-dim tensor. */
export function scalarTensor(value: number | boolean, opts?: TensorOptions): Tensor {
  const o = options('torch.scalarTensor', opts);
  const dtype = o.dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32');
  return finish('torch.scalarTensor', wrap(native.scalarTensor(value, dtypeCode(dtype), o.device)), o);
}

/** The options of a *Like function: the tensor's dtype and device unless given. */
function like(fn: string, t: Tensor, opts: TensorOptions | undefined): [number[], Checked] {
  checkTensor(fn, 'input', t);
  const o = options(fn, opts);
  return [[...t.shape], { dtype: o.dtype ?? t.dtype, device: opts?.device == null ? t.device : o.device, requiresGrad: o.requiresGrad }];
}
function factoryLike(kind: Factory, fn: string, t: Tensor, opts: TensorOptions | undefined): Tensor {
  const [shape, o] = like(fn, t, opts);
  return named(fn, () => factory(kind, fn, shape, o));
}
export function zerosLike(t: Tensor, opts?: TensorOptions): Tensor {
  return factoryLike('zeros', 'torch.zerosLike', t, opts);
}
export function onesLike(t: Tensor, opts?: TensorOptions): Tensor {
  return factoryLike('ones', 'torch.onesLike', t, opts);
}
export function emptyLike(t: Tensor, opts?: TensorOptions): Tensor {
  return factoryLike('empty', 'torch.emptyLike', t, opts);
}
export function randLike(t: Tensor, opts?: TensorOptions): Tensor {
  return factoryLike('rand', 'torch.randLike', t, opts);
}
export function randnLike(t: Tensor, opts?: TensorOptions): Tensor {
  return factoryLike('randn', 'torch.randnLike', t, opts);
}
export function fullLike(t: Tensor, value: number | boolean, opts?: TensorOptions): Tensor {
  const [shape, o] = like('torch.fullLike', t, opts);
  return named('torch.fullLike', () => finish('torch.fullLike', wrap(native.full(shape, value, dtypeCode(o.dtype!), o.device)), o));
}
