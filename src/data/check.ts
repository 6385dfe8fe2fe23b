// Argument checks shared by the data layer (on top of torch's validation helpers): devices, datasets, paths.
import * as torch from '../torch/index.js';
import { checkDevice, checkPath, describe, fail, isTensorLike } from '../torch/validate.js';

export { checkDevice, checkPath };
import type { Dataset } from './dataset.js';

/** undefined or null gives undefined; otherwise checkDevice. */
export function optDevice(fn: string, arg: string, v: unknown): string | undefined {
  return v === undefined || v === null ? undefined : checkDevice(fn, arg, v);
}

/** A dataset's length: a non-negative safe integer (a getter may compute it: read it once). */
export function datasetLength(fn: string, ds: Dataset<unknown>): number {
  let n: unknown;
  try {
    n = ds.length;
  } catch (e) {
    throw new torch.FlintError(`${fn}: reading the dataset's length failed: ${e instanceof Error ? e.message : describe(e)}`, { cause: e });
  }
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) fail(fn, 'dataset.length', 'a non-negative integer', n);
  return n as number;
}

/** A map-style dataset: an object with a get(i) function and a valid length. */
export function checkDataset<T>(fn: string, v: unknown): Dataset<T> {
  if (v === null || typeof v !== 'object' || typeof (v as { get?: unknown }).get !== 'function' || isTensorLike(v)) {
    fail(fn, 'dataset', 'a dataset (an object with a length and a get(i) method)', v);
  }
  datasetLength(fn, v as Dataset<T>);
  return v as Dataset<T>;
}
