// A DataLoader's shard (data-parallel training) hands out exactly the items PyTorch's DistributedSampler gives
// each rank, epoch after epoch, for tensor, item and asynchronous datasets; the shards cover every item, are
// disjoint up to the padding and equally long; the loader's own batchSize and dropLast apply to the shard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { data, torch, type Tensor } from '../src/index.js';
import { fixture, liveTensors, settle } from './helpers.js';

interface SamplerCase {
  n: number;
  worldSize: number;
  seed: number;
  shuffle: boolean;
  dropLast: boolean;
  /** epochs[e][rank]: the item indices DistributedSampler gave after set_epoch(e). */
  epochs: number[][][];
}
const fx = fixture<{ torch: string; cases: SamplerCase[] }>('sampler/sampler.json');

type Kind = 'tensor' | 'items' | 'async';
/** A dataset whose item i is i, so batches reveal the indices the loader chose. */
function dataset(kind: Kind, n: number): data.Dataset<unknown> | data.AsyncDataset<unknown> {
  if (kind === 'tensor') return new data.TensorDataset(torch.arange(n, { dtype: 'int64' }).keep());
  if (kind === 'items') return { length: n, get: (i: number) => [i] };
  return { length: n, async: true, get: async (i: number) => [i] };
}
function release<T>(dl: data.DataLoader<T>): void {
  if (dl.dataset instanceof data.TensorDataset) torch.dispose(dl.dataset.tensors);
}

/** One epoch's items and batch sizes. */
async function epoch<T>(dl: data.DataLoader<T>): Promise<{ items: number[]; sizes: number[] }> {
  const items: number[] = [];
  const sizes: number[] = [];
  for await (const b of dl) {
    const t = (b as Tensor[])[0]!;
    sizes.push(t.shape[0]!);
    items.push(...Array.from(t.toTypedArray() as BigInt64Array, Number));
  }
  return { items, sizes };
}

function sharded(kind: Kind, n: number, o: data.DataLoaderOptions<unknown>): data.DataLoader<unknown> {
  return new data.DataLoader(dataset(kind, n), o);
}

test("each rank's items are DistributedSampler's, over two epochs, for tensor, item and asynchronous datasets", async () => {
  assert.ok(fx.cases.length >= 15);
  for (const kind of ['tensor', 'items', 'async'] as const) {
    for (const c of fx.cases) {
      for (let rank = 0; rank < c.worldSize; rank++) {
        const what = `${kind} n=${c.n} W=${c.worldSize} rank=${rank} seed=${c.seed} shuffle=${c.shuffle} dropLast=${c.dropLast}`;
        const shard = { rank, worldSize: c.worldSize, dropLast: c.dropLast };
        const dl = sharded(kind, c.n, { batchSize: 3, shuffle: c.shuffle, seed: c.seed, shard });
        for (let e = 0; e < 2; e++) {
          const want = c.epochs[e]![rank]!;
          assert.equal(dl.length, Math.ceil(want.length / 3), `${what}: length`);
          const got = await epoch(dl);
          assert.deepEqual(got.items, want, `${what}, epoch ${e}`);
          // the epoch counter advances as without a shard: only shuffled epochs draw a new order
          assert.equal(dl.epoch, c.shuffle ? e + 1 : 0, `${what}: epoch counter`);
        }
        release(dl);
      }
    }
  }
});

test('the shards of one epoch cover every item, are disjoint up to the padding, and have equal batch counts', async () => {
  for (const [n, worldSize] of [
    [10, 3],
    [12, 4],
    [3, 5],
    [1, 2],
    [23, 2],
  ] as const) {
    for (const dropLast of [false, true]) {
      const all: number[] = [];
      const lengths = new Set<number>();
      const shards: number[][] = [];
      for (let rank = 0; rank < worldSize; rank++) {
        const dl = sharded('tensor', n, { batchSize: 2, shuffle: true, seed: 17, shard: { rank, worldSize, dropLast } });
        const { items, sizes } = await epoch(dl);
        assert.equal(sizes.length, dl.length);
        lengths.add(sizes.length);
        shards.push(items);
        all.push(...items);
        release(dl);
      }
      const what = `n=${n} W=${worldSize} dropLast=${dropLast}`;
      assert.equal(lengths.size, 1, `${what}: every rank has the same batch count`);
      const per = dropLast ? Math.floor(n / worldSize) : Math.ceil(n / worldSize);
      for (const s of shards) assert.equal(s.length, per, what);
      const distinct = new Set(all);
      if (dropLast) {
        // truncated: no item twice, and only n mod W items left out
        assert.equal(distinct.size, all.length, `${what}: disjoint`);
        assert.equal(n - distinct.size, n % worldSize, what);
      } else {
        // padded: every item, and the repeats are exactly the padding
        assert.equal(distinct.size, n, `${what}: covers every item`);
        assert.equal(all.length - n, per * worldSize - n, `${what}: repeats`);
      }
      // interleaving the shards gives the unsharded loader's order (same seed and epoch), padded cyclically
      const whole = await epoch(sharded('tensor', n, { batchSize: 4, shuffle: true, seed: 17 }));
      for (let p = 0; p < per * worldSize; p++) {
        assert.equal(shards[p % worldSize]![Math.floor(p / worldSize)], whole.items[p % n], `${what}: position ${p}`);
      }
    }
  }
});

test("the loader's own batchSize and dropLast apply to the shard", async () => {
  // 10 items on 3 ranks: 4 each (padded); batches of 3 give [3, 1], or [3] with the loader's dropLast
  for (const kind of ['tensor', 'items', 'async'] as const) {
    for (const rank of [0, 1, 2]) {
      const shard = { rank, worldSize: 3 };
      const keep = sharded(kind, 10, { batchSize: 3, shuffle: true, seed: 7, shard });
      const drop = sharded(kind, 10, { batchSize: 3, shuffle: true, seed: 7, shard, dropLast: true });
      const a = await epoch(keep);
      const b = await epoch(drop);
      assert.deepEqual(a.sizes, [3, 1], `${kind} rank ${rank}`);
      assert.deepEqual([keep.length, drop.length], [2, 1]);
      assert.deepEqual(b.sizes, [3]);
      assert.deepEqual(b.items, a.items.slice(0, 3), `${kind} rank ${rank}: the shard's first batch`);
      // the fixture's n=10, W=3, seed 7 case, epoch 0
      const want = fx.cases.find((c) => c.n === 10 && c.worldSize === 3 && c.seed === 7 && !c.dropLast)!.epochs[0]![rank]!;
      assert.deepEqual(a.items, want);
      release(keep);
      release(drop);
    }
  }
});

test('seed and shard getters; new() keeps both unless given, and shard: null removes the shard', async () => {
  const x = torch.arange(10, { dtype: 'int64' }).keep();
  const dl = new data.DataLoader(new data.TensorDataset(x), { batchSize: 4, shuffle: true, seed: 7, shard: { rank: 1, worldSize: 3 } });
  assert.equal(dl.seed, 7);
  assert.deepEqual(dl.shard, { rank: 1, worldSize: 3, dropLast: false, pad: true });
  assert.ok(Object.isFrozen(dl.shard));
  const fix = fx.cases.find((c) => c.n === 10 && c.worldSize === 3 && c.seed === 7 && !c.dropLast)!;
  // the copy keeps seed and shard, and starts its own epoch counter at 0
  await epoch(dl);
  const copy = dl.new({ batchSize: 2 });
  assert.equal(copy.seed, 7);
  assert.deepEqual(copy.shard, dl.shard);
  assert.deepEqual((await epoch(copy)).items, fix.epochs[0]![1]);
  // in dataset order (getPreds' loader): the rank's stride of 0..n-1, padded
  assert.deepEqual((await epoch(dl.new({ shuffle: false }))).items, [1, 4, 7, 0]);
  // another shard and seed (a rank told rank 0's seed)
  const other = dl.new({ shard: { rank: 2, worldSize: 3, dropLast: true }, seed: 7 });
  assert.deepEqual(other.shard, { rank: 2, worldSize: 3, dropLast: true, pad: true });
  assert.deepEqual((await epoch(other)).items, fx.cases.find((c) => c.n === 10 && c.seed === 7 && c.dropLast)!.epochs[0]![2]);
  const reseeded = dl.new({ seed: 123 });
  assert.equal(reseeded.seed, 123);
  // no shard: every item
  const whole = dl.new({ shard: null });
  assert.equal(whole.shard, null);
  assert.equal(whole.length, 3);
  assert.deepEqual(
    [...(await epoch(whole)).items].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  // one rank of one: the unsharded order
  const one = dl.new({ shard: { rank: 0, worldSize: 1 } });
  assert.deepEqual((await epoch(one)).items, (await epoch(dl.new({ shard: null }))).items);
  // a default seed is drawn from the global generator: torch.manualSeed repeats it
  torch.manualSeed(3);
  const s1 = new data.DataLoader(new data.TensorDataset(x)).seed;
  torch.manualSeed(3);
  assert.equal(new data.DataLoader(new data.TensorDataset(x)).seed, s1);
  assert.ok(Number.isSafeInteger(s1) && s1 >= 0);
  x.dispose();
});

test('a bad shard is refused before anything is made, naming the option', () => {
  const x = torch.arange(6).keep();
  const ds = new data.TensorDataset(x);
  const bad: [unknown, RegExp][] = [
    [{ rank: 2, worldSize: 2 }, /data\.DataLoader: expected an integer below worldSize \(2\) for options\.shard\.rank, got 2$/],
    [{ rank: -1, worldSize: 2 }, /data\.DataLoader: expected an integer >= 0 for options\.shard\.rank, got -1/],
    [{ rank: 0, worldSize: 0 }, /data\.DataLoader: expected an integer >= 1 for options\.shard\.worldSize, got 0/],
    [{ rank: 0.5, worldSize: 2 }, /options\.shard\.rank/],
    [{ rank: 0 }, /options\.shard\.worldSize, got undefined/],
    [{ rank: 0, worldSize: 2, dropLast: 1 }, /options\.shard\.dropLast/],
    [{ rank: 0, worldSize: 2, drop_last: true }, /options\.shard\.drop_last/],
    [3, /data\.DataLoader: expected an options object for options\.shard, got 3/],
  ];
  const before = liveTensors();
  for (const [shard, re] of bad) {
    assert.throws(() => new data.DataLoader(ds, { seed: 1, shard: shard as data.DataLoaderOptions<unknown>['shard'] }), re);
  }
  const dl = new data.DataLoader(ds, { seed: 1 });
  assert.throws(
    () => dl.new({ shard: { rank: 3, worldSize: 3 } }),
    /DataLoader\.new: expected an integer below worldSize \(3\) for options\.shard\.rank, got 3/,
  );
  assert.equal(liveTensors(), before);
  x.dispose();
});

test('sharded epochs free their orders: no growth over epochs, after a break, or for an asynchronous dataset', async () => {
  for (const kind of ['tensor', 'items', 'async'] as const) {
    for (const shuffle of [true, false]) {
      const dl = sharded(kind, 13, { batchSize: 2, shuffle, seed: 2, shard: { rank: 1, worldSize: 3 } });
      await epoch(dl);
      await settle();
      const base = liveTensors();
      for (let e = 0; e < 3; e++) await epoch(dl);
      for await (const _ of dl) break;
      await settle();
      assert.equal(liveTensors(), base, `${kind} shuffle=${shuffle}`);
      release(dl);
    }
  }
});

test('an unpadded shard (pad: false): rank r takes items r, r + W... below n, and the shards partition the set', async () => {
  const x = torch.arange(11, { dtype: 'int64' }).keep();
  const seen: number[] = [];
  for (let rank = 0; rank < 3; rank++) {
    const dl = new data.DataLoader(new data.TensorDataset(x), { batchSize: 2, shard: { rank, worldSize: 3, pad: false } });
    const items: number[] = [];
    for (const [b] of dl as Iterable<torch.Tensor[]>) items.push(...(b!.toArray() as number[]));
    // 11 items over 3 ranks: 4, 4 and 3
    assert.deepEqual(
      items,
      [0, 1, 2, 3].map((j) => rank + 3 * j).filter((i) => i < 11),
    );
    assert.equal(dl.length, Math.ceil(items.length / 2));
    seen.push(...items);
  }
  assert.deepEqual(
    seen.sort((a, b) => a - b),
    Array.from({ length: 11 }, (_, i) => i),
  );
  assert.throws(
    () => new data.DataLoader(new data.TensorDataset(x), { shard: { rank: 0, worldSize: 2, pad: false, dropLast: true } }),
    /dropLast already leaves no padding/,
  );
  x.dispose();
});
