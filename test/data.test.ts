// data: datasets, collate, the DataLoader (batching, seeded shuffling, lending), IDX and CSV readers,
// normalization, and the real Fashion-MNIST files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { data, torch, type Tensor } from '../src/index.js';
import { gc } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'flint-data-'));
const ids = (b: unknown): number[] => (b as Tensor[])[1]!.toArray() as number[];
/** Maps each batch while it is lent (batches are freed when the next is requested). */
function each<R>(dl: Iterable<data.Batch>, f: (b: data.Batch) => R): R[] {
  const out: R[] = [];
  for (const b of dl) out.push(f(b));
  return out;
}

test('TensorDataset rows and errors', () => {
  torch.tidy(() => {
    const ds = new data.TensorDataset(torch.arange(10).reshape(5, 2), torch.arange(5));
    assert.equal(ds.length, 5);
    assert.deepEqual(
      ds.get(2).map((t) => t.toArray()),
      [[4, 5], 2],
    );
    assert.throws(() => ds.get(5), /TensorDataset\.get: expected an integer >= 0 and <= 4 for i, got 5/);
    assert.throws(
      () => new data.TensorDataset(torch.zeros([3]), torch.zeros([4])),
      /data\.TensorDataset: expected a tensor of 3 rows like tensors\[0\] for tensors\[1\], got a tensor float32\[4\]/,
    );
  });
});

test('DataLoader batches in order, with dropLast and length', () => {
  torch.tidy(() => {
    const ds = new data.TensorDataset(torch.arange(10).float(), torch.arange(10));
    const dl = new data.DataLoader(ds, { batchSize: 4 });
    assert.equal(dl.length, 3);
    assert.deepEqual(each(dl, ids), [
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    const dropped = new data.DataLoader(ds, { batchSize: 4, dropLast: true });
    assert.equal(dropped.length, 2);
    assert.deepEqual(
      each(dropped, (b) => ids(b).length),
      [4, 4],
    );
    assert.throws(() => new data.DataLoader(ds, { batchSize: 0 }), /data\.DataLoader: expected an integer >= 1 for options\.batchSize, got 0/);
  });
});

test('shuffling: every item once per epoch, a new order each epoch, reproducible by seed, global generator untouched', () => {
  torch.tidy(() => {
    const ds = new data.TensorDataset(torch.arange(100).float(), torch.arange(100));
    const epoch = (dl: Iterable<data.Batch>) => each(dl, ids).flat();
    const a = new data.DataLoader(ds, { batchSize: 16, shuffle: true, seed: 7 });
    const e1 = epoch(a);
    const e2 = epoch(a);
    assert.deepEqual(
      [...e1].sort((x, y) => x - y),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.notDeepEqual(e1, e2);
    const b = new data.DataLoader(ds, { batchSize: 16, shuffle: true, seed: 7 });
    assert.deepEqual(epoch(b), e1);
    assert.deepEqual(epoch(b), e2);
    torch.manualSeed(3);
    const r1 = torch.rand([3]).toArray();
    torch.manualSeed(3);
    epoch(b);
    assert.deepEqual(torch.rand([3]).toArray(), r1, 'shuffling does not advance the global generator');
    torch.manualSeed(11);
    const c = new data.DataLoader(ds, { shuffle: true });
    torch.manualSeed(11);
    const d = new data.DataLoader(ds, { shuffle: true });
    assert.deepEqual(epoch(c), epoch(d), 'without a seed, torch.manualSeed makes the order reproducible');
  });
});

test('batches are lent: each is freed when the next is asked for, and when the loop stops early', () => {
  const ds = new data.TensorDataset(torch.randn([64, 3]).keep(), torch.arange(64).keep());
  gc();
  const before = torch.memory().liveTensors;
  const dl = new data.DataLoader(ds, { batchSize: 8, shuffle: true, seed: 1 });
  let seen = 0;
  for (const b of dl) {
    seen++;
    assert.ok(torch.memory().liveTensors <= before + 3, "one batch (two tensors) and the epoch's permutation alive at a time");
    void b;
  }
  assert.equal(seen, 8);
  assert.equal(torch.memory().liveTensors, before);
  for (const b of dl) {
    void b;
    break;
  }
  assert.equal(torch.memory().liveTensors, before);
  torch.dispose(ds.tensors);
});

test('item datasets go through collate: numbers, booleans, arrays and objects', () => {
  torch.tidy(() => {
    const ds: data.Dataset<{ x: number[]; label: number; w: number; ok: boolean }> = {
      length: 5,
      get: (i) => ({ x: [i, i * 2], label: i % 2, w: i / 2, ok: i > 2 }),
    };
    const first = new data.DataLoader(ds, { batchSize: 4 }).oneBatch() as { x: Tensor[]; label: Tensor; w: Tensor; ok: Tensor };
    assert.deepEqual(
      first!.x.map((t) => t.toArray()),
      [
        [0, 1, 2, 3],
        [0, 2, 4, 6],
      ],
    );
    assert.equal(first!.label.dtype, 'int64');
    assert.equal(first!.w.dtype, 'float32');
    assert.deepEqual(first!.ok.toArray(), [false, false, false, true]);
    assert.throws(() => data.defaultCollate([torch.zeros([2]), torch.zeros([3])]), /item 1 has shape \[3\], item 0 \[2\]/);
    assert.throws(() => data.defaultCollate([null]), /cannot batch items of type null/);
    // the tensor fast path and the item path give the same batches
    const tds = new data.TensorDataset(torch.randn([10, 2]), torch.arange(10));
    const slow: data.Dataset<Tensor[]> = { length: 10, get: (i) => tds.get(i) };
    const f2 = each(new data.DataLoader(tds, { batchSize: 4, shuffle: true, seed: 5 }), (b) => (b as Tensor[])[0]!.clone());
    const s2 = each(new data.DataLoader(slow, { batchSize: 4, shuffle: true, seed: 5 }), (b) => (b as Tensor[])[0]!.clone());
    f2.forEach((t, i) => assert.ok(t.equal(s2[i]!), `batch ${i}`));
    const one = new data.DataLoader(tds, { batchSize: 3 }).oneBatch() as Tensor[];
    assert.deepEqual(one[1]!.toArray(), [0, 1, 2]);
    torch.dispose(one);
  });
});

/** An IDX file: big-endian header and values. */
function idx(typeCode: number, shape: number[], values: number[], size: number, write: (v: DataView, o: number, x: number) => void): Buffer {
  const buf = Buffer.alloc(4 + 4 * shape.length + values.length * size);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  buf[2] = typeCode;
  buf[3] = shape.length;
  shape.forEach((s, i) => v.setUint32(4 + 4 * i, s));
  values.forEach((x, i) => write(v, 4 + 4 * shape.length + i * size, x));
  return buf;
}

test('IDX: every data type, gzip or not, big-endian values', () => {
  torch.tidy(() => {
    const u8 = idx(0x08, [2, 3], [0, 1, 2, 253, 254, 255], 1, (v, o, x) => v.setUint8(o, x));
    assert.deepEqual(data.parseIdx(u8).toArray(), [
      [0, 1, 2],
      [253, 254, 255],
    ]);
    assert.deepEqual(data.parseIdx(gzipSync(u8)).toArray(), [
      [0, 1, 2],
      [253, 254, 255],
    ]);
    assert.deepEqual(data.parseIdx(idx(0x09, [2], [-128, 127], 1, (v, o, x) => v.setInt8(o, x))).toArray(), [-128, 127]);
    assert.deepEqual(data.parseIdx(idx(0x0b, [2], [-300, 1000], 2, (v, o, x) => v.setInt16(o, x))).toArray(), [-300, 1000]);
    assert.deepEqual(data.parseIdx(idx(0x0c, [2], [-70000, 2 ** 30], 4, (v, o, x) => v.setInt32(o, x))).toArray(), [-70000, 2 ** 30]);
    const f = data.parseIdx(idx(0x0d, [2], [1.5, -0.25], 4, (v, o, x) => v.setFloat32(o, x)));
    assert.equal(f.dtype, 'float32');
    assert.deepEqual(f.toArray(), [1.5, -0.25]);
    assert.deepEqual(data.parseIdx(idx(0x0e, [1], [Math.PI], 8, (v, o, x) => v.setFloat64(o, x))).toArray(), [Math.PI]);
  });
});

test('IDX: corrupt files are refused with the file name and the problem', () => {
  const good = idx(0x08, [2, 2], [1, 2, 3, 4], 1, (v, o, x) => v.setUint8(o, x));
  const cases: [string, Buffer, RegExp][] = [
    ['empty', Buffer.alloc(0), /too short for the 4-byte magic number/],
    ['bad magic', Buffer.from([1, 0, 8, 1, 0, 0, 0, 1, 5]), /bad magic number/],
    ['unknown type', Buffer.from([0, 0, 0x07, 1, 0, 0, 0, 1, 5]), /unknown data type code 0x07/],
    ['zero dims', Buffer.from([0, 0, 8, 0]), /zero dimensions/],
    ['truncated header', good.subarray(0, 9), /truncated header: 2 dimensions need 12 bytes/],
    ['truncated data', good.subarray(0, 14), /truncated: shape \[2, 2\] of uint8 needs 16 bytes, the file has 14/],
    ['trailing bytes', Buffer.concat([good, Buffer.from([9])]), /trailing bytes/],
    ['corrupt gzip', Buffer.from([0x1f, 0x8b, 1, 2, 3, 4]), /corrupt gzip data/],
  ];
  for (const [what, bytes, pattern] of cases) {
    const path = join(dir, `${what.replace(/ /g, '-')}.idx`);
    writeFileSync(path, bytes);
    assert.throws(
      () => data.readIdx(path),
      (e: Error) => pattern.test(e.message) && e.message.includes(path),
      what,
    );
  }
  assert.throws(() => data.readIdx(join(dir, 'nope.idx')), /cannot read it/);
});

test('Fashion-MNIST from the Debian package: sizes, labels, normalization from the training split', () => {
  torch.tidy(() => {
    const raw = data.loadFashionMnist();
    assert.deepEqual([...raw.xTrain.shape], [60000, 1, 28, 28]);
    assert.deepEqual([...raw.xValid.shape], [10000, 1, 28, 28]);
    assert.ok(raw.xTrain.min().item() === 0 && raw.xTrain.max().item() === 1);
    assert.deepEqual(raw.yTrain.bincount().toArray(), new Array(10).fill(6000), 'Fashion-MNIST is balanced: 6,000 per class');
    assert.deepEqual(raw.yValid.bincount().toArray(), new Array(10).fill(1000));
    const dls = data.fashionMnist({ batchSize: 256 });
    const train = (dls.train.dataset as data.TensorDataset).tensors[0]!;
    const valid = (dls.valid.dataset as data.TensorDataset).tensors[0]!;
    assert.ok(Math.abs(train.mean().item()) < 1e-4 && Math.abs(train.std().item() - 1) < 1e-4, 'train split normalized');
    assert.ok(Math.abs(valid.mean().item()) > 1e-3, 'validation normalized with training statistics, not its own');
    assert.equal(dls.train.length, 234);
    assert.equal(dls.valid.length, 40);
    torch.dispose([train, valid, (dls.train.dataset as data.TensorDataset).tensors, (dls.valid.dataset as data.TensorDataset).tensors]);
    assert.throws(() => data.fashionMnist({ dir }), /train-images-idx3-ubyte\(\.gz\) not found .* Install Debian's dataset-fashion-mnist/);
  });
});

test('CSV: numeric and categorical columns, a categorical or numeric target', () => {
  torch.tidy(() => {
    const text = 'age,city,score,label\n30,Paris,1.5,yes\n40,Oslo,2.5,no\n25,Paris,-1,yes\n';
    const t = data.parseCsv(text, { target: 'label' });
    assert.deepEqual(t.contNames, ['age', 'score']);
    assert.deepEqual(t.catNames, ['city']);
    assert.deepEqual(t.categories, { city: ['Oslo', 'Paris'], label: ['no', 'yes'] });
    assert.deepEqual(t.xCont.toArray(), [
      [30, 1.5],
      [40, 2.5],
      [25, -1],
    ]);
    assert.deepEqual(t.xCat.toArray(), [[1], [0], [1]]);
    assert.equal(t.y!.dtype, 'int64');
    assert.deepEqual(t.y!.toArray(), [1, 0, 1]);
    const r = data.parseCsv(text, { target: 'score', categorical: ['age'] });
    assert.deepEqual(r.catNames, ['age', 'city', 'label']);
    assert.equal(r.y!.dtype, 'float32');
    const path = join(dir, 't.csv');
    writeFileSync(path, text);
    assert.deepEqual(data.readCsv(path, { target: 'label' }).xCont.toArray(), t.xCont.toArray());
  });
});

test('CSV: missing values, unknown columns and malformed files name the place', () => {
  const path = join(dir, 'bad.csv');
  writeFileSync(path, 'a,b\n1,2\n3,\n');
  assert.throws(() => data.readCsv(path), /data\.readCsv: CSV file .*bad\.csv: missing value "" at row 2 \(line 3\), column 'b'/);
  writeFileSync(path, 'a,b\n1,NA\n');
  assert.throws(() => data.readCsv(path), /missing value "NA" at row 1 \(line 2\), column 'b'/);
  writeFileSync(path, 'a,b\n1,2\n');
  assert.throws(() => data.readCsv(path, { target: 'c' }), /no column 'c' for options\.target \(columns: a, b\)/);
  writeFileSync(path, 'a,b\n1,"2\n');
  assert.throws(() => data.readCsv(path), /CSV file .*bad\.csv: .*[Qq]uote/);
  writeFileSync(path, 'a,b\n1,2,3\n');
  assert.throws(() => data.readCsv(path), /CSV file .*bad\.csv: .*(columns|record)/i);
  writeFileSync(path, 'a,b\n');
  assert.throws(() => data.readCsv(path), /a header row but no data rows/);
});

test('normalization statistics come from the training split', () => {
  torch.tidy(() => {
    const train = torch.tensor([
      [1, 10],
      [3, 30],
    ]);
    const valid = torch.tensor([[2, 20]]);
    const { train: t, valid: v, stats } = data.normalizeSplits(train, valid, [0]);
    assert.deepEqual(stats.mean.toArray(), [[2, 20]]);
    assert.ok(
      t.allclose(
        torch
          .tensor([
            [-1, -1],
            [1, 1],
          ])
          .div(Math.SQRT2),
      ),
    );
    assert.deepEqual(v.toArray(), [[0, 0]]);
  });
});

test('DataLoaders.fromTensors: a shuffled training loader that drops the last batch, an ordered validation loader', () => {
  torch.tidy(() => {
    const dls = data.DataLoaders.fromTensors(torch.randn([10, 2]), torch.arange(10), torch.randn([5, 2]), torch.arange(5), { batchSize: 4, seed: 2 });
    assert.equal(dls.train.shuffle, true);
    assert.equal(dls.train.length, 2);
    assert.equal(dls.valid.length, 2);
    assert.deepEqual(each(dls.valid, ids).flat(), [0, 1, 2, 3, 4]);
    assert.equal(dls.device, 'cpu');
  });
});

test('DataLoader: a dataset of impossible length, a bad batch size, and items that fail are refused by name', () => {
  for (const length of [Infinity, NaN, -1, 2.5, '3', undefined]) {
    assert.throws(
      () => new data.DataLoader({ length, get: (i: number) => i } as unknown as data.Dataset),
      /data\.DataLoader: expected a non-negative integer for dataset\.length, got/,
      String(length),
    );
  }
  assert.throws(
    () => new data.DataLoader({ length: 3 } as unknown as data.Dataset),
    /expected a dataset \(an object with a length and a get\(i\) method\) for dataset/,
  );
  for (const batchSize of [0, NaN, -1, 1.5, Infinity]) {
    assert.throws(
      () => new data.DataLoader({ length: 3, get: (i: number) => i }, { batchSize }),
      /data\.DataLoader: expected an integer >= 1 for options\.batchSize/,
    );
  }
  assert.throws(
    () => new data.DataLoader({ length: 3, get: (i: number) => i }, { batchSize: 2, bachSize: 2 } as data.DataLoaderOptions<number>),
    /expected one of the options .* for options\.bachSize/,
  );
  // a length that a getter changes later is checked again when iterating
  const growing = {
    n: 2,
    get length(): number {
      return this.n;
    },
    get: (i: number) => i,
  };
  const dl = new data.DataLoader(growing, { batchSize: 2 });
  growing.n = Infinity;
  assert.throws(() => dl.oneBatch(), /DataLoader: expected a non-negative integer for dataset\.length, got Infinity/);
  const live = torch.memory().liveTensors;
  const holes = new data.DataLoader({ length: 5, get: (i: number) => (i === 3 ? undefined : i) }, { batchSize: 2 });
  assert.throws(() => [...holes], /DataLoader: dataset\.get\(3\) returned undefined/);
  const throwing = new data.DataLoader(
    {
      length: 5,
      get: (i: number) => {
        if (i === 4) throw new Error('disk gone');
        return i;
      },
    },
    { batchSize: 2, shuffle: true, seed: 1 },
  );
  assert.throws(
    () => [...throwing],
    (e: Error) => /DataLoader: dataset\.get\(4\) failed: disk gone/.test(e.message) && (e.cause as Error).message === 'disk gone',
  );
  const mixed = new data.DataLoader({ length: 2, get: (i: number) => (i === 0 ? 1 : 'one') }, { batchSize: 2 });
  assert.throws(() => mixed.oneBatch(), /DataLoader: collating batch 0 .*data\.defaultCollate: item 1 is "one", but item 0 is a number/);
  const noTensors = new data.DataLoader({ length: 2, get: (i: number) => i }, { batchSize: 2, collate: () => 5 as unknown as data.Batch });
  assert.throws(() => noTensors.oneBatch(), /DataLoader: the collated batch 0 holds 5; a batch is a tensor, or arrays and plain objects of tensors/);
  assert.equal(torch.memory().liveTensors, live, 'failed batches leave no tensor behind');
});

test('a collated batch moved to a device: its tensors are freed with the next batch, a dead one is refused, nothing leaks', () => {
  const ds: data.Dataset<number> = { length: 6, get: (i) => i };
  const collate = (items: number[]): data.Batch => ({
    x: torch.tensor(items),
    parts: [torch.tensor(items).mul(2), { w: torch.ones([items.length]) }],
  });
  gc();
  const before = torch.memory().liveTensors;
  const dl = new data.DataLoader(ds, { batchSize: 2, device: 'cpu', collate });
  const seen: number[][] = [];
  for (const b of dl) {
    const { x, parts } = b as { x: Tensor; parts: [Tensor, { w: Tensor }] };
    seen.push([...(x.toArray() as number[]), ...(parts[0].toArray() as number[]), ...(parts[1].w.toArray() as number[])]);
    assert.ok(torch.memory().liveTensors <= before + 3, 'one batch (three tensors) alive at a time');
  }
  assert.deepEqual(seen, [
    [0, 1, 0, 2, 1, 1],
    [2, 3, 4, 6, 1, 1],
    [4, 5, 8, 10, 1, 1],
  ]);
  assert.equal(torch.memory().liveTensors, before);
  // a freed tensor in the user's batch names the batch; what was already taken in is freed
  const dead = torch.ones([2]);
  dead.dispose();
  const bad = new data.DataLoader(ds, { batchSize: 2, device: 'cpu', collate: (items) => [torch.tensor(items), dead] });
  assert.throws(() => bad.oneBatch(), /DataLoader: expected a live tensor for the collated batch 0, got a disposed tensor/);
  assert.equal(torch.memory().liveTensors, before);
});
