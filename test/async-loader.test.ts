// The DataLoader over an asynchronous dataset (items read and decoded off the JS thread, as images will be):
// batches built ahead while the current one is in use, the same batches as a synchronous dataset gives, lent and
// freed the same way, errors named, and the Learner training on it exactly as on the synchronous one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Learner, data, nn, optim, torch, type Tensor } from '../src/index.js';
import { gc, liveTensors, settle } from './helpers.js';

/** Items [x_i, y_i] of two tensors, given after a delay (a decode on a worker thread), counting the loads. */
class SlowDataset {
  readonly async = true as const;
  started = 0;
  finished = 0;
  constructor(
    readonly x: Tensor,
    readonly y: Tensor,
    readonly delayMs = 2,
    readonly failAt = -1,
  ) {}
  get length(): number {
    return this.x.shape[0]!;
  }
  async get(i: number): Promise<Tensor[]> {
    this.started++;
    await new Promise((r) => setTimeout(r, this.delayMs));
    if (i === this.failAt) throw new RangeError(`bad file ${i}`);
    this.finished++;
    return [this.x.select(0, i).clone(), this.y.select(0, i).clone()];
  }
}

function tensors(): { x: Tensor; y: Tensor } {
  torch.manualSeed(0);
  return { x: torch.randn([22, 3]).keep(), y: torch.randint(0, 2, [22]).keep() };
}

test('an asynchronous dataset gives the same batches as the tensors, in the same shuffled order', async () => {
  const { x, y } = tensors();
  const ref = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 4, shuffle: true, seed: 5 });
  const dl = new data.DataLoader(new SlowDataset(x, y), { batchSize: 4, shuffle: true, seed: 5 });
  assert.equal(dl.isAsync, true);
  for (let epoch = 0; epoch < 2; epoch++) {
    const want: Tensor[][] = [];
    for (const b of ref) want.push((b as Tensor[]).map((t) => t.clone().keep()));
    let k = 0;
    for await (const b of dl) {
      const [bx, by] = b as Tensor[];
      assert.ok(bx!.equal(want[k]![0]!) && by!.equal(want[k]![1]!), `epoch ${epoch} batch ${k}`);
      k++;
    }
    assert.equal(k, 6);
    torch.dispose(want);
  }
  assert.throws(() => {
    for (const _ of dl) break;
  }, /DataLoader: the dataset is asynchronous .*iterate with for await/);
  assert.throws(() => dl.oneBatch(), /DataLoader.oneBatch: the dataset is asynchronous; use await dl.firstBatch\(\)/);
  const first = (await dl.firstBatch()) as Tensor[];
  assert.deepEqual(first[0]!.shape, [4, 3]);
  torch.dispose([first, x, y]);
});

test('batches are built ahead: while batch 0 is in use, the next `prefetch` batches are loading or loaded', async () => {
  const { x, y } = tensors();
  for (const prefetch of [0, 1, 3]) {
    const ds = new SlowDataset(x, y);
    const dl = new data.DataLoader(ds, { batchSize: 4, prefetch });
    for await (const _ of dl) {
      // batch 0 yielded: its own items and the items of `prefetch` more batches have been asked for
      assert.equal(ds.started, 4 * (1 + prefetch), `prefetch ${prefetch}`);
      await new Promise((r) => setTimeout(r, 30));
      assert.equal(ds.finished, Math.min(22, 4 * (1 + prefetch)), 'they load while the consumer works');
      break;
    }
  }
  torch.dispose([x, y]);
});

test('lent batches: live tensors do not grow over epochs, and a break or an error frees the batches built ahead', async () => {
  const { x, y } = tensors();
  const dl = new data.DataLoader(new SlowDataset(x, y), { batchSize: 4, shuffle: true, prefetch: 2 });
  for await (const _ of dl); // warm-up
  gc();
  const base = torch.memory().liveTensors;
  for (let epoch = 0; epoch < 3; epoch++) for await (const _ of dl);
  gc();
  assert.equal(torch.memory().liveTensors, base);
  for await (const _ of dl) break;
  gc();
  assert.equal(torch.memory().liveTensors, base, 'after a break');
  const bad = new data.DataLoader(new SlowDataset(x, y, 2, 9), { batchSize: 4, prefetch: 3 });
  await assert.rejects(
    async () => {
      for await (const _ of bad);
    },
    (e: Error) => e instanceof torch.FlintError && /DataLoader: dataset.get\(9\) failed: bad file 9/.test(e.message),
  );
  gc();
  assert.equal(torch.memory().liveTensors, base, 'after an error');
  torch.dispose([x, y]);
});

test("afterBatch runs in batch order between the consumer's steps: its random draws repeat under a seed whatever the load times", async () => {
  const { x, y } = tensors();
  /** Items that finish loading in a scrambled order (later items often first). */
  class Scrambled extends SlowDataset {
    override async get(i: number): Promise<Tensor[]> {
      await new Promise((r) => setTimeout(r, ((i * 7) % 5) + Math.floor(Math.random() * 4)));
      return [this.x.select(0, i).clone(), this.y.select(0, i).clone()];
    }
  }
  const run = async (ds: data.Dataset<Tensor[]> | SlowDataset): Promise<number[]> => {
    torch.manualSeed(4);
    const dl = new data.DataLoader<Tensor[]>(ds, {
      batchSize: 4,
      prefetch: 3,
      afterBatch: (b) => {
        const [bx, by] = b as Tensor[];
        return [bx!.add(torch.rand([1])), by!];
      },
    });
    const seen: number[] = [];
    for await (const b of dl) {
      seen.push((b as Tensor[])[0]!.sum().item() as number);
      // the consumer's own draws (a training step's dropout) between batches
      seen.push(torch.tidy(() => torch.rand([1]).item() as number));
    }
    return seen;
  };
  const want = await run(new data.TensorDataset(x, y));
  for (let k = 0; k < 3; k++) assert.deepEqual(await run(new Scrambled(x, y)), want, `run ${k}`);
  torch.dispose([x, y]);
});

test('an asynchronous afterBatch is started one batch ahead: its draws in batch order, its work overlapping the step', async () => {
  const { x, y } = tensors();
  const events: string[] = [];
  /** Draws now (synchronously, in call order), finishes later (as work off the JS thread would). */
  const asyncTfm = (b: data.Batch): Promise<data.Batch> => {
    const [bx, by] = b as Tensor[];
    const noise = torch.rand([1]).keep();
    events.push(`call ${bx!.shape[0]}`);
    return new Promise((resolve, reject) =>
      setTimeout(() => {
        try {
          resolve([bx!.add(noise), by!]);
        } catch (e) {
          reject(e); // the refused synchronous loader below has freed the batch by now
        } finally {
          noise.dispose();
        }
      }, 3),
    );
  };
  const syncTfm = (b: data.Batch): data.Batch => {
    const [bx, by] = b as Tensor[];
    return [bx!.add(torch.rand([1])), by!];
  };
  const run = async (afterBatch: (b: data.Batch) => data.Batch | Promise<data.Batch>, consumerDraws: boolean): Promise<number[]> => {
    torch.manualSeed(8);
    const dl = new data.DataLoader<Tensor[]>(new SlowDataset(x, y, 1), { batchSize: 4, prefetch: 2, afterBatch });
    const seen: number[] = [];
    for await (const b of dl) {
      events.push('yield');
      seen.push((b as Tensor[])[0]!.sum().item() as number);
      if (consumerDraws) seen.push(torch.tidy(() => torch.rand([1]).item() as number));
    }
    return seen;
  };
  // without other draws, the same batches as the synchronous transform
  assert.deepEqual(await run(asyncTfm, false), await run(syncTfm, false));
  // batch b + 1's call comes before batch b is handed out: 6 batches, calls 0 and 1 before the first yield
  events.length = 0;
  const a = await run(asyncTfm, true);
  assert.deepEqual(events.slice(0, 4), ['call 4', 'call 4', 'yield', 'call 4']);
  assert.equal(events.filter((e) => e === 'yield').length, 6);
  // with the consumer drawing between batches, runs repeat exactly
  for (let k = 0; k < 2; k++) assert.deepEqual(await run(asyncTfm, true), a);
  // no growth, and a break frees the batch staged ahead
  const dl = new data.DataLoader<Tensor[]>(new SlowDataset(x, y, 1), { batchSize: 4, afterBatch: asyncTfm });
  for await (const _ of dl);
  await settle();
  const base = liveTensors();
  for (let k = 0; k < 2; k++) for await (const _ of dl);
  for await (const _ of dl) break;
  await settle();
  assert.equal(liveTensors(), base);
  // an afterBatch throwing as it is started one batch ahead: named, and the batch it was given is freed
  let calls = 0;
  const throwing = new data.DataLoader<Tensor[]>(new SlowDataset(x, y, 1), {
    batchSize: 4,
    afterBatch: (b) => {
      if (++calls === 2) throw new RangeError('bad draw');
      return asyncTfm(b);
    },
  });
  await assert.rejects(async () => {
    for await (const _ of throwing);
  }, /DataLoader: afterBatch failed on batch 1: bad draw/);
  await settle();
  assert.equal(liveTensors(), base, 'after a throw');
  // a rejection names the batch
  const bad = new data.DataLoader<Tensor[]>(new SlowDataset(x, y, 1), {
    batchSize: 4,
    afterBatch: (b) => (b === null ? b : Promise.reject(new RangeError('device lost'))),
  });
  await assert.rejects(async () => {
    for await (const _ of bad);
  }, /DataLoader: afterBatch failed on batch 0: device lost/);
  // a synchronous dataset cannot wait for one
  const sync = new data.DataLoader<Tensor[]>(new data.TensorDataset(x, y), { batchSize: 4, afterBatch: asyncTfm });
  assert.throws(() => {
    for (const _ of sync);
  }, /DataLoader: afterBatch returned a Promise on batch 0: an asynchronous batch transform needs an asynchronous dataset/);
  await settle();
  torch.dispose([x, y]);
});

test('a synchronous dataset returning promises is refused naming the fix', () => {
  const ds = { length: 4, get: async (i: number) => torch.tensor([i]) };
  const dl = new data.DataLoader(ds as unknown as data.Dataset<Tensor>, { batchSize: 2 });
  assert.throws(() => {
    for (const _ of dl);
  }, /DataLoader: dataset.get\(0\) returned a Promise: mark the dataset asynchronous \(async: true\) and iterate with for await/);
});

test('the Learner trains on an asynchronous dataset exactly as on the tensors', async () => {
  const { x, y } = tensors();
  const xv = x.narrow(0, 0, 8).keep();
  const yv = y.narrow(0, 0, 8).keep();
  const fit = async (async: boolean): Promise<Record<string, Tensor>> => {
    const make = (a: Tensor, b: Tensor, shuffle: boolean): data.DataLoader<Tensor[]> =>
      async
        ? new data.DataLoader<Tensor[]>(new SlowDataset(a, b, 1), { batchSize: 4, shuffle, seed: 3 })
        : new data.DataLoader<Tensor[]>(new data.TensorDataset(a, b), { batchSize: 4, shuffle, seed: 3 });
    torch.manualSeed(1);
    const learn = new Learner(new data.DataLoaders(make(x, y, true), make(xv, yv, false)), new nn.Linear(3, 2), {
      lossFunc: new nn.CrossEntropyLoss(),
      optFunc: (p, o) => optim.SGD(p, o),
      lr: 0.1,
    });
    await learn.noLogging(() => learn.noBar(() => learn.fit(2)));
    const { preds } = await learn.getPreds();
    assert.deepEqual(preds.shape, [8, 2]);
    preds.dispose();
    return learn.model.stateDict();
  };
  const a = await fit(true);
  const b = await fit(false);
  for (const k of Object.keys(b)) assert.ok(a[k]!.equal(b[k]!), k);
  torch.dispose([x, y, xv, yv]);
});
