// DataLoader: batches from a dataset, shuffled by a private seeded generator, moved to a device.
// Batches are lent, not given: each is disposed when the next is requested (or the loop ends), so an epoch
// holds one batch at a time. Clone a batch tensor to keep it.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { checkBool, checkFunction, checkInt, checkOptions, checkTensor, describe, fail, isTensorLike, named } from '../torch/validate.js';
import { type Batch, defaultCollate } from './collate.js';
import { type AsyncDataset, type Dataset, TensorDataset } from './dataset.js';
import type { Preprocessing } from './preprocessing.js';
import { checkDataset, datasetLength, optDevice } from './check.js';
import { type Shard, type ShardSpec, checkShard, shardLength, shardOrder } from './shard.js';

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
  /** fastai's after_batch (batch transforms): applied to each batch after collation and the move to `device`;
   * what it returns is the batch iteration yields. The loader owns and frees the returned tensors with the
   * batch, so return new tensors or the batch's own (clone one held elsewhere), and do not change the batch in
   * place (an in-memory batch may be a view of the dataset). It runs as each batch is handed out, in order (for an
   * asynchronous dataset too), so its random draws repeat under torch.manualSeed. With an asynchronous dataset it
   * may return a promise (work off the JS thread, its draws made before it returns): the loader then calls it for
   * batch b + 1 as it hands out batch b, so that work overlaps the consumer's step on batch b. null: none. */
  afterBatch?: ((batch: Batch) => Batch | Promise<Batch>) | null;
  /** For an asynchronous dataset: how many batches are built ahead of the one in use (default 2); their items
   * load concurrently (libuv's thread pool, UV_THREADPOOL_SIZE, bounds the decoding threads). */
  prefetch?: number;
  /** Data-parallel training: hand out only rank `rank`'s share of every epoch's order, as PyTorch's
   * DistributedSampler does (every rank must use the same seed). The loader's batchSize and dropLast then apply
   * to that share. null: every item. */
  shard?: Shard | null;
}

const OPTIONS = ['batchSize', 'shuffle', 'dropLast', 'seed', 'device', 'collate', 'afterBatch', 'prefetch', 'shard'] as const;
/** A batch built ahead, with the tensors the loader owns for it (null: every item of it was left out). */
interface Built {
  batch: Batch | null;
  owned: Tensor[];
}
/** A built batch and what afterBatch made of it (a batch or a promise of one; undefined when there is none). */
interface Staged {
  built: Built;
  made: unknown;
}

function afterBatchError(e: unknown, b: number): torch.FlintError {
  return new torch.FlintError(`DataLoader: afterBatch failed on batch ${b}: ${errText(e)}`, { cause: e });
}
// an item dataset's shuffled order is read to JS once per epoch up to this length (128 MB), per batch beyond
const MAX_ORDER_LIST = 2 ** 24;
// randpermSeeded takes seed + epoch: keep the sum a safe integer
const MAX_SEED = 2 ** 52;

function errText(e: unknown): string {
  return e instanceof Error ? e.message : describe(e);
}

/** A tensor moved to a device, keeping its type (a TensorImage stays one). */
function moveTo(t: Tensor, device: string): Tensor {
  const moved = t.to({ device });
  return moved.constructor === t.constructor ? moved : moved.as(t.constructor as typeof Tensor);
}

/**
 * The loader takes a batch it has just built into its keeping, in one walk: each tensor is moved to `device`
 * (when set), kept (it outlives the building scope) and listed in `owned` (freed when the next batch comes).
 * `check` names a batch that came from the user's collate: its structure and tensors are checked on the way;
 * tensors the loader made itself (check null) are not. Arrays and plain objects are rebuilt only when tensors
 * move (a device), so a user's structure is never changed in place.
 */
function adopt(b: unknown, device: string | undefined, owned: Tensor[], check: string | null, depth = 0): Batch {
  if (isTensorLike(b)) {
    let t = b as Tensor;
    if (check !== null) checkTensor('DataLoader', check, t);
    if (device !== undefined) t = moveTo(t, device);
    owned.push(t.keep());
    return t;
  }
  if (depth < 32 && Array.isArray(b)) {
    const out: Batch[] = device === undefined ? b : new Array<Batch>(b.length);
    for (let i = 0; i < b.length; i++) out[i] = adopt(b[i], device, owned, check, depth + 1);
    return out;
  }
  if (depth < 32 && b !== null && typeof b === 'object') {
    const proto: unknown = Object.getPrototypeOf(b);
    if (proto === Object.prototype || proto === null) {
      const src = b as Record<string, unknown>;
      // own keys only; defineProperty keeps a key such as __proto__ a plain data key
      const out = (device === undefined ? src : {}) as Record<string, Batch>;
      for (const k of Object.keys(src)) {
        const v = adopt(src[k], device, owned, check, depth + 1);
        if (out !== src) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
  }
  throw new torch.FlintError(`DataLoader: ${check ?? 'the batch'} holds ${describe(b)}; a batch is a tensor, or arrays and plain objects of tensors`);
}
/** What one epoch's batches are drawn from: the item count, the shuffled order (null in order), that order as
 * numbers for an item dataset, and for a TensorDataset its tensors' devices and the order on each device. */
interface Epoch {
  n: number;
  order: Tensor | null;
  orderList: number[] | null;
  devices: string[];
  orders: Map<string, Tensor>;
}
/** The epoch's order on device d, copied there once per epoch (kept: it outlives the batch that needed it). */
function orderOn(e: Epoch, d: string): Tensor {
  let o = e.orders.get(d);
  if (o === undefined) e.orders.set(d, (o = e.order!.to({ device: d }).keep()));
  return o;
}
function mapBatch(b: Batch, f: (t: Tensor) => Tensor): Batch {
  if (b instanceof torch.Tensor) return f(b);
  if (Array.isArray(b)) return b.map((x) => mapBatch(x, f));
  return Object.fromEntries(Object.entries(b).map(([k, x]) => [k, mapBatch(x, f)]));
}

export class DataLoader<T = unknown> implements Iterable<Batch>, AsyncIterable<Batch> {
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly device: string | undefined;
  readonly dataset: Dataset<T> | AsyncDataset<T>;
  /** Batches built ahead for an asynchronous dataset. */
  readonly prefetch: number;
  #seed: number;
  #shard: ShardSpec | null;
  /** Shuffled epochs drawn so far: the next one's order is seeded with seed + epoch. Checkpoints record it, so a
   * resumed fit shuffles as the uninterrupted one would have. */
  epoch = 0;
  readonly #collate: (items: T[]) => Batch;
  /** The batch transform (fastai's after_batch), or null. */
  readonly afterBatch: ((batch: Batch) => Batch | Promise<Batch>) | null;

  constructor(dataset: Dataset<T> | AsyncDataset<T>, options: DataLoaderOptions<T> = {}) {
    const fn = 'data.DataLoader';
    this.dataset = checkDataset<T>(fn, dataset);
    const o = checkOptions(fn, options, OPTIONS);
    this.batchSize = o.batchSize === undefined ? 64 : checkInt(fn, 'options.batchSize', o.batchSize, { min: 1 });
    this.shuffle = o.shuffle === undefined ? false : checkBool(fn, 'options.shuffle', o.shuffle);
    this.dropLast = o.dropLast === undefined ? false : checkBool(fn, 'options.dropLast', o.dropLast);
    this.device = optDevice(fn, 'options.device', o.device);
    this.#collate = o.collate === undefined ? defaultCollate : checkFunction(fn, 'options.collate', o.collate);
    this.afterBatch =
      o.afterBatch === undefined || o.afterBatch === null
        ? null
        : checkFunction<(batch: Batch) => Batch | Promise<Batch>>(fn, 'options.afterBatch', o.afterBatch);
    this.prefetch = o.prefetch === undefined ? 2 : checkInt(fn, 'options.prefetch', o.prefetch, { min: 0, max: 64 });
    this.#shard = checkShard(fn, 'options.shard', o.shard);
    this.#seed =
      o.seed === undefined || o.seed === null
        ? torch.tidy(() => torch.randint(0, 2 ** 31 - 1, [1]).item())
        : checkInt(fn, 'options.seed', o.seed, { min: 0, max: MAX_SEED });
  }

  /** Whether the dataset's items come asynchronously: iterate with `for await`. */
  get isAsync(): boolean {
    return (this.dataset as { async?: unknown }).async === true;
  }

  /** The seed of the shuffling generator (epoch e is shuffled with seed + e): data-parallel ranks must share it. */
  get seed(): number {
    return this.#seed;
  }
  /** This loader's share of each epoch ({ rank, worldSize, dropLast }), or null: every item. */
  get shard(): ShardSpec | null {
    return this.#shard;
  }

  /**
   * Makes this loader hand out one rank's share from now on (null: every item again), and optionally reseeds its
   * shuffling (every rank must shuffle alike). The Learner's DistributedTrainer shards the training loader for a fit
   * this way and restores it afterwards.
   */
  setShard(shard: Shard | null, options: { seed?: number } = {}): void {
    const fn = 'DataLoader.setShard';
    const s = checkShard(fn, 'shard', shard);
    const o = checkOptions(fn, options, ['seed']);
    if (o.seed !== undefined) this.#seed = checkInt(fn, 'options.seed', o.seed, { min: 0, max: MAX_SEED });
    this.#shard = s;
  }

  /** Items per epoch: the dataset's, or the shard's. */
  #items(n: number): number {
    return this.#shard === null ? n : shardLength(n, this.#shard);
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.#items(datasetLength('DataLoader', this.dataset));
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
      item = (this.dataset as Dataset<T>).get(i);
    } catch (e) {
      throw new torch.FlintError(`DataLoader: dataset.get(${i}) failed: ${errText(e)}`, { cause: e });
    }
    if (item === undefined) throw new torch.FlintError(`DataLoader: dataset.get(${i}) returned undefined (is the dataset's length right?)`);
    if (item instanceof Promise) {
      item.catch(() => {});
      throw new torch.FlintError(
        `DataLoader: dataset.get(${i}) returned a Promise: mark the dataset asynchronous (async: true) and iterate with for await`,
      );
    }
    return item;
  }
  async #itemAsync(i: number): Promise<T | null> {
    let item: T | null;
    try {
      item = await (this.dataset as AsyncDataset<T>).get(i);
    } catch (e) {
      throw new torch.FlintError(`DataLoader: dataset.get(${i}) failed: ${errText(e)}`, { cause: e });
    }
    if (item === undefined) throw new torch.FlintError(`DataLoader: dataset.get(${i}) returned undefined (is the dataset's length right?)`);
    return item;
  }

  /** Batch b of an epoch of an asynchronous dataset, its items loaded concurrently, built in a scope of its own. */
  async #built(e: Epoch, b: number): Promise<Built> {
    const owned: Tensor[] = [];
    try {
      let batch: Batch | undefined;
      await torch.tidy(async () => {
        const all = this.#ids(e, b);
        const loaded = await Promise.all(all.map((i) => this.#itemAsync(i)));
        // an asynchronous dataset gives null for an item it leaves out (a corrupt file it was told to skip)
        const ids = all.filter((_, k) => loaded[k] !== null);
        const items = loaded.filter((x) => x !== null) as T[];
        if (items.length === 0) return;
        batch = this.#collateItems(items, ids, b, owned);
      });
      return { batch: batch ?? null, owned };
    } catch (err) {
      for (const t of owned) t.dispose();
      throw err;
    }
  }

  /** Batch b of an epoch, its tensors kept and listed in `owned` (the caller frees them when the batch is done). */
  #batchAt(e: Epoch, b: number, owned: Tensor[]): Batch {
    const start = b * this.batchSize;
    const size = Math.min(this.batchSize, e.n - start);
    const ds = this.dataset;
    const dev = this.device;
    if (ds instanceof TensorDataset) {
      // in-memory fast path: one indexing op per tensor instead of stacking items
      const ts = ds.tensors;
      const batch = new Array<Tensor>(ts.length);
      for (let i = 0; i < ts.length; i++) {
        const t = ts[i]!;
        // the dataset's tensors are the user's: one may have been freed since the loader was made
        if (!isTensorLike(t) || t.isDisposed) checkTensor('DataLoader', `dataset.tensors[${i}]`, t);
        const d = e.devices[i] ?? t.device;
        let x = e.order ? t.indexSelect(0, orderOn(e, d).narrow(0, start, size)) : t.narrow(0, start, size);
        // a typed dataset tensor (TensorImage...) gives batches of its type
        if (x.constructor !== t.constructor) x = x.as(t.constructor as typeof Tensor);
        if (dev !== undefined && dev !== d) x = moveTo(x, dev);
        owned.push(x.keep());
        batch[i] = x;
      }
      return batch;
    }
    const ids = this.#ids(e, b);
    return this.#collateItems(
      ids.map((i) => this.#item(i)),
      ids,
      b,
      owned,
    );
  }

  /** The item indices of batch b: from the epoch's permutation read once, or this batch's part of a huge one. */
  #ids(e: Epoch, b: number): number[] {
    const start = b * this.batchSize;
    const size = Math.min(this.batchSize, e.n - start);
    if (e.orderList) return e.orderList.slice(start, start + size);
    if (e.order) return torch.tidy(() => Array.from(e.order!.narrow(0, start, size).toTypedArray() as BigInt64Array, Number));
    return Array.from({ length: size }, (_, k) => start + k);
  }

  /** Items collated into batch b, taken into the loader's keeping. */
  #collateItems(items: T[], ids: number[], b: number, owned: Tensor[]): Batch {
    const dev = this.device;
    let made: unknown;
    try {
      made = this.#collate(items);
    } catch (e) {
      throw new torch.FlintError(`DataLoader: collating batch ${b} (items ${ids[0]}...) failed: ${errText(e)}`, { cause: e });
    }
    return adopt(made, dev, owned, `the collated batch ${b}`);
  }

  /** afterBatch called on batch b: its result, or a promise of it (an asynchronous transform). */
  #callAfterBatch(batch: Batch, b: number): unknown {
    try {
      return this.afterBatch!(batch);
    } catch (e) {
      throw afterBatchError(e, b);
    }
  }

  /** The afterBatch transform of batch b (synchronous), its result taken into the loader's keeping. */
  #transform(batch: Batch, b: number, owned: Tensor[]): Batch {
    const made = this.#callAfterBatch(batch, b);
    if (made instanceof Promise) {
      made.then(
        (r) => torch.dispose(r),
        () => {},
      ); // nothing will use it: its tensors are freed when it settles
      throw new torch.FlintError(
        `DataLoader: afterBatch returned a Promise on batch ${b}: an asynchronous batch transform needs an asynchronous dataset, iterated with for await`,
      );
    }
    return this.#keepTransformed(made, b, owned);
  }

  /** afterBatch's result for batch b taken into the loader's keeping in place of the batch in `owned`: the batch's
   * tensors it did not return are freed now (an epoch still holds one batch at a time). */
  #keepTransformed(made: unknown, b: number, owned: Tensor[]): Batch {
    const before = owned.length;
    // into `owned` itself, so a result refused halfway is still freed with the batch
    const out = adopt(made, undefined, owned, `the afterBatch result of batch ${b}`);
    const result = new Set(owned.slice(before));
    for (const t of owned.slice(0, before)) if (!result.has(t)) t.dispose();
    owned.splice(0, owned.length, ...result);
    return out;
  }

  /**
   * A loader over the same dataset with the same options but those given (fastai's `dl.new`), e.g.
   * `dl.new({ shuffle: false, dropLast: false })` for every item in dataset order. Its shuffle counter starts at 0.
   * It keeps the afterBatch transform and the shard unless given; `afterBatch: null` or `shard: null` leaves it out.
   */
  new(options: Omit<DataLoaderOptions<T>, 'collate'> = {}): DataLoader<T> {
    const o = checkOptions('DataLoader.new', options, ['batchSize', 'shuffle', 'dropLast', 'seed', 'device', 'afterBatch', 'prefetch', 'shard']);
    const shard = o.shard === undefined ? this.#shard : checkShard('DataLoader.new', 'options.shard', o.shard);
    return named(
      'DataLoader.new',
      () =>
        new DataLoader(this.dataset, {
          batchSize: this.batchSize,
          shuffle: this.shuffle,
          dropLast: this.dropLast,
          seed: this.#seed,
          device: this.device,
          collate: this.#collate,
          prefetch: this.prefetch,
          ...o,
          // an afterBatch key left undefined keeps the transform too
          afterBatch: o.afterBatch === undefined ? this.afterBatch : o.afterBatch,
          shard,
        }),
    );
  }

  /** The first batch of a fresh epoch, owned by the caller (fastai's one_batch): dispose it when done. For an
   * asynchronous dataset, use firstBatch. */
  oneBatch(): Batch {
    if (this.isAsync) throw new torch.FlintError('DataLoader.oneBatch: the dataset is asynchronous; use await dl.firstBatch()');
    for (const b of this) return mapBatch(b, (t) => t.clone().keep());
    throw new torch.FlintError('DataLoader.oneBatch: the DataLoader yields no batch (empty dataset, or dropLast with fewer items than batchSize)');
  }
  /** oneBatch for any dataset, asynchronous ones included. */
  async firstBatch(): Promise<Batch> {
    for await (const b of this) return mapBatch(b, (t) => t.clone().keep());
    throw new torch.FlintError('DataLoader.firstBatch: the DataLoader yields no batch (empty dataset, or dropLast with fewer items than batchSize)');
  }

  /** Batches of an asynchronous dataset, `prefetch` of them built ahead while the current one is in use (the
   * same lending as iteration: each is freed when the next is requested). A synchronous dataset's batches as they are. */
  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    if (!this.isAsync) {
      for (const b of this) yield b;
      return;
    }
    const e = this.#epoch();
    const batches = this.length;
    const ahead: Promise<Built>[] = [];
    let next = 0;
    // while batch b is in use, batches b + 1 ... b + prefetch are being built
    const fill = (limit: number): void => {
      while (next < batches && ahead.length < limit) {
        const p = this.#built(e, next++);
        p.catch(() => {}); // awaited in turn; a batch never reached is drained below
        ahead.push(p);
      }
    };
    // afterBatch runs as batches are handed out, in batch order between the consumer's steps (fastai's
    // after_batch), not when a batch's files happen to finish loading: its random draws then repeat under a seed.
    // An asynchronous one (it returned a promise) is started one batch ahead: batch b + 1's as batch b is handed
    // out, so its work overlaps the consumer's step on b; its draws still come at a fixed point of the sequence.
    const start = (built: Built, b: number): Staged => {
      if (built.batch === null || this.afterBatch === null) return { built, made: undefined };
      const batch = built.batch;
      let made: unknown;
      try {
        made = torch.tidy(() => this.#callAfterBatch(batch, b));
      } catch (err) {
        for (const t of built.owned) t.dispose(); // held by nothing else yet
        throw err;
      }
      if (made instanceof Promise) made.catch(() => {}); // awaited in turn; one never reached is drained below
      return { built, made };
    };
    let staged: Staged | null = null;
    let current: Tensor[] = [];
    try {
      for (let b = 0; b < batches; b++) {
        fill(this.prefetch + 1);
        let st = staged;
        staged = null;
        if (st === null) st = start(await ahead.shift()!, b);
        for (const t of current) t.dispose();
        current = st.built.owned;
        fill(this.prefetch);
        if (st.built.batch === null) continue;
        let batch = st.built.batch;
        if (this.afterBatch !== null) {
          let made = st.made;
          if (made instanceof Promise) {
            try {
              made = await made;
            } catch (e) {
              throw afterBatchError(e, b);
            }
            if (b + 1 < batches) staged = start(await ahead.shift()!, b + 1);
          }
          const result = made;
          torch.tidy(() => {
            batch = this.#keepTransformed(result, b, current);
          });
        }
        yield batch;
      }
    } finally {
      for (const t of current) t.dispose();
      // a batch staged ahead and not handed out: its transform finished, then everything freed
      if (staged !== null) {
        try {
          torch.dispose(await staged.made);
        } catch {
          // its error is not the one to report
        }
        for (const t of staged.built.owned) t.dispose();
      }
      // batches built ahead and not used (a break or an error): wait for them, then free them
      for (const p of ahead) {
        try {
          for (const t of (await p).owned) t.dispose();
        } catch {
          // its error is not the one to report
        }
      }
      for (const o of e.orders.values()) o.dispose();
    }
  }

  /** An epoch's order (this rank's share of it, with a shard) and what it is drawn from. */
  #epoch(): Epoch {
    const all = datasetLength('DataLoader', this.dataset);
    const ds = this.dataset;
    // read once per epoch (a device query is a native call), and before any order is drawn: a freed dataset
    // tensor is refused without leaking it
    const devices = ds instanceof TensorDataset ? ds.tensors.map((t, i) => checkTensor('DataLoader', `dataset.tensors[${i}]`, t).device) : [];
    const full = this.#order(all);
    let order = full;
    if (this.#shard !== null) {
      try {
        order = shardOrder(full, all, this.#shard);
      } catch (err) {
        full?.dispose();
        throw err;
      }
      if (order !== full) full?.dispose();
    }
    const n = this.#items(all);
    const e: Epoch = {
      n,
      order,
      orders: new Map(),
      orderList: order && n <= MAX_ORDER_LIST && !(ds instanceof TensorDataset) ? Array.from(order.toTypedArray() as BigInt64Array, Number) : null,
      devices,
    };
    if (order) e.orders.set(order.device, order);
    return e;
  }

  *[Symbol.iterator](): Iterator<Batch> {
    if (this.isAsync) {
      throw new torch.FlintError(
        'DataLoader: the dataset is asynchronous (its items load off the JS thread): iterate with for await (const b of dl)',
      );
    }
    const batches = this.length;
    const e = this.#epoch();
    let current: Tensor[] = [];
    const free = (): void => {
      for (const t of current) t.dispose();
    };
    try {
      for (let b = 0; b < batches; b++) {
        free();
        const owned: Tensor[] = [];
        current = owned;
        // built in a scope of its own, which frees the intermediates; the batch's tensors are kept (the loader
        // owns them until the next batch), and the scope returns nothing, so nothing walks the batch again
        let batch: Batch | undefined;
        torch.tidy(() => {
          batch = this.#batchAt(e, b, owned);
          if (this.afterBatch !== null) batch = this.#transform(batch, b, owned);
        });
        yield batch!;
      }
    } finally {
      free();
      for (const o of e.orders.values()) o.dispose();
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
  #nInp = 1;
  constructor(train: DataLoader<any>, valid: DataLoader<any>, device: string = 'cpu') {
    const fn = 'data.DataLoaders';
    if (!(train instanceof DataLoader)) fail(fn, 'train', 'a DataLoader', train);
    if (!(valid instanceof DataLoader)) fail(fn, 'valid', 'a DataLoader', valid);
    this.train = train;
    this.valid = valid;
    this.device = optDevice(fn, 'device', device) ?? 'cpu';
  }

  /** How many leading parts of a batch are the model's inputs (fastai's n_inp; default 1): the Learner calls
   * model(...inputs) and lossFunc(pred, ...targets) with the rest. A batch of nInp parts has no targets. */
  get nInp(): number {
    return this.#nInp;
  }
  set nInp(n: number) {
    this.#nInp = checkInt('DataLoaders.nInp', 'nInp', n, { min: 1 });
  }

  /** One raw item (not a tensor) as the model's inputs, each with a batch dimension of 1, for Learner.predict.
   * Applications' loaders override it (TabularDataLoaders encodes a row); plain loaders take tensors only. */
  encodeItem(item: unknown): Tensor[] {
    return fail('Learner.predict', 'item', 'a tensor item without its batch dimension (these DataLoaders encode no other items)', item);
  }

  /** Learner.showResults as text, for data shown as a table (TabularDataLoaders): the first rows of a batch's
   * inputs with their targets and decoded predictions. Null (the default): the inputs are shown as images. */
  showResultsTable(_inputs: Tensor[], _targets: Tensor[], _decoded: Tensor): string | null {
    return null;
  }

  /** In-memory tensors: the training loader shuffles and drops the last partial batch (fastai's defaults). */
  static fromTensors(
    xTrain: Tensor,
    yTrain: Tensor,
    xValid: Tensor,
    yValid: Tensor,
    options: { batchSize?: number; shuffle?: boolean; device?: string; seed?: number } = {},
  ): DataLoaders {
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
