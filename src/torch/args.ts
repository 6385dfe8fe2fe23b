// The checks the Tensor methods and torch.* functions share, before their native call: shapes, dims, dtype and
// device options, and the size of a toArray().
import { getHeapStatistics } from 'node:v8';
import { type DType, dtypeCode } from './dtype.js';
import { FlintError } from './errors.js';
import { checkOptions, fail } from './validate.js';
import type { ShapeArgs } from './tensor.js';

/** A shape given as one array or as numbers, each an integer (the native side checks the ranges). */
export function shapeOf(args: ShapeArgs, fn: string, arg = 'shape'): number[] {
  if (args.length === 1 && Array.isArray(args[0])) {
    const a = args[0] as unknown[];
    for (let i = 0; i < a.length; i++) if (!Number.isSafeInteger(a[i])) fail(fn, `${arg}[${i}]`, 'an integer', a[i]);
    return [...(a as number[])];
  }
  for (let i = 0; i < args.length; i++) {
    if (!Number.isSafeInteger(args[i])) fail(fn, arg, 'integers or one array of integers', args.length === 1 ? args[0] : args);
  }
  return args as number[];
}
/** The dtype option of a reduction (`{ dtype }`), as a native code or null. */
export function dtypeOpt(fn: string, opts: { dtype?: DType } | undefined): number | null {
  if (opts === undefined) return null;
  const d = checkOptions(fn, opts).dtype;
  return d === undefined || d === null ? null : dtypeCode(d, fn, 'opts.dtype');
}
// The longest JS array V8 can hold (FixedArray::kMaxLength on 64-bit builds, measured: one more aborts).
const MAX_JS_ARRAY = 134_217_725;

/** Refuses, before any allocation, a toArray() whose arrays V8 could not hold (it would abort the process). */
export function checkArraySize(shape: readonly number[]): void {
  let numel = 1;
  let arrays = 1;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d]! > MAX_JS_ARRAY) {
      throw new FlintError(
        `Tensor.toArray: dimension ${d} has ${shape[d]} entries, more than the longest JS array ` +
          `V8 can hold (${MAX_JS_ARRAY}); read the values with toTypedArray() or in slices`,
      );
    }
    if (d < shape.length - 1) arrays += numel * shape[d]!;
    numel *= shape[d]!;
  }
  // 8 bytes an element (a double, small integer or boolean slot) and about 32 bytes of header an array
  const need = numel * 8 + arrays * 32;
  if (need < 2 ** 26) return; // small reads (the usual ones) skip the heap statistics
  const heap = getHeapStatistics();
  const free = heap.heap_size_limit - heap.used_heap_size;
  if (need > free / 2) {
    throw new FlintError(
      `Tensor.toArray: ${numel} elements need about ${Math.ceil(need / 2 ** 20)} MiB of JS heap, ` +
        `more than half the ${Math.floor(free / 2 ** 20)} MiB left; read the values with toTypedArray() or in slices`,
    );
  }
}
