// Datasets: anything with a length and an item getter; TensorDataset holds in-memory tensors row by row.
import type { Tensor } from '../torch/index.js';
import { checkInt, checkTensor, fail } from '../torch/validate.js';

/** A map-style dataset, as PyTorch's: `length` items, `get(i)` for 0 <= i < length. */
export interface Dataset<T = unknown> {
  readonly length: number;
  get(i: number): T;
}

/** A dataset whose items come asynchronously (read and decoded off the JS thread): a DataLoader over it builds
 * batches ahead while the current one trains, and is iterated with `for await` (the Learner does). An item of
 * null is left out of its batch (a corrupt file the dataset was told to skip). */
export interface AsyncDataset<T = unknown> {
  readonly length: number;
  readonly async: true;
  get(i: number): Promise<T | null>;
}

/** Rows of tensors that share their first dimension: item i is [t0[i], t1[i], ...]. */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    const fn = 'data.TensorDataset';
    if (tensors.length === 0) fail(fn, 'tensors', 'at least one tensor', tensors);
    tensors.forEach((t, i) => {
      checkTensor(fn, `tensors[${i}]`, t);
      if (t.ndim === 0) fail(fn, `tensors[${i}]`, 'a tensor with a first (item) dimension', t);
    });
    const n = tensors[0]!.shape[0]!;
    tensors.forEach((t, i) => {
      if (t.shape[0] !== n) fail(fn, `tensors[${i}]`, `a tensor of ${n} rows like tensors[0]`, t);
    });
    this.tensors = tensors;
  }
  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }
  get(i: number): Tensor[] {
    const n = this.length;
    if (n === 0) fail('TensorDataset.get', 'i', 'an index into a non-empty dataset (this one has 0 items)', i);
    checkInt('TensorDataset.get', 'i', i, { min: 0, max: n - 1 });
    return this.tensors.map((t) => t.select(0, i));
  }
}
