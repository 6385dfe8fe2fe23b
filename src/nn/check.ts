// nn's argument checks, on top of torch/validate: layer sizes, per-dimension tuples, probabilities, factory
// options, and errors re-thrown so they name the layer the user built or called. `fn` is the public name
// ('nn.Conv2d', 'nn.init.uniform_', 'Module.loadStateDict').
import { totalmem } from 'node:os';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { ITEM_SIZE, type DType } from '../torch/dtype.js';
import {
  checkBool,
  checkDevice,
  checkFunction,
  checkInt,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkString,
  checkTensor,
  describe,
  fail,
  isPlainObject,
  named,
  nameError,
  optBool,
  rewrite,
  type NumberRule,
} from '../torch/validate.js';

export {
  checkBool,
  checkDevice,
  checkFunction,
  checkInt,
  checkNumber,
  checkOneOf,
  checkOptions,
  checkString,
  checkTensor,
  describe,
  fail,
  isPlainObject,
  named,
  nameError,
  optBool,
  rewrite,
};

/** An optional number obeying the rule: undefined gives the default (null is refused). */
export function optNum(fn: string, arg: string, v: unknown, fallback: number, rule: NumberRule = {}): number {
  return v === undefined ? fallback : checkNumber(fn, arg, v, rule);
}

/** A probability in [0, 1]; undefined gives the default. */
export function prob(fn: string, arg: string, v: unknown, fallback: number): number {
  return optNum(fn, arg, v, fallback, { min: 0, max: 1 });
}

/** An optional string among the choices: undefined gives the default. */
export function optOneOf<T extends string>(fn: string, arg: string, v: unknown, choices: readonly T[], fallback: T): T {
  return v === undefined ? fallback : checkOneOf(fn, arg, v, choices);
}

/** null/undefined (none), or a live tensor. */
export function optTensor(fn: string, arg: string, v: unknown): Tensor | null {
  return v === undefined || v === null ? null : checkTensor(fn, arg, v as Tensor);
}

/** An integer or an array of n integers, each >= min: PyTorch's int-or-tuple arguments (kernel_size, stride...). */
export function tuple(fn: string, arg: string, v: unknown, n: number, min: number): number[] {
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= min;
  const what = `${min === 1 ? 'a positive' : min === 0 ? 'a non-negative' : 'an'} integer or an array of ${n} such integers`;
  if (ok(v)) return new Array<number>(n).fill(v);
  if (!Array.isArray(v) || v.length !== n || !v.every(ok)) fail(fn, arg, what, v);
  return [...(v as number[])];
}

export interface FactoryOptions {
  device?: string;
  dtype?: string;
}
export const FACTORY_KEYS = ['device', 'dtype'] as const;

/** Where a layer's parameters live: a device string and a floating-point dtype (PyTorch's factory kwargs). */
export function factory(fn: string, o: FactoryOptions): { device: string | undefined; dtype: DType } {
  const device = o.device === undefined ? undefined : checkDevice(fn, 'device', o.device);
  let dtype: DType = 'float32';
  if (o.dtype !== undefined) {
    if (typeof o.dtype !== 'string' || !torch.isDTypeName(o.dtype) || !torch.isFloating(o.dtype as DType)) {
      fail(fn, 'dtype', "a floating-point dtype ('float32', 'float64', 'float16', 'bfloat16')", o.dtype);
    }
    dtype = o.dtype as DType;
  }
  return { device, dtype };
}

/** Refuses parameters that cannot fit: more elements than a double counts exactly, or (on the CPU) more bytes
 * than the machine has. Checked before anything is allocated, so a failing constructor leaks nothing. */
export function checkFits(fn: string, what: string, numel: number, f: { device: string | undefined; dtype: DType }): void {
  const bytes = numel * ITEM_SIZE[f.dtype];
  const cpu = f.device === undefined || f.device === 'cpu';
  if (!Number.isSafeInteger(numel) || (cpu && bytes > totalmem())) {
    throw new torch.ArgumentError(
      fn,
      what,
      cpu ? "sizes that fit in this machine's memory" : 'sizes whose product is a safe integer',
      `${numel.toExponential(3)} elements (${gib(bytes)} GiB)`,
    );
  }
}

const gib = (bytes: number): string => {
  const g = bytes / 2 ** 30;
  return g < 1e6 ? g.toFixed(1) : g.toExponential(2);
};

/** A new uninitialized parameter tensor (the layer fills it, as in PyTorch); a failed allocation names the layer. */
export function emptyParam(fn: string, what: string, shape: number[], f: { device: string | undefined; dtype: DType }): Tensor {
  checkFits(
    fn,
    what,
    shape.reduce((a, b) => a * b, 1),
    f,
  );
  return allocating(fn, what, shape, f, () => torch.empty(shape, { device: f.device, dtype: f.dtype }));
}

/** Runs an allocation; libtorch's failure (no memory on the device) is re-thrown as a TorchError naming the layer.
 * An ArgumentError already names a public call and an argument: it passes through unchanged. */
export function allocating<T>(fn: string, what: string, shape: readonly number[], f: { device: string | undefined; dtype: DType }, make: () => T): T {
  try {
    return make();
  } catch (e) {
    if (!(e instanceof torch.FlintError) || e instanceof torch.ArgumentError) throw e;
    throw new torch.TorchError(`${fn}: could not create ${what} [${shape.join(', ')}] (${f.dtype} on ${f.device ?? 'cpu'}): ${e.message}`, {
      cause: e,
    });
  }
}

/** An array of live tensors (parameters, gradients). */
export function tensorList(fn: string, arg: string, v: unknown): Tensor[] {
  if (!Array.isArray(v)) fail(fn, arg, 'an array of tensors', v);
  (v as unknown[]).forEach((t, i) => checkTensor(fn, `${arg}[${i}]`, t));
  return v as Tensor[];
}
