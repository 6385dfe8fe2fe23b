// Datasets: anything with a length and an item getter; TensorDataset holds in-memory tensors row by row.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

/** A map-style dataset, as PyTorch's: `length` items, `get(i)` for 0 <= i < length. */
export interface Dataset<T = unknown> {
  readonly length: number;
  get(i: number): T;
}

/** Rows of tensors that share their first dimension: item i is [t0[i], t1[i], ...]. */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: Tensor[];
  constructor(...tensors: Tensor[]) {
    if (tensors.length === 0) throw new torch.TorchError('TensorDataset: give at least one tensor');
    const n = tensors[0]!.shape[0];
    if (n === undefined) throw new torch.TorchError('TensorDataset: tensors need a first (item) dimension');
    tensors.forEach((t, i) => {
      if (t.shape[0] !== n) throw new torch.TorchError(`TensorDataset: tensor ${i} has ${t.shape[0]} rows, tensor 0 has ${n}`);
    });
    this.tensors = tensors;
  }
  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }
  get(i: number): Tensor[] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new torch.TorchError(`TensorDataset: index ${i} out of range for ${this.length} items`);
    return this.tensors.map((t) => t.select(0, i));
  }
}
