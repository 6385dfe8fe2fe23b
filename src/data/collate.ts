// The default collate: a list of items to one batch. Tensors are stacked, numbers become a tensor (int64 when
// all are integers, else float32: JavaScript cannot tell 1 from 1.0), booleans a bool tensor, and arrays and
// plain objects are collated position by position / key by key (PyTorch's default_collate).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

export type Batch = Tensor | Batch[] | { [key: string]: Batch };

export function defaultCollate(items: readonly unknown[]): Batch {
  if (items.length === 0) throw new torch.TorchError('collate: empty batch');
  const first = items[0];
  if (first instanceof torch.Tensor) {
    const shape = first.shape.join();
    items.forEach((t, i) => {
      if (!(t instanceof torch.Tensor)) throw new torch.TorchError(`collate: item ${i} is not a tensor but item 0 is`);
      if (t.shape.join() !== shape) throw new torch.TorchError(`collate: item ${i} has shape [${t.shape.join(', ')}], item 0 [${first.shape.join(', ')}]`);
    });
    return torch.stack(items as Tensor[], 0);
  }
  if (typeof first === 'number') {
    const nums = items as number[];
    if (!nums.every((v) => typeof v === 'number')) throw new torch.TorchError('collate: mixed numbers and other values');
    return torch.tensor(nums, { dtype: nums.every(Number.isInteger) ? 'int64' : 'float32' });
  }
  if (typeof first === 'boolean') return torch.tensor(items as boolean[]);
  if (Array.isArray(first)) {
    const n = first.length;
    items.forEach((it, i) => {
      if (!Array.isArray(it) || it.length !== n) throw new torch.TorchError(`collate: item ${i} is not an array of ${n} entries like item 0`);
    });
    return Array.from({ length: n }, (_, k) => defaultCollate(items.map((it) => (it as unknown[])[k])));
  }
  if (first !== null && typeof first === 'object') {
    const keys = Object.keys(first);
    return Object.fromEntries(keys.map((k) => [k, defaultCollate(items.map((it) => (it as Record<string, unknown>)[k]))]));
  }
  throw new torch.TorchError(`collate: cannot batch items of type ${first === null ? 'null' : typeof first}`);
}
