// DataLoader: batches from a dataset, shuffled by a private seeded generator, moved to a device.
// Batches are lent, not given: each is disposed when the next is requested (or the loop ends), so an epoch
// holds one batch at a time. Clone a batch tensor to keep it.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkBool, checkFunction, checkInt, checkOptions, checkTensor, describe, fail, isTensorLike } from '../torch/validate.js';
import { type Batch, defaultCollate } from './collate.js';
import { type Dataset, TensorDataset } from './dataset.js';
import type { Preprocessing } from './preprocessing.js';
import { checkDataset, datasetLength, optDevice } from './check.js';

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

const OPTIONS = ['batchSize', 'shuffle', 'dropLast', 'seed', 'device', 'collate'] as const;
// an item dataset's shuffled order is read to JS once per epoch up to this length (128 MB), per batch beyond
const MAX_ORDER_LIST = 2 ** 24;
// randpermSeeded takes seed + epoch: keep the sum a safe integer
const MAX_SEED = 2 ** 52;

function errText(e: unknown): string {
  return e instanceof Error ? e.message : describe(e);
}

/** The tensors of a batch; anything else in it is an error naming the batch. */
function tensorsIn(b: unknown, where: string, out: Tensor[] = [], depth = 0): Tensor[] {
  if (isTensorLike(b)) out.push(checkTensor('DataLoader', where, b as Tensor));
  else if (depth < 32 && Array.isArray(b)) for (const x of b) tensorsIn(x, where, out, depth + 1);
  else if (depth < 32 && b !== null && typeof b === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(b))) {
    for (const x of Object.values(b)) tensorsIn(x, where, out, depth + 1);
  } else {
    throw new torch.FlintError(`DataLoader: ${where} holds ${describe(b)}; a batch is a tensor, or arrays and plain objects of tensors`);
  }
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
  readonly dataset: Dataset<T>;
  readonly #seed: number;
  /** Shuffled epochs drawn so far: the next one's order is seeded with seed + epoch. Checkpoints record it, so a
   * resumed fit shuffles as the uninterrupted one would have. */
  epoch = 0;
  readonly #collate: (items: T[]) => Batch;

  constructor(dataset: Dataset<T>, options: DataLoaderOptions<T> = {}) {
    const fn = 'data.DataLoader';
    this.dataset = checkDataset<T>(fn, dataset);
    const o = checkOptions(fn, options, OPTIONS);
    this.batchSize = o.batchSize === undefined ? 64 : checkInt(fn, 'options.batchSize', o.batchSize, { min: 1 });
    this.shuffle = o.shuffle === undefined ? false : checkBool(fn, 'options.shuffle', o.shuffle);
    this.dropLast = o.dropLast === undefined ? false : checkBool(fn, 'options.dropLast', o.dropLast);
    this.device = optDevice(fn, 'options.device', o.device);
    this.#collate = o.collate === undefined ? defaultCollate : checkFunction(fn, 'options.collate', o.collate);
    this.#seed = o.seed === undefined || o.seed === null
      ? torch.tidy(() => torch.randint(0, 2 ** 31 - 1, [1]).item())
      : checkInt(fn, 'options.seed', o.seed, { min: 0, max: MAX_SEED });
  }

  /** Batches per epoch. */
  get length(): number {
    const n = datasetLength('DataLoader', this.dataset);
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The item order of the next epoch: a fresh permutation per epoch when shuffling. */
  #order(n: number): Tensor | null {
    if (!this.shuffle) return null;
    if (!Number.isSafeInteger(this.epoch) || this.epoch < 0) fail('DataLoader', 'epoch', 'a non-negative integer', this.epoch);
    try {
      return torch.randpermSeeded(n, this.#seed + this.epoch++);
    } catch (e) {
      throw new torch.FlintError(`DataLoader: cannot shuffle ${n} items: ${errText(e)}`, { cause: e });
    }
  }

  #item(i: number): T {
    let item: T;
    try {
      item = this.dataset.get(i);
    } catch (e) {
      throw new torch.FlintError(`DataLoader: dataset.get(${i}) failed: ${errText(e)}`, { cause: e });
    }
    if (item === undefined) throw new torch.FlintError(`DataLoader: dataset.get(${i}) returned undefined (is the dataset's length right?)`);
    return item;
  }

  #batchAt(order: Tensor | null, orderList: number[] | null, n: number, b: number): Batch {
    const start = b * this.batchSize;
    const size = Math.min(this.batchSize, n - start);
    const ds = this.dataset;
    const idx = order ? order.narrow(0, start, size) : null;
    let batch: Batch;
    if (ds instanceof TensorDataset) {
      // in-memory fast path: one indexing op per tensor instead of stacking items
      batch = ds.tensors.map((t, i) => {
        checkTensor('DataLoader', `dataset.tensors[${i}]`, t);
        const b = idx ? t.indexSelect(0, idx.to({ device: t.device })) : t.narrow(0, start, size);
        // a typed dataset tensor (TensorImage...) gives batches of its type
        return b.constructor === t.constructor ? b : b.as(t.constructor as typeof Tensor);
      });
    } else {
      // item datasets index from JS: the epoch's permutation read once, or this batch's part of a huge one
      const ids = orderList ? orderList.slice(start, start + size)
        : idx ? Array.from(idx.toTypedArray() as BigInt64Array, Number) : Array.from({ length: size }, (_, k) => start + k);
      const items = ids.map((i) => this.#item(i));
      let made: unknown;
      try {
        made = this.#collate(items);
      } catch (e) {
        throw new torch.FlintError(`DataLoader: collating batch ${b} (items ${ids[0]}...) failed: ${errText(e)}`, { cause: e });
      }
      tensorsIn(made, `the collated batch ${b}`);
      batch = made as Batch;
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
    throw new torch.FlintError('DataLoader.oneBatch: the DataLoader yields no batch (empty dataset, or dropLast with fewer items than batchSize)');
  }

  *[Symbol.iterator](): Iterator<Batch> {
    const n = datasetLength('DataLoader', this.dataset);
    const batches = this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
    const order = this.#order(n);
    const orderList = order && n <= MAX_ORDER_LIST && !(this.dataset instanceof TensorDataset) ? Array.from(order.toTypedArray() as BigInt64Array, Number) : null;
    let current: Tensor[] = [];
    try {
      for (let b = 0; b < batches; b++) {
        torch.dispose(current);
        current = [];
        // built outside any caller's scope: the loader owns the batch until the next one
        const batch = torch.tidy(() => { const x = this.#batchAt(order, orderList, n, b); for (const t of tensorsIn(x, `batch ${b}`)) t.keep(); return x; });
        current = tensorsIn(batch, `batch ${b}`);
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
  readonly train: DataLoader<any>;
  readonly valid: DataLoader<any>;
  readonly device: string;
  constructor(train: DataLoader<any>, valid: DataLoader<any>, device: string = 'cpu') {
    const fn = 'data.DataLoaders';
    if (!(train instanceof DataLoader)) fail(fn, 'train', 'a DataLoader', train);
    if (!(valid instanceof DataLoader)) fail(fn, 'valid', 'a DataLoader', valid);
    this.train = train;
    this.valid = valid;
    this.device = optDevice(fn, 'device', device) ?? 'cpu';
  }

  /** In-memory tensors: the training loader shuffles and drops the last partial batch (fastai's defaults). */
  static fromTensors(xTrain: Tensor, yTrain: Tensor, xValid: Tensor, yValid: Tensor,
    options: { batchSize?: number; shuffle?: boolean; device?: string; seed?: number } = {}): DataLoaders {
    const fn = 'data.DataLoaders.fromTensors';
    const o = checkOptions(fn, options, ['batchSize', 'shuffle', 'device', 'seed']);
    // checked here so that errors name fromTensors, not the loaders it makes
    [xTrain, yTrain, xValid, yValid].forEach((t, i) => checkTensor(fn, ['xTrain', 'yTrain', 'xValid', 'yValid'][i]!, t));
    const rows = (x: Tensor, y: Tensor, arg: string): void => {
      if (x.ndim === 0) fail(fn, arg.replace('y', 'x'), 'a tensor with a first (item) dimension', x);
      if (y.ndim === 0 || y.shape[0] !== x.shape[0]) fail(fn, arg, `a tensor of ${x.shape[0]} rows like ${arg.replace('y', 'x')}`, y);
    };
    rows(xTrain, yTrain, 'yTrain');
    rows(xValid, yValid, 'yValid');
    const batchSize = o.batchSize === undefined ? undefined : checkInt(fn, 'options.batchSize', o.batchSize, { min: 1 });
    const shuffle = o.shuffle === undefined ? true : checkBool(fn, 'options.shuffle', o.shuffle);
    const device = optDevice(fn, 'options.device', o.device) ?? 'cpu';
    const seed = o.seed === undefined || o.seed === null ? undefined : checkInt(fn, 'options.seed', o.seed, { min: 0, max: MAX_SEED });
    const train = new DataLoader(new TensorDataset(xTrain, yTrain), { batchSize, shuffle, dropLast: shuffle, device, seed });
    const valid = new DataLoader(new TensorDataset(xValid, yValid), { batchSize, device });
    return new DataLoaders(train, valid, device);
  }
}
