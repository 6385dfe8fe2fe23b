import { TorchError } from './errors.js';
import { fail } from './validate.js';

/** The dtypes Flint supports, named as in PyTorch without the `torch.` prefix. */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int8' | 'uint8' | 'int16' | 'int32' | 'int64' | 'bool';

// c10::ScalarType numbering, stable across libtorch 1.x and 2.x.
const CODES: Record<DType, number> = {
  uint8: 0,
  int8: 1,
  int16: 2,
  int32: 3,
  int64: 4,
  float16: 5,
  float32: 6,
  float64: 7,
  bool: 11,
  bfloat16: 15,
};
const NAMES: DType[] = [];
for (const [name, code] of Object.entries(CODES)) NAMES[code] = name as DType;

/** PyTorch's aliases for the same dtypes. */
const ALIASES: Record<string, DType> = {
  float: 'float32',
  double: 'float64',
  half: 'float16',
  long: 'int64',
  int: 'int32',
  short: 'int16',
  byte: 'uint8',
  char: 'int8',
};

export const ITEM_SIZE: Record<DType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int8: 1,
  uint8: 1,
  int16: 2,
  int32: 4,
  int64: 8,
  bool: 1,
};

export const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int8', 'uint8', 'int16', 'int32', 'int64', 'bool'];

/** The dtype a name stands for ('float32', PyTorch's 'torch.float32', aliases like 'long'), or undefined. */
function lookup(d: unknown): DType | undefined {
  if (typeof d !== 'string') return undefined;
  const s = d.startsWith('torch.') ? d.slice(6) : d;
  return Object.hasOwn(CODES, s) ? (s as DType) : Object.hasOwn(ALIASES, s) ? ALIASES[s] : undefined;
}

/**
 * Accepts 'float32', PyTorch's 'torch.float32', and aliases like 'long'; otherwise throws an ArgumentError
 * naming `fn` (the public function called) and `arg`.
 */
export function toDType(d: unknown, fn = 'torch.dtype', arg = 'dtype'): DType {
  const t = lookup(d);
  if (t === undefined) fail(fn, arg, `a dtype (one of ${DTYPES.join(', ')})`, d);
  return t;
}

/** Whether a value names a dtype (so `to('int64')` converts and `to('cuda')` moves). */
export function isDTypeName(s: unknown): boolean {
  return lookup(s) !== undefined;
}

export function dtypeCode(d: unknown, fn?: string, arg?: string): number {
  return CODES[toDType(d, fn, arg)];
}

export function dtypeFromCode(code: number): DType {
  const n = NAMES[code];
  if (!n) throw new TorchError(`libtorch returned an unsupported dtype (ScalarType ${code})`);
  return n;
}

export function isFloating(d: unknown): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

/** The TypedArray that toTypedArray() returns for a dtype (float16/bfloat16 are read as float32). */
export type TypedArrayFor<D extends DType> = D extends 'float64'
  ? Float64Array
  : D extends 'int64'
    ? BigInt64Array
    : D extends 'int32'
      ? Int32Array
      : D extends 'int16'
        ? Int16Array
        : D extends 'int8'
          ? Int8Array
          : D extends 'uint8' | 'bool'
            ? Uint8Array
            : Float32Array;

export type AnyTypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Uint8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8ClampedArray
  | Uint16Array
  | Uint32Array;

/** The dtype a TypedArray holds, for torch.tensor(typedArray). */
export function dtypeOfTypedArray(a: ArrayBufferView): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int16Array) return 'int16';
  if (a instanceof Int8Array) return 'int8';
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return 'uint8';
  throw new TorchError(
    `unsupported TypedArray ${a.constructor.name}: use Float32Array, Float64Array, Int8Array, ` +
      'Uint8Array, Int16Array, Int32Array or BigInt64Array',
  );
}
