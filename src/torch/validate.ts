// The validation layer at the public surface ("JS validates, C++ executes"): small checks that throw an
// ArgumentError reading "fn: expected X for Y, got Z". `fn` is the public name the user called
// ('torch.zeros', 'Tensor.sum', 'nn.Linear', 'Learner.fit'), `arg` the argument or option at fault.
import { ArgumentError, FlintError } from './errors.js';
import { native } from './native.js';

const TENSOR = Symbol.for('flint.tensor');

function tensorText(v: { shape: readonly number[]; dtype: string; device: string; isDisposed: boolean }): string {
  if (v.isDisposed) return 'a disposed tensor';
  const dev = v.device === 'cpu' ? '' : ` on ${v.device}`;
  return `a tensor ${v.dtype}[${v.shape.join(', ')}]${dev}`;
}

function short(s: string, max = 40): string {
  return s.length > max ? `${s.slice(0, max)}...` : s;
}

function describeInner(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'undefined':
      return 'undefined';
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'bigint':
      return `${v}n (a BigInt)`;
    case 'string':
      return short(JSON.stringify(v));
    case 'boolean':
      return String(v);
    case 'symbol':
      return short(v.toString());
    case 'function':
      return v.name ? `a function ${v.name}` : 'a function';
    default:
      break;
  }
  if (v === null) return 'null';
  const o = v as Record<PropertyKey, unknown>;
  if (o[TENSOR] === true) return tensorText(o as never);
  if (Array.isArray(v)) {
    if (depth > 0) return `an array of length ${v.length}`;
    const items = v.slice(0, 4).map((x) => describeInner(x, depth + 1));
    return `[${items.join(', ')}${v.length > 4 ? `, ... (${v.length} items)` : ''}]`;
  }
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name} of length ${(v as unknown as ArrayLike<unknown>).length ?? v.byteLength}`;
  const proto = Object.getPrototypeOf(v);
  if (proto === Object.prototype || proto === null) {
    const keys = Object.keys(o);
    return keys.length === 0 ? 'an empty object {}' : `an object {${short(keys.slice(0, 5).join(', '))}${keys.length > 5 ? ', ...' : ''}}`;
  }
  const name = proto?.constructor?.name;
  return typeof name === 'string' && name ? `a ${name}` : 'an object';
}

/** A short, safe description of any value for an error message: never throws, never prints huge data. */
export function describe(v: unknown): string {
  try {
    return describeInner(v, 0);
  } catch {
    return 'a value that cannot be inspected';
  }
}

/** Throws the ArgumentError "fn: expected X for arg, got <described value>". */
export function fail(fn: string, arg: string, expected: string, got: unknown): never {
  throw new ArgumentError(fn, arg, expected, describe(got));
}

export interface NumberRule {
  /** Whole numbers only. */
  integer?: boolean;
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  gt?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Allow ±Infinity (NaN is never allowed). */
  infinite?: boolean;
}

function ruleText(r: NumberRule): string {
  let s = r.integer ? 'an integer' : r.infinite ? 'a number' : 'a finite number';
  const bounds: string[] = [];
  if (r.gt !== undefined) bounds.push(`> ${r.gt}`);
  if (r.min !== undefined) bounds.push(`>= ${r.min}`);
  if (r.max !== undefined) bounds.push(`<= ${r.max}`);
  if (bounds.length) s += ` ${bounds.join(' and ')}`;
  return s;
}

/** A number obeying the rule (by default: finite). */
export function checkNumber(fn: string, arg: string, v: unknown, rule: NumberRule = {}): number {
  const ok =
    typeof v === 'number' &&
    !Number.isNaN(v) &&
    (rule.infinite || Number.isFinite(v)) &&
    (!rule.integer || Number.isSafeInteger(v)) &&
    (rule.min === undefined || v >= rule.min) &&
    (rule.gt === undefined || v > rule.gt) &&
    (rule.max === undefined || v <= rule.max);
  if (!ok) fail(fn, arg, ruleText(rule), v);
  return v as number;
}

/** A safe integer within the bounds. */
export function checkInt(fn: string, arg: string, v: unknown, rule: Omit<NumberRule, 'integer' | 'infinite'> = {}): number {
  return checkNumber(fn, arg, v, { ...rule, integer: true });
}

export function checkBool(fn: string, arg: string, v: unknown): boolean {
  if (typeof v !== 'boolean') fail(fn, arg, 'a boolean', v);
  return v as boolean;
}

export function checkString(fn: string, arg: string, v: unknown): string {
  if (typeof v !== 'string') fail(fn, arg, 'a string', v);
  return v as string;
}

export function checkOneOf<T extends string>(fn: string, arg: string, v: unknown, choices: readonly T[]): T {
  if (typeof v !== 'string' || !(choices as readonly string[]).includes(v)) {
    fail(fn, arg, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, v);
  }
  return v as T;
}

export function checkFunction<F extends (...a: never[]) => unknown>(fn: string, arg: string, v: unknown): F {
  if (typeof v !== 'function') fail(fn, arg, 'a function', v);
  return v as F;
}

/** A plain options object; undefined gives {}. With `known`, unknown keys (typos) are refused. */
export function checkOptions<T extends object>(fn: string, v: T | undefined, known?: readonly string[], arg = 'options'): T {
  if (v === undefined) return {} as T;
  if (v === null || typeof v !== 'object' || Array.isArray(v) || (v as Record<PropertyKey, unknown>)[TENSOR] === true) {
    fail(fn, arg, 'an options object', v);
  }
  if (known) {
    for (const k of Object.keys(v)) {
      if (!known.includes(k)) fail(fn, `${arg}.${k}`, `one of the options ${known.join(', ')}`, k);
    }
  }
  return v;
}

/** A shape: an array of non-negative safe integers. */
export function checkShape(fn: string, arg: string, v: unknown): number[] {
  if (!Array.isArray(v)) fail(fn, arg, 'an array of non-negative integers', v);
  const a = v as unknown[];
  for (let i = 0; i < a.length; i++) {
    const d = a[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) fail(fn, `${arg}[${i}]`, 'a non-negative integer', d);
  }
  return a as number[];
}

/** A dimension index (negative counts from the end). */
export function checkDim(fn: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) fail(fn, arg, 'an integer dimension', v);
  return v as number;
}

/** An integer, an array of integers, or null/undefined (all dimensions). */
export function checkDims(fn: string, arg: string, v: unknown): number[] | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return [checkDim(fn, arg, v)];
  if (!Array.isArray(v)) fail(fn, arg, 'an integer or an array of integers', v);
  return (v as unknown[]).map((d, i) => checkDim(fn, `${arg}[${i}]`, d));
}

/** An array (of any items; check those separately). */
export function checkArray<T = unknown>(fn: string, arg: string, v: unknown, what = 'an array'): T[] {
  if (!Array.isArray(v)) fail(fn, arg, what, v);
  return v as T[];
}

/** A live Flint tensor (not disposed). */
export function checkTensor<T>(fn: string, arg: string, v: T): T {
  const o = v as Record<PropertyKey, unknown> | null;
  if (o === null || typeof o !== 'object' || o[TENSOR] !== true) fail(fn, arg, 'a tensor', v);
  if ((o as { isDisposed: boolean }).isDisposed) fail(fn, arg, 'a live tensor', v);
  return v;
}

/** True when v is a Flint tensor (live or disposed). */
export function isTensorLike(v: unknown): boolean {
  return v !== null && typeof v === 'object' && (v as Record<PropertyKey, unknown>)[TENSOR] === true;
}

const DEVICE = /^(cpu|cuda(:\d+)?)$/;

/** A device of this machine: 'cpu', or 'cuda' / 'cuda:N' below the CUDA device count (checked before any work,
 * so the error names the public call, not the libtorch op that would fail). */
export function checkDevice(fn: string, arg: string, v: unknown): string {
  if (typeof v !== 'string' || !DEVICE.test(v)) fail(fn, arg, "a device such as 'cpu', 'cuda' or 'cuda:0'", v);
  const d = v as string;
  if (d !== 'cpu') {
    const n = native.cudaDeviceCount();
    const index = d === 'cuda' ? 0 : Number(d.slice(5));
    if (index >= n) fail(fn, arg, n === 0 ? "'cpu' (no CUDA device is available)" : `'cpu' or a CUDA device below cuda:${n}`, d);
  }
  return d;
}

/** A record whose prototype is Object's (or null): what {...} literals and stateDict() make. Records read by their
 * own keys (tensors, modules, hyper-parameters) refuse class instances (a Map, a Tensor, a Module) rather than read
 * them as records of their fields. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object') return false;
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** A file path: a non-empty string without NUL bytes (Node would throw its own error for one). */
export function checkPath(fn: string, arg: string, v: unknown): string {
  if (typeof v !== 'string' || v === '' || v.includes('\0')) fail(fn, arg, 'a file path (a non-empty string)', v);
  return v as string;
}

/** An optional boolean: undefined gives the fallback (undefined without one); null is refused. */
export function optBool(fn: string, arg: string, v: unknown): boolean | undefined;
export function optBool(fn: string, arg: string, v: unknown, fallback: boolean): boolean;
export function optBool(fn: string, arg: string, v: unknown, fallback?: boolean): boolean | undefined {
  return v === undefined ? fallback : checkBool(fn, arg, v);
}

/** Replaces an error's message, in its stack trace too. */
export function rewrite(e: Error, message: string): void {
  const old = e.message;
  e.message = message;
  // a function replacement: a message holding `$&` or `$'` (a path, a column name) is inserted as it is
  if (typeof e.stack === 'string') e.stack = e.stack.replace(old, () => message);
}

/** A FlintError whose message does not start with "fn:" gets "fn: " in front, keeping its class and fields;
 * other errors pass unchanged. */
export function nameError(fn: string, e: unknown): unknown {
  if (e instanceof FlintError && !e.message.startsWith(`${fn}:`)) rewrite(e, `${fn}: ${e.message}`);
  return e;
}

/**
 * Runs work whose errors come from deeper down (a native op of another name, torch.save under Learner.save),
 * so that they name what the user called: "Tensor.clip: clamp(...): ...". Free unless it throws.
 */
export function named<T>(fn: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw nameError(fn, e);
  }
}
