// DataLoader: batches from a dataset, shuffled by a private seeded generator, moved to a device.
// Batches are lent, not given: each is disposed when the next is requested (or the loop ends), so an epoch
// holds one batch at a time. Clone a batch tensor to keep it.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { type Batch, defaultCollate } from './collate.js';
import { type Dataset, TensorDataset } from './dataset.js';
import type { Preprocessing } from './preprocessing.js';

export interface DataLoaderOptions<T> {
  batchSize?: number;
  shuffle?: boolean;
  dropLast?: boolean;
  /** Seed of the shuffling generator; by default drawn once from libtorch's global generator (so
   * torch.manualSeed makes the order reproducible). */
  seed?: number;
  /** Where batches go ('cpu', 'cuda', 'cuda:1'). */
  device?: string;
  collate?: (items: T[]) => Batch;
}

function tensorsIn(b: Batch, out: Tensor[] = []): Tensor[] {
  if (b instanceof torch.Tensor) out.push(b);
  else if (Array.isArray(b)) for (const x of b) tensorsIn(x, out);
  else for (const x of Object.values(b)) tensorsIn(x, out);
  return out;
}
function mapBatch(b: Batch, f: (t: Tensor) => Tensor): Batch {
  if (b instanceof torch.Tensor) return f(b);
  if (Array.isArray(b)) return b.map((x) => mapBatch(x, f));
  return Object.fromEntries(Object.entries(b).map(([k, x]) => [k, mapBatch(x, f)]));
}

export class DataLoader<T = unknown> implements Iterable<Batch> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly device: string | undefined;
  private readonly seed: number;
  /** Shuffled epochs drawn so far: the next one's order is seeded with seed + epoch. Checkpoints record it, so a
   * resumed fit shuffles as the uninterrupted one would have. */
  epoch = 0;
  private readonly collate: (items: T[]) => Batch;

  constructor(readonly dataset: Dataset<T>, o: DataLoaderOptions<T> = {}) {
    this.batchSize = o.batchSize ?? 64;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new torch.TorchError(`DataLoader: batchSize must be a positive integer, got ${String(o.batchSize)}`);
    this.shuffle = o.shuffle ?? false;
    this.dropLast = o.dropLast ?? false;
    this.device = o.device;
    this.seed = o.seed ?? torch.tidy(() => torch.randint(0, 2 ** 31 - 1, [1]).item());
    this.collate = o.collate ?? defaultCollate;
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The item order of the next epoch: a fresh permutation per epoch when shuffling. */
  private order(): Tensor | null {
    if (!this.shuffle) return null;
    return torch.randpermSeeded(this.dataset.length, this.seed + this.epoch++);
  }

  private batchAt(order: Tensor | null, orderList: number[] | null, b: number): Batch {
    const start = b * this.batchSize;
    const size = Math.min(this.batchSize, this.dataset.length - start);
    const ds = this.dataset;
    let batch: Batch;
    if (ds instanceof TensorDataset) {
      // in-memory fast path: one indexing op per tensor instead of stacking items
      const idx = order ? order.narrow(0, start, size) : null;
      batch = ds.tensors.map((t) => {
        const b = idx ? t.indexSelect(0, idx.to({ device: t.device })) : t.narrow(0, start, size);
        // a typed dataset tensor (TensorImage...) gives batches of its type
        return b.constructor === t.constructor ? b : b.as(t.constructor as typeof Tensor);
      });
    } else {
      const items: T[] = [];
      for (let k = 0; k < size; k++) items.push(ds.get(orderList ? orderList[start + k]! : start + k));
      batch = this.collate(items);
    }
    const dev = this.device;
    return dev ? mapBatch(batch, (t) => {
      const moved = t.to({ device: dev });
      return moved.constructor === t.constructor ? moved : moved.as(t.constructor as typeof Tensor);
    }) : batch;
  }

  /** The first batch of a fresh epoch, owned by the caller (fastai's one_batch): dispose it when done. */
  oneBatch(): Batch {
    for (const b of this) return mapBatch(b, (t) => t.clone().keep());
    throw new torch.TorchError('oneBatch: the DataLoader yields no batch (empty dataset, or dropLast with fewer items than batchSize)');
  }

  *[Symbol.iterator](): Iterator<Batch> {
    const order = this.order();
    // item datasets index from JS; read the permutation once
    const orderList = order && !(this.dataset instanceof TensorDataset) ? Array.from(order.toTypedArray() as BigInt64Array, Number) : null;
    let current: Tensor[] = [];
    try {
      for (let b = 0; b < this.length; b++) {
        torch.dispose(current);
        // built outside any caller's scope: the loader owns the batch until the next one
        const batch = torch.tidy(() => { const x = this.batchAt(order, orderList, b); for (const t of tensorsIn(x)) t.keep(); return x; });
        current = tensorsIn(batch);
        yield batch;
      }
    } finally {
      torch.dispose(current);
      order?.dispose();
    }
  }
}

/** fastai's DataLoaders: a training and a validation loader on one device. */
export class DataLoaders {
  /** How raw inputs become model inputs (normalization, categories, class names), for export and predict. */
  preprocessing: Preprocessing | null = null;
  constructor(readonly train: DataLoader<any>, readonly valid: DataLoader<any>, readonly device: string = 'cpu') {}

  /** In-memory tensors: the training loader shuffles and drops the last partial batch (fastai's defaults). */
  static fromTensors(xTrain: Tensor, yTrain: Tensor, xValid: Tensor, yValid: Tensor,
    o: { batchSize?: number; shuffle?: boolean; device?: string; seed?: number } = {}): DataLoaders {
    const device = o.device ?? 'cpu';
    const shuffle = o.shuffle ?? true;
    const train = new DataLoader(new TensorDataset(xTrain, yTrain), { batchSize: o.batchSize, shuffle, dropLast: shuffle, device, seed: o.seed });
    const valid = new DataLoader(new TensorDataset(xValid, yValid), { batchSize: o.batchSize, device });
    return new DataLoaders(train, valid, device);
  }
}
