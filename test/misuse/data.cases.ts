// Misuse cases for the `data` namespace: datasets, collate, loaders, readers, normalization, preprocessing.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { data, tabular, torch, type Tensor } from '../../src/index.js';
import type { Case, HostileName } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'flint-misuse-data-'));

/** IDX bytes of a uint8 tensor of the given shape (values 0, 1, 2...). */
function idx(shape: number[]): Buffer {
  const n = shape.reduce((a, b) => a * b, 1);
  const b = Buffer.alloc(4 + 4 * shape.length + n);
  b[2] = 0x08;
  b[3] = shape.length;
  shape.forEach((d, i) => b.writeUInt32BE(d, 4 + 4 * i));
  for (let i = 0; i < n; i++) b[4 + 4 * shape.length + i] = i % 10;
  return b;
}
const idxPath = join(dir, 'x.idx');
writeFileSync(idxPath, idx([3, 2]));
// a tiny Fashion-MNIST folder (4 training and 2 test images), so the accepted calls stay fast
const fashionDir = join(dir, 'fashion');
(await import('node:fs')).mkdirSync(fashionDir);
writeFileSync(join(fashionDir, 'train-images-idx3-ubyte'), idx([4, 28, 28]));
writeFileSync(join(fashionDir, 'train-labels-idx1-ubyte'), idx([4]));
writeFileSync(join(fashionDir, 't10k-images-idx3-ubyte'), idx([2, 28, 28]));
writeFileSync(join(fashionDir, 't10k-labels-idx1-ubyte'), idx([2]));
const csvText = 'age,city,score,label\n30,Paris,1.5,yes\n40,Oslo,2.5,no\n25,Paris,-1,yes\n35,Rome,0,no\n50,Oslo,3,yes\n';
const csvPath = join(dir, 't.csv');
writeFileSync(csvPath, csvText);

const BAD_COUNT: HostileName[] = [
  'NaN',
  'Infinity',
  '-Infinity',
  'negative',
  'zero',
  'fractional',
  'BigInt',
  'string',
  'symbol',
  'object',
  'array',
  'function',
];
const BAD_FLAG: HostileName[] = ['NaN', 'zero', 'string', 'object', 'function', 'symbol'];
const BAD_DEVICE: HostileName[] = ['zero', 'string', 'empty string', 'symbol', 'object', 'function', 'NaN'];
const NOT_TENSOR: HostileName[] = ['null', 'undefined', 'NaN', 'string', 'object', 'array', 'disposed tensor'];

/** A dataset of `length` numbers: item i is [i, i * 2]. */
const items = (): Record<string, unknown> => ({ length: 6, get: (i: number) => [i, i * 2] });
const plainBatch = (b: unknown): Tensor[] => (Array.isArray(b) ? b : [b]) as Tensor[];

function prep(): data.TabularPreprocessing {
  return {
    kind: 'tabular',
    catNames: ['city'],
    contNames: ['age', 'score'],
    yNames: ['label'],
    yBlock: 'category',
    procs: [
      { name: 'Categorify', classes: { city: ['#na#', 'Oslo', 'Paris'] } },
      { name: 'Normalize', means: { age: 30, score: 1 }, stds: { age: 5, score: 1 } },
    ],
    vocab: ['no', 'yes'],
    withCont: true,
  };
}
// loaders made once (outside the calls' leak check), that testDl encodes new rows with
const tabularDls = tabular.TabularDataLoaders.fromPreprocessing(prep());
function imagePrep(): data.ImagePreprocessing {
  return { kind: 'image', divisor: 255, mean: [0.5], std: [0.25], statsShape: [1, 1, 1], itemShape: [1, 2, 2], vocab: null };
}

export const cases: Case[] = [
  {
    name: 'data.TensorDataset',
    args: () => [torch.ones([4, 2]), torch.arange(4)],
    call: (a, b) => new data.TensorDataset(a as Tensor, b as Tensor),
    mustReject: { 0: NOT_TENSOR, 1: ['null', 'NaN', 'string', 'object', 'scalar tensor', 'disposed tensor', 'int64 tensor'] },
  },
  {
    name: 'TensorDataset.get',
    args: () => [torch.ones([4, 2]), 2],
    call: (a, i) => new data.TensorDataset(a as Tensor).get(i as number),
    skipArgs: [0],
    mustReject: { 1: ['NaN', 'Infinity', 'negative', 'fractional', 'huge', 'BigInt', 'string', 'null', 'undefined'] },
  },
  {
    name: 'data.defaultCollate',
    args: () => [[torch.ones([2]), torch.ones([2])]],
    call: (a) => data.defaultCollate(a as unknown[]),
    mustReject: { 0: ['null', 'undefined', 'string', 'object', 'array', 'NaN'] },
  },
  {
    name: 'data.defaultCollate',
    args: () => [
      [
        { x: [1, 2], y: true },
        { x: [3, 4], y: false },
      ],
    ],
    call: (a) => data.defaultCollate(a as unknown[]),
  },
  // a cycle in an item must not overflow the stack
  {
    name: 'data.defaultCollate',
    args: () => [0],
    call: () => {
      const a: unknown[] = [1];
      a.push(a);
      return data.defaultCollate([a, a]);
    },
    skipArgs: [],
  },
  {
    name: 'data.DataLoader',
    args: () => [
      torch.ones([6, 2]),
      torch.arange(6),
      {
        batchSize: 4,
        shuffle: true,
        dropLast: false,
        seed: 3,
        device: 'cpu',
        collate: data.defaultCollate,
        afterBatch: (b: data.Batch) => b,
        prefetch: 2,
        shard: { rank: 1, worldSize: 2, dropLast: true },
      },
    ],
    call: (x, y, o) => new data.DataLoader(new data.TensorDataset(x as Tensor, y as Tensor), o as data.DataLoaderOptions<Tensor[]>),
    skipArgs: [0, 1],
    mustReject: {
      '2.batchSize': BAD_COUNT,
      '2.shuffle': BAD_FLAG,
      '2.dropLast': BAD_FLAG,
      '2.seed': ['NaN', 'Infinity', '-Infinity', 'negative', 'fractional', 'BigInt', 'string', 'symbol', 'object', 'array', 'function'],
      '2.device': BAD_DEVICE,
      '2.collate': ['zero', 'string', 'object', 'array', 'NaN'],
      '2.afterBatch': ['zero', 'string', 'object', 'array', 'NaN', 'symbol', 'int64 tensor'],
      '2.prefetch': ['null', 'NaN', 'Infinity', 'negative', 'fractional', 'huge', 'string', 'object'],
      '2.shard': ['NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function', 'int64 tensor'],
      2: ['string', 'array', 'function', 'NaN', 'symbol'],
    },
  },
  // the shard (data-parallel rank) itself, key by key; its epoch is iterated so a refused value leaves nothing made
  {
    name: 'data.DataLoader',
    args: () => [torch.arange(7), { rank: 1, worldSize: 3, dropLast: false }],
    call: (x, shard) => {
      const dl = new data.DataLoader(new data.TensorDataset(x as Tensor), {
        batchSize: 2,
        shuffle: true,
        seed: 1,
        shard: shard as data.DataLoaderOptions<Tensor[]>['shard'],
      });
      for (const _ of dl);
      return dl.length;
    },
    skipArgs: [0],
    mustReject: {
      1: ['NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function', 'int64 tensor'],
      '1.rank': [
        'null',
        'undefined',
        'NaN',
        'Infinity',
        'negative',
        'fractional',
        'huge',
        'BigInt',
        'string',
        'symbol',
        'object',
        'array',
        'function',
      ],
      '1.worldSize': ['null', 'undefined', 'NaN', 'Infinity', '-Infinity', 'negative', 'zero', 'fractional', 'BigInt', 'string', 'object', 'array'],
      '1.dropLast': BAD_FLAG,
    },
  },
  // an asynchronous dataset (items loaded off the JS thread): firstBatch, and a get that fails or gives no item
  {
    name: 'DataLoader.firstBatch',
    word: 'DataLoader',
    args: () => [
      { length: 6, async: true, get: async (i: number) => [i, i * 2] },
      { batchSize: 4, prefetch: 1 },
    ],
    call: async (ds, o) => plainBatch(await new data.DataLoader(ds as data.AsyncDataset, o as data.DataLoaderOptions<unknown>).firstBatch()),
    mustReject: { '0.get': ['null', 'string'], '0.length': ['NaN', 'negative', 'string'] },
  },
  // iterating: an afterBatch that throws, or returns what is not a batch, is refused naming the loader
  {
    name: 'DataLoader.oneBatch',
    word: 'DataLoader',
    args: () => [torch.ones([6, 2]), { batchSize: 4, afterBatch: (b: data.Batch) => [(b as Tensor[])[0]!.mul(2)] }],
    call: (x, o) => plainBatch(new data.DataLoader(new data.TensorDataset(x as Tensor), o as data.DataLoaderOptions<Tensor[]>).oneBatch()),
    skipArgs: [0],
    mustReject: { '1.afterBatch': ['function', 'zero', 'string'] },
  },
  {
    name: 'data.DataLoader',
    args: () => [items(), { batchSize: 4 }],
    call: (ds, o) => new data.DataLoader(ds as data.Dataset, o as data.DataLoaderOptions<unknown>),
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'string', 'array', 'function', 'int64 tensor', 'disposed tensor', 'object'],
      '0.length': ['NaN', 'Infinity', '-Infinity', 'negative', 'fractional', 'BigInt', 'string', 'symbol', 'object', 'null', 'undefined'],
      '0.get': ['null', 'undefined', 'zero', 'string', 'object'],
    },
  },
  // iterating: get(i) that fails or returns nothing names the index; a collate that returns no tensors is refused
  {
    name: 'DataLoader.oneBatch',
    word: 'DataLoader',
    args: () => [items(), { batchSize: 4, shuffle: false, seed: 1, collate: data.defaultCollate }],
    call: (ds, o) => plainBatch(new data.DataLoader(ds as data.Dataset, o as data.DataLoaderOptions<unknown>).oneBatch()),
    mustReject: { '0.get': ['null', 'string'], '1.collate': ['function'] },
  },
  {
    name: 'DataLoader.oneBatch',
    word: 'DataLoader',
    args: () => [torch.ones([6, 2]), { batchSize: 4, shuffle: true, dropLast: true, device: 'cpu' }],
    call: (x, o) => plainBatch(new data.DataLoader(new data.TensorDataset(x as Tensor), o as data.DataLoaderOptions<Tensor[]>).oneBatch()),
    skipArgs: [0],
  },
  {
    name: 'DataLoader.new',
    args: () => [
      torch.ones([6, 2]),
      { shuffle: false, dropLast: false, batchSize: 2, seed: 1, device: 'cpu', afterBatch: (b: data.Batch) => b, shard: { rank: 0, worldSize: 4 } },
    ],
    call: (x, o) => new data.DataLoader(new data.TensorDataset(x as Tensor), { batchSize: 4, shuffle: true, dropLast: true }).new(o as never).length,
    skipArgs: [0],
    mustReject: {
      1: ['null', 'string', 'array', 'function', 'NaN', 'symbol', 'int64 tensor'],
      '1.batchSize': BAD_COUNT,
      '1.shuffle': BAD_FLAG,
      '1.dropLast': BAD_FLAG,
      '1.device': BAD_DEVICE,
      '1.afterBatch': ['zero', 'string', 'object', 'array', 'NaN', 'symbol'],
      '1.shard': ['NaN', 'zero', 'string', 'symbol', 'object', 'array', 'function'],
    },
  },
  {
    name: 'data.DataLoaders',
    args: () => [torch.ones([4, 2]), 'cpu'],
    call: (x, device) => {
      const dl = new data.DataLoader(new data.TensorDataset(x as Tensor), { batchSize: 2, seed: 0 });
      return new data.DataLoaders(dl, dl, device as string).device;
    },
    skipArgs: [0],
    mustReject: { 1: BAD_DEVICE },
  },
  {
    name: 'data.DataLoaders',
    args: () => [{}, 0],
    call: (t) => new data.DataLoaders(t as data.DataLoader, t as data.DataLoader),
    skipArgs: [1],
    mustReject: { 0: ['null', 'undefined', 'object', 'string', 'int64 tensor'] },
  },
  {
    name: 'data.DataLoaders.fromTensors',
    word: 'fromTensors',
    args: () => [torch.ones([4, 2]), torch.arange(4), torch.ones([2, 2]), torch.arange(2), { batchSize: 2, shuffle: true, device: 'cpu', seed: 4 }],
    call: (a, b, c, d, o) => data.DataLoaders.fromTensors(a as Tensor, b as Tensor, c as Tensor, d as Tensor, o as { batchSize?: number }),
    mustReject: {
      0: NOT_TENSOR,
      1: NOT_TENSOR,
      2: NOT_TENSOR,
      3: NOT_TENSOR,
      '4.batchSize': BAD_COUNT,
      '4.shuffle': BAD_FLAG,
      '4.device': BAD_DEVICE,
    },
  },
  {
    name: 'data.parseIdx',
    args: () => [idx([2, 2]), 'buf'],
    call: (b, f) => data.parseIdx(b as Uint8Array, f as string),
    mustReject: { 0: ['null', 'undefined', 'string', 'array', 'object', 'int64 tensor'], 1: ['zero', 'symbol', 'object'] },
  },
  {
    name: 'data.readIdx',
    args: () => [idxPath],
    call: (p) => data.readIdx(p as string),
    mustReject: { 0: ['null', 'undefined', 'empty string', 'string', 'zero', 'object', 'symbol'] },
  },
  {
    name: 'data.parseCsv',
    args: () => [csvText, { target: 'label', categorical: ['age'], targetType: 'category', missing: ['NA'], ignore: ['score'] }, 'text'],
    call: (t, o, f) => data.parseCsv(t as string, o as data.CsvOptions, f as string),
    mustReject: {
      0: ['null', 'zero', 'object', 'string', 'empty string'],
      1: ['string', 'array', 'zero'],
      '1.target': ['zero', 'string', 'object', 'array'],
      '1.categorical': ['string', 'zero', 'array', 'object'],
      '1.targetType': ['string', 'zero', 'object'],
      '1.missing': ['string', 'array'],
      '1.ignore': ['string', 'array', 'object'],
    },
  },
  {
    name: 'data.readCsv',
    args: () => [csvPath, { target: 'label', categorical: ['age'], targetType: 'category', missing: ['NA'], ignore: ['score'] }],
    call: (p, o) => data.readCsv(p as string, o as data.CsvOptions),
    mustReject: {
      0: ['null', 'undefined', 'string', 'empty string', 'zero', 'object'],
      '1.target': ['zero', 'string'],
      '1.ignore': ['string', 'array'],
    },
  },
  {
    name: 'data.normStats',
    args: () => [torch.rand([4, 3]), [0]],
    call: (x, d) => data.normStats(x as Tensor, d as number[]),
    mustReject: { 0: NOT_TENSOR, 1: ['NaN', 'huge', 'string', 'object', 'array', 'fractional'] },
  },
  {
    name: 'data.normalize',
    args: () => [torch.rand([4, 3]), { mean: torch.zeros([1, 3]), std: torch.ones([1, 3]) }],
    call: (x, s) => data.normalize(x as Tensor, s as data.NormStats),
    mustReject: { 0: NOT_TENSOR, 1: ['null', 'undefined', 'string', 'object'], '1.mean': NOT_TENSOR, '1.std': NOT_TENSOR },
  },
  {
    name: 'data.normalizeSplits',
    args: () => [torch.rand([4, 3]), torch.rand([2, 3]), [0]],
    call: (a, b, d) => data.normalizeSplits(a as Tensor, b as Tensor, d as number[]),
    mustReject: { 0: NOT_TENSOR, 1: NOT_TENSOR, 2: ['NaN', 'huge', 'string'] },
  },
  {
    name: 'data.loadFashionMnist',
    args: () => [fashionDir],
    call: (d) => data.loadFashionMnist(d as string),
    mustReject: { 0: ['null', 'zero', 'string', 'empty string', 'object', 'symbol'] },
  },
  {
    name: 'data.fashionMnist',
    args: () => [{ batchSize: 2, dir: fashionDir, device: 'cpu', seed: 1 }],
    call: (o) => {
      const dls = data.fashionMnist(o as { dir: string });
      return [(dls.train.dataset as data.TensorDataset).tensors, (dls.valid.dataset as data.TensorDataset).tensors];
    },
    mustReject: {
      0: ['string', 'array', 'zero'],
      '0.batchSize': BAD_COUNT,
      '0.dir': ['zero', 'string', 'object', 'empty string'],
      '0.device': BAD_DEVICE,
    },
  },
  { name: 'data.TensorImage', args: () => [torch.ones([2, 3])], call: (t) => (t as Tensor).as(data.TensorImage), receiver: true, word: 'as' },
  { name: 'data.TensorCategory', args: () => [torch.ones([2, 3])], call: (t) => (t as Tensor).as(data.TensorCategory), receiver: true, word: 'as' },
  {
    name: 'data.TensorMultiCategory',
    args: () => [torch.ones([2, 3])],
    call: (t) => (t as Tensor).as(data.TensorMultiCategory),
    receiver: true,
    word: 'as',
  },
  {
    name: 'data.isTyped',
    args: () => [torch.ones([2])],
    call: (t) => data.isTyped(t as Tensor),
    mustReject: { 0: ['null', 'undefined', 'zero', 'string', 'object', 'function'] },
  },
  {
    name: 'data.imagePreprocessing',
    args: () => [{ mean: torch.zeros([1, 1, 1, 1]), std: torch.ones([1, 1, 1, 1]) }, [1, 2, 2], { divisor: 255, vocab: ['a', 'b'] }],
    call: (s, shape, o) => data.imagePreprocessing(s as data.NormStats, shape as number[], o as { divisor?: number }),
    mustReject: {
      0: ['null', 'undefined', 'string', 'object'],
      '0.mean': NOT_TENSOR,
      '0.std': NOT_TENSOR,
      1: ['null', 'undefined', 'string', 'array', 'NaN'],
      '2.divisor': ['NaN', 'zero', 'negative', 'Infinity', 'string'],
      '2.vocab': ['string', 'array', 'zero'],
    },
  },
  {
    name: 'data.imageInputs',
    args: () => [imagePrep(), torch.ones([3, 2, 2], { dtype: 'uint8' })],
    call: (p, x) => data.imageInputs(p as data.ImagePreprocessing, x as Tensor),
    mustReject: {
      0: ['null', 'undefined', 'string', 'object'],
      1: NOT_TENSOR,
      '0.divisor': ['NaN', 'zero', 'negative', 'Infinity', 'string', 'undefined'],
      '0.mean': ['null', 'string', 'array', 'zero'],
      '0.std': ['null', 'string', 'array', 'zero'],
      '0.statsShape': ['null', 'string', 'array'],
      '0.itemShape': ['null', 'string', 'array', 'zero'],
    },
  },
  {
    name: 'tabular.TabularDataLoaders.fromCsv',
    args: () => [
      csvPath,
      {
        yNames: 'label',
        yBlock: 'category',
        catNames: ['age', 'city'],
        contNames: ['score'],
        ignore: [],
        validPct: 0.4,
        seed: 1,
        batchSize: 2,
        device: 'cpu',
        log: false,
      },
    ],
    call: (p, o) => {
      const dls = tabular.TabularDataLoaders.fromCsv(p as string, o as tabular.TabularDataLoadersOptions);
      return [(dls.train.dataset as data.TensorDataset).tensors, (dls.valid.dataset as data.TensorDataset).tensors];
    },
    mustReject: {
      0: ['null', 'undefined', 'string', 'zero', 'empty string'],
      1: ['null', 'undefined', 'string', 'object', 'array'],
      '1.yNames': ['null', 'undefined', 'zero', 'string'],
      '1.yBlock': ['string', 'zero'],
      '1.catNames': ['null', 'zero', 'string', 'object', 'array'],
      '1.contNames': ['null', 'zero', 'string', 'object', 'array'],
      '1.ignore': ['null', 'zero', 'string', 'object', 'array'],
      '1.validPct': ['NaN', 'Infinity', 'negative', 'huge', 'string'],
      '1.batchSize': BAD_COUNT,
      '1.device': BAD_DEVICE,
      '1.seed': ['NaN', 'negative', 'fractional', 'string'],
      '1.log': ['zero', 'string', 'object'],
    },
  },
  {
    name: 'TabularDataLoaders.testDl',
    args: () => [tabularDls, csvPath, { batchSize: 2 }],
    skipArgs: [0],
    call: (d, source, o) => {
      const dl = (d as tabular.TabularDataLoaders).testDl(source as string, o as { batchSize?: number });
      return (dl.dataset as data.TensorDataset).tensors;
    },
    mustReject: {
      1: ['null', 'undefined', 'NaN', 'zero', 'string', 'empty string', 'object', 'array'],
      2: ['string', 'object'],
      '2.batchSize': BAD_COUNT,
    },
  },
  {
    name: 'data.registerLoaders',
    // a kind no export has, so the factory registered is never called
    args: () => ['misuse-kind', (_p: data.Preprocessing, device: string) => data.loadersFor(null, device)],
    call: (kind, factory) => data.registerLoaders(kind as string, factory as data.LoadersFactory),
    mustReject: {
      0: ['null', 'undefined', 'NaN', 'zero', 'symbol', 'object', 'array'],
      1: ['null', 'undefined', 'NaN', 'string', 'object', 'array'],
    },
  },
  {
    name: 'data.loadersFor',
    args: () => [prep(), 'cpu'],
    call: (p, device) => data.loadersFor(p as data.Preprocessing, device as string),
    mustReject: { 1: BAD_DEVICE },
  },
  {
    name: 'tabular.TabularDataLoaders.fromPreprocessing',
    args: () => [prep(), 'cpu'],
    call: (p, device) => tabular.TabularDataLoaders.fromPreprocessing(p as data.TabularPreprocessing, device as string),
    mustReject: {
      0: ['null', 'undefined', 'string', 'object', 'array'],
      '0.catNames': ['null', 'string', 'array'],
      '0.contNames': ['null', 'string', 'array'],
      '0.yNames': ['null', 'string', 'array'],
      '0.yBlock': ['null', 'string', 'zero'],
      '0.procs': ['null', 'string', 'object', 'array'],
      '0.vocab': ['string', 'array'],
      '0.withCont': ['null', 'undefined', 'zero', 'string'],
    },
  },
];
